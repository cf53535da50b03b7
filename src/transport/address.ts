import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../lib/prefix.js';

/** One text form per address, so "2001:DB8::1", "2001:db8:0::1" and "::ffff:10.0.0.1" compare as the kernel does. */
export function canonicalAddress(text: string): string {
  const v4 = parseIpv4(text);
  if (v4 !== null) return formatIpv4(v4);
  const v6 = parseIpv6(text);
  if (v6 === null) return text;
  // An IPv4-mapped address is the IPv4 peer itself.
  if (v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff) {
    return formatIpv4(((v6[12]! << 24) | (v6[13]! << 16) | (v6[14]! << 8) | v6[15]!) >>> 0);
  }
  return formatIpv6(v6);
}

export function isIpv6(text: string): boolean {
  return parseIpv4(text) === null && parseIpv6(text) !== null;
}
