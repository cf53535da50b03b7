import { readU16, readU32 } from '../../lib/bytes.js';
import { AS_TRANS, AttrCode } from '../constants.js';
import { UpdateSubcode } from '../notification-codes.js';
import { defineAttribute, Malformed } from './codec.js';

/**
 * AGGREGATOR, RFC 4271 §5.1.7: 6 bytes between 2-octet speakers, 8 with
 * 4-octet ASNs (RFC 6793). Malformed or AS 0: attribute discard
 * (RFC 7606 §7.7, RFC 7607).
 */
export const aggregatorCodec = defineAttribute({
  code: AttrCode.AGGREGATOR,
  kind: 'AGGREGATOR',
  optional: true,
  transitive: true,
  malformedAction: 'attribute-discard',
  subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
  size: (_attr, ctx) => (ctx.fourOctetAs ? 8 : 6),
  decode(buf, start, end, ctx) {
    const expected = ctx.fourOctetAs ? 8 : 6;
    if (end - start !== expected) {
      return new Malformed(`length ${end - start}, expected ${expected}`, UpdateSubcode.ATTRIBUTE_LENGTH_ERROR);
    }
    const asn = ctx.fourOctetAs ? readU32(buf, start) : readU16(buf, start);
    if (asn === 0) return new Malformed('AS 0 (RFC 7607)', UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR);
    return { kind: 'AGGREGATOR', asn, address: readU32(buf, end - 4) };
  },
  encode(attr, w, ctx) {
    if (ctx.fourOctetAs) w.u32(attr.asn);
    else w.u16(attr.asn > 0xffff ? AS_TRANS : attr.asn);
    w.u32(attr.address);
  },
});
