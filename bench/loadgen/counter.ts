/**
 * Counts the prefixes a session holds without decoding UPDATEs into
 * objects: the withdrawn-routes and NLRI fields are walked in place and each
 * prefix of the scenario's space flips one bit. A duplicate announcement or
 * a withdrawal of something never sent changes nothing, so "held" is exact
 * however a daemon batches or repeats its UPDATEs.
 */
export class PrefixCounter {
  private readonly bits: Uint8Array;
  private readonly shift: number;
  /** Prefixes of the space currently held (own prefixes excluded). */
  held = 0;
  updates = 0;

  constructor(
    private readonly base: number,
    private readonly len: number,
    private readonly size: number,
    private readonly ownFrom: number,
    private readonly ownTo: number,
  ) {
    this.bits = new Uint8Array((size + 7) >>> 3);
    this.shift = 32 - len;
  }

  /** The body of an UPDATE (after the 19-byte header), b[start..end). Returns false if it is malformed. */
  update(b: Uint8Array, start = 0, end = b.length): boolean {
    this.updates++;
    if (end - start < 4) return false;
    const wEnd = start + 2 + ((b[start]! << 8) | b[start + 1]!);
    if (wEnd + 2 > end) return false;
    if (!this.walk(b, start + 2, wEnd, false)) return false;
    const nlriAt = wEnd + 2 + ((b[wEnd]! << 8) | b[wEnd + 1]!);
    if (nlriAt > end) return false;
    return this.walk(b, nlriAt, end, true);
  }

  private walk(b: Uint8Array, p: number, end: number, announce: boolean): boolean {
    while (p < end) {
      const len = b[p]!;
      const nb = (len + 7) >>> 3;
      if (len > 32 || p + 1 + nb > end) return false;
      if (len === this.len) {
        let a = 0;
        for (let k = 0; k < 4; k++) a = (a << 8) | (k < nb ? b[p + 1 + k]! : 0);
        this.mark((a >>> 0) - this.base, announce);
      }
      p += 1 + nb;
    }
    return true;
  }

  private mark(offset: number, announce: boolean): void {
    if (offset < 0) return;
    const i = offset >>> this.shift;
    if (i >= this.size || (i >= this.ownFrom && i < this.ownTo)) return;
    const byte = i >>> 3;
    const bit = 1 << (i & 7);
    const had = (this.bits[byte]! & bit) !== 0;
    if (announce && !had) {
      this.bits[byte]! |= bit;
      this.held++;
    } else if (!announce && had) {
      this.bits[byte]! &= ~bit;
      this.held--;
    }
  }
}
