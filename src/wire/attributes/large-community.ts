import { readU32 } from '../../lib/bytes.js';
import { AttrCode } from '../constants.js';
import { UpdateSubcode } from '../notification-codes.js';
import { defineAttribute, Malformed } from './codec.js';
import type { LargeCommunity } from './types.js';

/** LARGE_COMMUNITY, RFC 8092; length 0 or not a multiple of 12: treat-as-withdraw (RFC 8092 §5). */
export const largeCommunityCodec = defineAttribute({
  code: AttrCode.LARGE_COMMUNITY,
  kind: 'LARGE_COMMUNITY',
  optional: true,
  transitive: true,
  malformedAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  size: (attr) => attr.communities.length * 12,
  decode(buf, start, end) {
    const len = end - start;
    if (len === 0 || len % 12 !== 0) return new Malformed(`length ${len} is not a positive multiple of 12`, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR);
    const communities: LargeCommunity[] = [];
    for (let p = start; p < end; p += 12) {
      communities.push({ globalAdmin: readU32(buf, p), localData1: readU32(buf, p + 4), localData2: readU32(buf, p + 8) });
    }
    return { kind: 'LARGE_COMMUNITY', communities };
  },
  encode(attr, w) {
    for (const c of attr.communities) w.u32(c.globalAdmin).u32(c.localData1).u32(c.localData2);
  },
});

export function formatLargeCommunity(c: LargeCommunity): string {
  return `${c.globalAdmin}:${c.localData1}:${c.localData2}`;
}
