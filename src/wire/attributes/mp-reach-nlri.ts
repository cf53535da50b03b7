import { readU16, copyBytes } from '../../lib/bytes.js';
import { AttrCode, familyKey } from '../constants.js';
import { nlriListSize, writeNlri } from '../nlri.js';
import { UpdateSubcode } from '../notification-codes.js';
import { defineAttribute } from './codec.js';
import { decodeMpNlri, isPrefixFamily, mpMalformed } from './mp-family.js';

/** Next-hop lengths valid for a family (RFC 4760 §3, RFC 2545 §3, RFC 8950 §3). */
function nextHopLengthValid(afi: number, safi: number, len: number): boolean {
  if (!isPrefixFamily(afi, safi)) return true;
  if (afi === 1) return len === 4 || len === 16 || len === 32;
  return len === 16 || len === 32;
}

/** MP_REACH_NLRI, RFC 4760 §3. Malformed: session reset or AFI/SAFI disable (RFC 7606 §7.11). */
export const mpReachNlriCodec = defineAttribute({
  code: AttrCode.MP_REACH_NLRI,
  kind: 'MP_REACH_NLRI',
  optional: true,
  transitive: false,
  malformedAction: 'session-reset',
  subcode: UpdateSubcode.MALFORMED_ATTRIBUTE_LIST,
  size: (attr, ctx) => 5 + attr.nextHop.length + (attr.rawNlri ? attr.rawNlri.length : nlriListSize(attr.nlri, ctx.addPath.has(familyKey(attr.afi, attr.safi)))),
  decode(buf, start, end, ctx) {
    if (end - start < 3) return mpMalformed(`length ${end - start} too short for AFI/SAFI`, ctx);
    const afi = readU16(buf, start);
    const safi = buf[start + 2]!;
    if (end - start < 5) return mpMalformed(`length ${end - start} too short`, ctx, afi, safi);
    const nhLen = buf[start + 3]!;
    const nhEnd = start + 4 + nhLen;
    // The reserved octet follows the next hop (RFC 4760 §3).
    if (nhEnd + 1 > end) return mpMalformed(`next hop length ${nhLen} runs past the attribute`, ctx, afi, safi);
    if (!nextHopLengthValid(afi, safi, nhLen)) {
      return mpMalformed(`next hop length ${nhLen} invalid for AFI ${afi} SAFI ${safi}`, ctx, afi, safi);
    }
    const nextHop = copyBytes(buf, start + 4, nhEnd);
    if (!isPrefixFamily(afi, safi)) {
      return { kind: 'MP_REACH_NLRI', afi, safi, nextHop, nlri: [], rawNlri: copyBytes(buf, nhEnd + 1, end) };
    }
    const nlri = decodeMpNlri(buf, nhEnd + 1, end, afi, safi, ctx);
    if (typeof nlri === 'string') return mpMalformed(nlri, ctx, afi, safi);
    return { kind: 'MP_REACH_NLRI', afi, safi, nextHop, nlri };
  },
  encode(attr, w, ctx) {
    w.u16(attr.afi).u8(attr.safi).u8(attr.nextHop.length).bytes(attr.nextHop).u8(0);
    if (attr.rawNlri) {
      w.bytes(attr.rawNlri);
      return;
    }
    const addPath = ctx.addPath.has(familyKey(attr.afi, attr.safi));
    for (const n of attr.nlri) writeNlri(w, n, addPath);
  },
});
