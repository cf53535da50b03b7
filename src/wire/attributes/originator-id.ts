import { readU32 } from '../../lib/bytes.js';
import { AttrCode } from '../constants.js';
import { UpdateSubcode } from '../notification-codes.js';
import { defineAttribute, Malformed } from './codec.js';

/**
 * ORIGINATOR_ID, RFC 4456 §8. From an external peer it is discarded; from
 * an internal peer a length other than 4 is treat-as-withdraw (RFC 7606 §7.9).
 */
export const originatorIdCodec = defineAttribute({
  code: AttrCode.ORIGINATOR_ID,
  kind: 'ORIGINATOR_ID',
  optional: true,
  transitive: false,
  malformedAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
  discardFromEbgp: true,
  size: () => 4,
  decode(buf, start, end) {
    if (end - start !== 4) return new Malformed(`length ${end - start}, expected 4`, UpdateSubcode.ATTRIBUTE_LENGTH_ERROR);
    return { kind: 'ORIGINATOR_ID', originatorId: readU32(buf, start) };
  },
  encode(attr, w) {
    w.u32(attr.originatorId);
  },
});
