import { readU16 } from '../../lib/bytes.js';
import { AttrCode } from '../constants.js';

/**
 * AIGP (RFC 7311) and BGP Prefix-SID (RFC 8669) are not interpreted by
 * petrel and never passed on (attributesForForwarding drops them). Their
 * TLVs are still checked, because a malformed one must be discarded and
 * logged (RFC 7311 §3, RFC 8669 §5; corrupted Prefix-SIDs reset sessions
 * in real incidents). Returns why the value is malformed, or null.
 */
export function checkNeverPropagated(code: number, buf: Uint8Array, start: number, end: number): string | null {
  if (end === start) return 'empty value';
  let p = start;
  while (p < end) {
    if (p + 3 > end) return 'TLV header runs past the attribute';
    const type = buf[p]!;
    const len = readU16(buf, p + 1);
    if (code === AttrCode.AIGP) {
      // AIGP TLV length counts its own type and length octets.
      if (len < 3 || p + len > end) return `AIGP TLV length ${len} invalid`;
      if (type === 1 && len !== 11) return `AIGP metric TLV length ${len}, expected 11`;
      p += len;
    } else {
      if (type === 0) return 'Prefix-SID TLV type 0 is reserved';
      if (p + 3 + len > end) return `Prefix-SID TLV of length ${len} runs past the attribute`;
      if (type === 1 && len !== 7) return `Label-Index TLV length ${len}, expected 7`;
      if (type === 3 && (len < 8 || (len - 2) % 6 !== 0)) return `Originator SRGB TLV length ${len} invalid`;
      p += 3 + len;
    }
  }
  return null;
}
