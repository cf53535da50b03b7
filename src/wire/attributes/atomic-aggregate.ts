import { AttrCode } from '../constants.js';
import { UpdateSubcode } from '../notification-codes.js';
import { defineAttribute, Malformed } from './codec.js';

/** ATOMIC_AGGREGATE, RFC 4271 §5.1.6; length not 0: attribute discard (RFC 7606 §7.6). */
export const atomicAggregateCodec = defineAttribute({
  code: AttrCode.ATOMIC_AGGREGATE,
  kind: 'ATOMIC_AGGREGATE',
  optional: false,
  transitive: true,
  malformedAction: 'attribute-discard',
  subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
  size: () => 0,
  decode(_buf, start, end) {
    if (end !== start) return new Malformed(`length ${end - start}, expected 0`, UpdateSubcode.ATTRIBUTE_LENGTH_ERROR);
    return { kind: 'ATOMIC_AGGREGATE' };
  },
  encode() {},
});
