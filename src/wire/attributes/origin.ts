import { AttrCode, type Origin } from '../constants.js';
import { UpdateSubcode } from '../notification-codes.js';
import { defineAttribute, Malformed } from './codec.js';

/** ORIGIN, RFC 4271 §5.1.1; malformed: treat-as-withdraw (RFC 7606 §7.1). */
export const originCodec = defineAttribute({
  code: AttrCode.ORIGIN,
  kind: 'ORIGIN',
  optional: false,
  transitive: true,
  malformedAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
  size: () => 1,
  decode(buf, start, end) {
    if (end - start !== 1) return new Malformed(`length ${end - start}, expected 1`, UpdateSubcode.ATTRIBUTE_LENGTH_ERROR);
    const origin = buf[start]!;
    if (origin > 2) return new Malformed(`undefined value ${origin}`, UpdateSubcode.INVALID_ORIGIN_ATTRIBUTE);
    return { kind: 'ORIGIN', origin: origin as Origin };
  },
  encode(attr, w) {
    w.u8(attr.origin);
  },
});
