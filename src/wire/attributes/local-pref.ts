import { readU32 } from '../../lib/bytes.js';
import { AttrCode } from '../constants.js';
import { UpdateSubcode } from '../notification-codes.js';
import { defineAttribute, Malformed } from './codec.js';

/**
 * LOCAL_PREF, RFC 4271 §5.1.5. From an external peer it is discarded;
 * from an internal peer a wrong length is treat-as-withdraw (RFC 7606 §7.5).
 */
export const localPrefCodec = defineAttribute({
  code: AttrCode.LOCAL_PREF,
  kind: 'LOCAL_PREF',
  optional: false,
  transitive: true,
  malformedAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
  discardFromEbgp: true,
  size: () => 4,
  decode(buf, start, end) {
    if (end - start !== 4) return new Malformed(`length ${end - start}, expected 4`, UpdateSubcode.ATTRIBUTE_LENGTH_ERROR);
    return { kind: 'LOCAL_PREF', localPref: readU32(buf, start) };
  },
  encode(attr, w) {
    w.u32(attr.localPref);
  },
});
