import { readU32 } from '../../lib/bytes.js';
import { AttrCode } from '../constants.js';
import { UpdateSubcode } from '../notification-codes.js';
import { defineAttribute, Malformed } from './codec.js';

/** ONLY_TO_CUSTOMER (OTC), RFC 9234 §5; length not 4: treat-as-withdraw. */
export const onlyToCustomerCodec = defineAttribute({
  code: AttrCode.ONLY_TO_CUSTOMER,
  kind: 'ONLY_TO_CUSTOMER',
  optional: true,
  transitive: true,
  malformedAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  size: () => 4,
  decode(buf, start, end) {
    if (end - start !== 4) return new Malformed(`length ${end - start}, expected 4`, UpdateSubcode.ATTRIBUTE_LENGTH_ERROR);
    return { kind: 'ONLY_TO_CUSTOMER', asn: readU32(buf, start) };
  },
  encode(attr, w) {
    w.u32(attr.asn);
  },
});
