/**
 * Byte writer used by every encoder. It grows on demand, so callers never
 * compute sizes twice; lengths that are only known afterwards (attribute
 * length, message length) are reserved and patched.
 */
export class ByteWriter {
  private buf: Uint8Array;
  pos = 0;

  constructor(initialSize = 4096) {
    this.buf = new Uint8Array(initialSize);
  }

  private grow(extra: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): this {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    if (this.pos + 2 > this.buf.length) this.grow(2);
    const b = this.buf;
    b[this.pos++] = (v >>> 8) & 0xff;
    b[this.pos++] = v & 0xff;
    return this;
  }

  u24(v: number): this {
    if (this.pos + 3 > this.buf.length) this.grow(3);
    const b = this.buf;
    b[this.pos++] = (v >>> 16) & 0xff;
    b[this.pos++] = (v >>> 8) & 0xff;
    b[this.pos++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    if (this.pos + 4 > this.buf.length) this.grow(4);
    const b = this.buf;
    b[this.pos++] = (v >>> 24) & 0xff;
    b[this.pos++] = (v >>> 16) & 0xff;
    b[this.pos++] = (v >>> 8) & 0xff;
    b[this.pos++] = v & 0xff;
    return this;
  }

  bytes(src: Uint8Array): this {
    if (this.pos + src.length > this.buf.length) this.grow(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
    return this;
  }

  fill(value: number, count: number): this {
    if (this.pos + count > this.buf.length) this.grow(count);
    const b = this.buf;
    // A plain loop beats TypedArray.fill's call overhead for markers and length fields.
    if (count <= 32) {
      for (let i = 0; i < count; i++) b[this.pos + i] = value;
    } else {
      b.fill(value, this.pos, this.pos + count);
    }
    this.pos += count;
    return this;
  }

  /** Reserve `n` bytes (zeroed) and return their offset, to patch later. */
  reserve(n: number): number {
    const at = this.pos;
    this.fill(0, n);
    return at;
  }

  patchU8(at: number, v: number): void {
    this.buf[at] = v & 0xff;
  }

  patchU16(at: number, v: number): void {
    this.buf[at] = (v >>> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
  }

  /** Remove `n` bytes at offset `at`, moving what follows down. */
  removeAt(at: number, n: number): void {
    this.buf.copyWithin(at, at + n, this.pos);
    this.pos -= n;
  }

  /** Bytes written so far (a copy, so the writer can be reused). */
  finish(): Uint8Array {
    const n = this.pos;
    const out = allocate(n);
    const b = this.buf;
    if (n <= 128) {
      for (let i = 0; i < n; i++) out[i] = b[i]!;
    } else {
      out.set(b.subarray(0, n));
    }
    return out;
  }

  /** A view of bytes written so far without copying; valid until the next write. */
  view(from = 0, to = this.pos): Uint8Array {
    return this.buf.subarray(from, to);
  }

  reset(): void {
    this.pos = 0;
  }
}

/**
 * Small results are views into a shared slab, as Node's Buffer pool does:
 * a fresh ArrayBuffer per 60-byte UPDATE costs more than encoding it.
 * A view keeps its slab alive, so only small sizes are pooled.
 */
const SLAB_SIZE = 256 * 1024;
const POOLED_MAX = 4096;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabUsed = 0;

export function allocate(n: number): Uint8Array {
  if (n > POOLED_MAX) return new Uint8Array(n);
  if (slabUsed + n > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabUsed = 0;
  }
  const view = new Uint8Array(slab, slabUsed, n);
  // Keep views 8-byte aligned, like Buffer's pool.
  slabUsed += (n + 7) & ~7;
  return view;
}

/**
 * A copy of buf[start, end) that shares nothing with buf. Buffer.slice
 * returns a view, so decoders handed a socket Buffer must not use .slice;
 * and decoded values may live long in the RIB, so they are not pooled.
 */
export function copyBytes(buf: Uint8Array, start = 0, end = buf.length): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(buf.subarray(start, end));
  return out;
}

export function readU16(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 8) | buf[at + 1]!) >>> 0;
}

export function readU24(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 16) | (buf[at + 1]! << 8) | buf[at + 2]!) >>> 0;
}

export function readU32(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
