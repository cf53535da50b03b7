/** Addresses as the kernel wants them (4 or 16 bytes) and prefix containment. */
import { formatIpv4, formatIpv6, formatPrefix, parseIpv4, parseIpv6, type Prefix } from '../lib/prefix.js';

/** "10.0.0.1" or "fd00::1" as 4 or 16 bytes; null when it is neither. */
export function ipBytes(text: string): Uint8Array | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return Uint8Array.of(v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255);
  return parseIpv6(text);
}

export function formatIp(b: Uint8Array): string {
  return b.length === 4 ? formatIpv4(((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) : formatIpv6(b);
}

export function macBytes(text: string): Uint8Array | null {
  if (!/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(text)) return null;
  return Uint8Array.from(text.split(':').map((h) => parseInt(h, 16)));
}

function prefixBytes(p: Prefix): Uint8Array {
  return p.afi === 1 ? Uint8Array.of(p.addr >>> 24, (p.addr >>> 16) & 255, (p.addr >>> 8) & 255, p.addr & 255) : p.addr;
}

/** The first `len` bits of a and b are equal. */
function samePrefixBits(a: Uint8Array, b: Uint8Array, len: number): boolean {
  const whole = len >>> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = len & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[whole]! ^ b[whole]!) & mask) === 0;
}

/** The address lies inside the prefix (BIRD's `ip ~ prefix`). */
export function containsAddress(p: Prefix, addr: Uint8Array): boolean {
  if ((p.afi === 1) !== (addr.length === 4)) return false;
  return samePrefixBits(prefixBytes(p), addr, p.len);
}

/** `inner` lies inside `outer` (BIRD's `net ~ prefix`). */
export function containsPrefix(outer: Prefix, inner: Prefix): boolean {
  if (outer.afi !== inner.afi || inner.len < outer.len) return false;
  return samePrefixBits(prefixBytes(outer), prefixBytes(inner), outer.len);
}

/** A prefix as a map key. */
export function prefixKey(p: Prefix): string {
  return formatPrefix(p);
}
