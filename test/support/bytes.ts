/**
 * Helpers to build raw BGP messages from hex for wire tests. Every helper
 * takes and returns hex (whitespace allowed) except where a Uint8Array is
 * what the decoder consumes.
 */
import { fromHex, toHex } from '../../src/lib/hex.js';

export { fromHex, toHex };

/** The 16 all-ones marker, as hex. */
export const MARKER = 'ff'.repeat(16);

/** Strip whitespace from a hex string. */
export function clean(hex: string): string {
  return hex.replace(/\s+/g, '').toLowerCase();
}

export function u8(n: number): string {
  if (n < 0 || n > 0xff) throw new RangeError(`u8 ${n}`);
  return n.toString(16).padStart(2, '0');
}

export function u16(n: number): string {
  if (n < 0 || n > 0xffff) throw new RangeError(`u16 ${n}`);
  return n.toString(16).padStart(4, '0');
}

export function u32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** Number of bytes a hex string holds. */
export function byteLength(hex: string): number {
  return clean(hex).length / 2;
}

/** A complete message: marker, length computed from the body, type, body. */
export function msg(type: number, bodyHex = ''): Uint8Array {
  const body = clean(bodyHex);
  return fromHex(MARKER + u16(19 + body.length / 2) + u8(type) + body);
}

/** A header with an explicit (possibly lying) length, followed by `bodyHex` as is. */
export function rawMsg(length: number, type: number, bodyHex = ''): Uint8Array {
  return fromHex(MARKER + u16(length) + u8(type) + clean(bodyHex));
}

/** One path attribute: flags, type, length (two octets when flags carry Extended Length), value. */
export function attr(flags: number, code: number, valueHex = ''): string {
  const len = byteLength(valueHex);
  const lenHex = flags & 0x10 ? u16(len) : u8(len);
  return u8(flags) + u8(code) + lenHex + clean(valueHex);
}

/** An UPDATE body: withdrawn length, withdrawn, total path attribute length, attributes, NLRI. */
export function updateBody(attrsHex: string, nlriHex = '', withdrawnHex = ''): string {
  const w = clean(withdrawnHex);
  const a = clean(attrsHex);
  return u16(w.length / 2) + w + u16(a.length / 2) + a + clean(nlriHex);
}

/** A complete UPDATE message. */
export function updateMsg(attrsHex: string, nlriHex = '', withdrawnHex = ''): Uint8Array {
  return msg(2, updateBody(attrsHex, nlriHex, withdrawnHex));
}

/** Concatenate byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
