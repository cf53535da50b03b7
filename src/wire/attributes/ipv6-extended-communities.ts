import { copyBytes } from '../../lib/bytes.js';
import { AttrCode } from '../constants.js';
import { UpdateSubcode } from '../notification-codes.js';
import { defineAttribute, Malformed } from './codec.js';

/** IPv6 Address Specific Extended Community, RFC 5701; length 0 or not a multiple of 20: treat-as-withdraw (RFC 7606 §7.15). */
export const ipv6ExtendedCommunitiesCodec = defineAttribute({
  code: AttrCode.IPV6_EXTENDED_COMMUNITIES,
  kind: 'IPV6_EXTENDED_COMMUNITIES',
  optional: true,
  transitive: true,
  malformedAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  size: (attr) => attr.communities.reduce((n, c) => n + c.length, 0),
  decode(buf, start, end) {
    const len = end - start;
    if (len === 0 || len % 20 !== 0) return new Malformed(`length ${len} is not a positive multiple of 20`, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR);
    const communities: Uint8Array[] = [];
    for (let p = start; p < end; p += 20) communities.push(copyBytes(buf, p, p + 20));
    return { kind: 'IPV6_EXTENDED_COMMUNITIES', communities };
  },
  encode(attr, w) {
    for (const c of attr.communities) w.bytes(c);
  },
});
