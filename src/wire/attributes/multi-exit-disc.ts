import { readU32 } from '../../lib/bytes.js';
import { AttrCode } from '../constants.js';
import { UpdateSubcode } from '../notification-codes.js';
import { defineAttribute, Malformed } from './codec.js';

/** MULTI_EXIT_DISC, RFC 4271 §5.1.4; wrong length: treat-as-withdraw (RFC 7606 §7.4). */
export const multiExitDiscCodec = defineAttribute({
  code: AttrCode.MULTI_EXIT_DISC,
  kind: 'MULTI_EXIT_DISC',
  optional: true,
  transitive: false,
  malformedAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
  size: () => 4,
  decode(buf, start, end) {
    if (end - start !== 4) return new Malformed(`length ${end - start}, expected 4`, UpdateSubcode.ATTRIBUTE_LENGTH_ERROR);
    return { kind: 'MULTI_EXIT_DISC', med: readU32(buf, start) };
  },
  encode(attr, w) {
    w.u32(attr.med);
  },
});
