import { readU32 } from '../../lib/bytes.js';
import { AttrCode } from '../constants.js';
import { UpdateSubcode } from '../notification-codes.js';
import { defineAttribute, Malformed } from './codec.js';

/** COMMUNITIES, RFC 1997; length 0 or not a multiple of 4: treat-as-withdraw (RFC 7606 §7.8). */
export const communitiesCodec = defineAttribute({
  code: AttrCode.COMMUNITIES,
  kind: 'COMMUNITIES',
  optional: true,
  transitive: true,
  malformedAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  size: (attr) => attr.communities.length * 4,
  decode(buf, start, end) {
    const len = end - start;
    if (len === 0 || len % 4 !== 0) return new Malformed(`length ${len} is not a positive multiple of 4`, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR);
    const communities = new Array<number>(len / 4);
    for (let i = 0; i < communities.length; i++) communities[i] = readU32(buf, start + i * 4);
    return { kind: 'COMMUNITIES', communities };
  },
  encode(attr, w) {
    for (const c of attr.communities) w.u32(c);
  },
});
