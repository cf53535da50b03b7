import { readU32 } from '../../lib/bytes.js';
import { AttrCode } from '../constants.js';
import { UpdateSubcode } from '../notification-codes.js';
import { defineAttribute, Malformed } from './codec.js';

/** AS4_AGGREGATOR, RFC 6793 §3: always 8 bytes; malformed: attribute discard. */
export const as4AggregatorCodec = defineAttribute({
  code: AttrCode.AS4_AGGREGATOR,
  kind: 'AS4_AGGREGATOR',
  optional: true,
  transitive: true,
  malformedAction: 'attribute-discard',
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  size: () => 8,
  decode(buf, start, end) {
    if (end - start !== 8) return new Malformed(`length ${end - start}, expected 8`, UpdateSubcode.ATTRIBUTE_LENGTH_ERROR);
    const asn = readU32(buf, start);
    if (asn === 0) return new Malformed('AS 0 (RFC 7607)', UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR);
    return { kind: 'AS4_AGGREGATOR', asn, address: readU32(buf, start + 4) };
  },
  encode(attr, w) {
    w.u32(attr.asn).u32(attr.address);
  },
});
