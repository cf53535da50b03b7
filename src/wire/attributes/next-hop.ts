import { readU32 } from '../../lib/bytes.js';
import { AttrCode } from '../constants.js';
import { UpdateSubcode } from '../notification-codes.js';
import { defineAttribute, Malformed } from './codec.js';

/** NEXT_HOP, RFC 4271 §5.1.3; wrong length: treat-as-withdraw (RFC 7606 §7.3). */
export const nextHopCodec = defineAttribute({
  code: AttrCode.NEXT_HOP,
  kind: 'NEXT_HOP',
  optional: false,
  transitive: true,
  malformedAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
  size: () => 4,
  decode(buf, start, end) {
    if (end - start !== 4) return new Malformed(`length ${end - start}, expected 4`, UpdateSubcode.ATTRIBUTE_LENGTH_ERROR);
    return { kind: 'NEXT_HOP', nextHop: readU32(buf, start) };
  },
  encode(attr, w) {
    w.u32(attr.nextHop);
  },
});
