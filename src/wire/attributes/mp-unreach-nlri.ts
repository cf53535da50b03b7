import { readU16, copyBytes } from '../../lib/bytes.js';
import { AttrCode, familyKey } from '../constants.js';
import { nlriListSize, writeNlri } from '../nlri.js';
import { UpdateSubcode } from '../notification-codes.js';
import { defineAttribute } from './codec.js';
import { decodeMpNlri, isPrefixFamily, mpMalformed } from './mp-family.js';

/**
 * MP_UNREACH_NLRI, RFC 4760 §4. A bare one is the End-of-RIB marker of its
 * family (RFC 4724 §2). Malformed: session reset or AFI/SAFI disable (RFC 7606 §7.12).
 */
export const mpUnreachNlriCodec = defineAttribute({
  code: AttrCode.MP_UNREACH_NLRI,
  kind: 'MP_UNREACH_NLRI',
  optional: true,
  transitive: false,
  malformedAction: 'session-reset',
  subcode: UpdateSubcode.MALFORMED_ATTRIBUTE_LIST,
  size: (attr, ctx) => 3 + (attr.rawNlri ? attr.rawNlri.length : nlriListSize(attr.withdrawn, ctx.addPath.has(familyKey(attr.afi, attr.safi)))),
  decode(buf, start, end, ctx) {
    if (end - start < 3) return mpMalformed(`length ${end - start} too short for AFI/SAFI`, ctx);
    const afi = readU16(buf, start);
    const safi = buf[start + 2]!;
    if (!isPrefixFamily(afi, safi)) {
      return { kind: 'MP_UNREACH_NLRI', afi, safi, withdrawn: [], rawNlri: copyBytes(buf, start + 3, end) };
    }
    const withdrawn = decodeMpNlri(buf, start + 3, end, afi, safi, ctx);
    if (typeof withdrawn === 'string') return mpMalformed(withdrawn, ctx, afi, safi);
    return { kind: 'MP_UNREACH_NLRI', afi, safi, withdrawn };
  },
  encode(attr, w, ctx) {
    w.u16(attr.afi).u8(attr.safi);
    if (attr.rawNlri) {
      w.bytes(attr.rawNlri);
      return;
    }
    const addPath = ctx.addPath.has(familyKey(attr.afi, attr.safi));
    for (const n of attr.withdrawn) writeNlri(w, n, addPath);
  },
});
