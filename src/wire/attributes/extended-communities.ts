import { readU32 } from '../../lib/bytes.js';
import { AttrCode } from '../constants.js';
import { UpdateSubcode } from '../notification-codes.js';
import { defineAttribute, Malformed } from './codec.js';
import type { ExtendedCommunity } from './types.js';

/**
 * EXTENDED_COMMUNITIES, RFC 4360. Unknown types and sub-types are kept as
 * they are; length 0 or not a multiple of 8: treat-as-withdraw (RFC 7606 §7.14).
 */
export const extendedCommunitiesCodec = defineAttribute({
  code: AttrCode.EXTENDED_COMMUNITIES,
  kind: 'EXTENDED_COMMUNITIES',
  optional: true,
  transitive: true,
  malformedAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  size: (attr) => attr.communities.length * 8,
  decode(buf, start, end) {
    const len = end - start;
    if (len === 0 || len % 8 !== 0) return new Malformed(`length ${len} is not a positive multiple of 8`, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR);
    const communities: ExtendedCommunity[] = [];
    for (let p = start; p < end; p += 8) communities.push({ high: readU32(buf, p), low: readU32(buf, p + 4) });
    return { kind: 'EXTENDED_COMMUNITIES', communities };
  },
  encode(attr, w) {
    for (const c of attr.communities) w.u32(c.high).u32(c.low);
  },
});

/** Route target with a 2-octet AS (type 0x00, sub-type 0x02), e.g. rt 65000:100. */
export function routeTarget(asn: number, value: number): ExtendedCommunity {
  return { high: ((0x0002 << 16) | (asn & 0xffff)) >>> 0, low: value >>> 0 };
}

/** "rt:65000:100", "soo:65000:1", or the hex of an unrecognised one. */
export function formatExtendedCommunity(c: ExtendedCommunity): string {
  const type = c.high >>> 24;
  const subtype = (c.high >>> 16) & 0xff;
  const names: Record<number, string> = { 2: 'rt', 3: 'soo' };
  const name = names[subtype];
  if (name && (type === 0x00 || type === 0x40)) return `${name}:${c.high & 0xffff}:${c.low}`;
  if (name && (type === 0x02 || type === 0x42)) return `${name}:${((c.high & 0xffff) * 65536 + (c.low >>> 16)) >>> 0}:${c.low & 0xffff}`;
  if (name && (type === 0x01 || type === 0x41)) {
    const ip = (((c.high & 0xffff) << 16) | (c.low >>> 16)) >>> 0;
    return `${name}:${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}:${c.low & 0xffff}`;
  }
  return `0x${c.high.toString(16).padStart(8, '0')}${c.low.toString(16).padStart(8, '0')}`;
}
