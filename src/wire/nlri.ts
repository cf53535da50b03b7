import type { ByteWriter } from '../lib/bytes.js';
import { ipv4Mask, ipv6Prefix, type Ipv4Prefix, type Ipv6Prefix } from '../lib/prefix.js';

/**
 * One NLRI: a prefix plus its ADD-PATH path identifier (RFC 7911). The
 * identifier is 0 on sessions without ADD-PATH for the family. An Nlri is
 * a Prefix, so it can be used wherever a prefix is expected.
 */
export interface Ipv4Nlri extends Ipv4Prefix {
  readonly pathId: number;
}
export interface Ipv6Nlri extends Ipv6Prefix {
  readonly pathId: number;
}
export type Nlri = Ipv4Nlri | Ipv6Nlri;

export function ipv4Nlri(addr: number, len: number, pathId = 0): Ipv4Nlri {
  return { afi: 1, addr: (addr & ipv4Mask(len)) >>> 0, len, pathId };
}

export function ipv6Nlri(addr: Uint8Array, len: number, pathId = 0): Ipv6Nlri {
  return { ...ipv6Prefix(addr, len), pathId };
}

/**
 * Decode a run of IPv4 prefixes (RFC 4271 §4.3 encoding) from buf[start, end)
 * into `out`. Returns null, or why the field is malformed (RFC 7606 §5.3):
 * a length over 32, or a prefix running past the field.
 */
export function decodeIpv4Prefixes(
  buf: Uint8Array,
  start: number,
  end: number,
  addPath: boolean,
  out: Nlri[],
): string | null {
  let p = start;
  while (p < end) {
    let pathId = 0;
    if (addPath) {
      if (p + 4 > end) return 'path identifier runs past the field';
      pathId = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
      p += 4;
      if (p >= end) return 'path identifier without a prefix';
    }
    const len = buf[p++]!;
    if (len > 32) return `prefix length ${len} exceeds 32`;
    const n = (len + 7) >>> 3;
    if (p + n > end) return `prefix of length ${len} runs past the field`;
    let addr = 0;
    // Unrolled on purpose: this loop is the hot path of a full-table ingest.
    if (n > 0) addr = buf[p]! << 24;
    if (n > 1) addr |= buf[p + 1]! << 16;
    if (n > 2) addr |= buf[p + 2]! << 8;
    if (n > 3) addr |= buf[p + 3]!;
    p += n;
    const mask = len === 0 ? 0 : 0xffffffff << (32 - len);
    out.push({ afi: 1, addr: (addr & mask) >>> 0, len, pathId });
  }
  return null;
}

export function decodeIpv6Prefixes(
  buf: Uint8Array,
  start: number,
  end: number,
  addPath: boolean,
  out: Nlri[],
): string | null {
  let p = start;
  while (p < end) {
    let pathId = 0;
    if (addPath) {
      if (p + 4 > end) return 'path identifier runs past the field';
      pathId = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
      p += 4;
      if (p >= end) return 'path identifier without a prefix';
    }
    const len = buf[p++]!;
    if (len > 128) return `prefix length ${len} exceeds 128`;
    const n = (len + 7) >>> 3;
    if (p + n > end) return `prefix of length ${len} runs past the field`;
    const addr = new Uint8Array(16);
    addr.set(buf.subarray(p, p + n));
    if (len & 7) addr[n - 1] = addr[n - 1]! & (0xff << (8 - (len & 7)));
    p += n;
    out.push({ afi: 2, addr, len, pathId });
  }
  return null;
}

/** Bytes one NLRI takes on the wire. */
export function nlriSize(n: Nlri, addPath: boolean): number {
  return (addPath ? 5 : 1) + ((n.len + 7) >>> 3);
}

export function writeNlri(w: ByteWriter, n: Nlri, addPath: boolean): void {
  if (addPath) w.u32(n.pathId);
  w.u8(n.len);
  const bytes = (n.len + 7) >>> 3;
  if (n.afi === 1) {
    const a = n.addr;
    if (bytes > 0) w.u8(a >>> 24);
    if (bytes > 1) w.u8(a >>> 16);
    if (bytes > 2) w.u8(a >>> 8);
    if (bytes > 3) w.u8(a);
  } else {
    w.bytes(n.addr.subarray(0, bytes));
  }
}

export function nlriListSize(list: readonly Nlri[], addPath: boolean): number {
  let n = 0;
  for (const x of list) n += nlriSize(x, addPath);
  return n;
}
