import type { ByteWriter } from '../../lib/bytes.js';
import { AttrCode, AttrFlag } from '../constants.js';
import type { CodecContext } from '../context.js';
import { aggregatorCodec } from './aggregator.js';
import { as4AggregatorCodec } from './as4-aggregator.js';
import { as4PathCodec } from './as4-path.js';
import { asPathCodec } from './as-path.js';
import { atomicAggregateCodec } from './atomic-aggregate.js';
import { clusterListCodec } from './cluster-list.js';
import type { AnyAttributeCodec } from './codec.js';
import { communitiesCodec } from './communities.js';
import { extendedCommunitiesCodec } from './extended-communities.js';
import { ipv6ExtendedCommunitiesCodec } from './ipv6-extended-communities.js';
import { largeCommunityCodec } from './large-community.js';
import { localPrefCodec } from './local-pref.js';
import { mpReachNlriCodec } from './mp-reach-nlri.js';
import { mpUnreachNlriCodec } from './mp-unreach-nlri.js';
import { multiExitDiscCodec } from './multi-exit-disc.js';
import { nextHopCodec } from './next-hop.js';
import { onlyToCustomerCodec } from './only-to-customer.js';
import { originCodec } from './origin.js';
import { originatorIdCodec } from './originator-id.js';
import type { AttrKind, PathAttribute } from './types.js';

/** The attribute table: every attribute petrel interprets, by type code. */
const ALL: readonly AnyAttributeCodec[] = [
  originCodec,
  asPathCodec,
  nextHopCodec,
  multiExitDiscCodec,
  localPrefCodec,
  atomicAggregateCodec,
  aggregatorCodec,
  communitiesCodec,
  originatorIdCodec,
  clusterListCodec,
  mpReachNlriCodec,
  mpUnreachNlriCodec,
  extendedCommunitiesCodec,
  as4PathCodec,
  as4AggregatorCodec,
  ipv6ExtendedCommunitiesCodec,
  largeCommunityCodec,
  onlyToCustomerCodec,
];

export const codecByCode: readonly (AnyAttributeCodec | undefined)[] = (() => {
  const table = new Array<AnyAttributeCodec | undefined>(256).fill(undefined);
  for (const c of ALL) table[c.code] = c;
  return table;
})();

const codecByKind = new Map<AttrKind, AnyAttributeCodec>(ALL.map((c) => [c.kind, c]));

/** Optional and Transitive bits as the attribute's definition sets them. */
export function canonicalFlags(codec: AnyAttributeCodec): number {
  return (codec.optional ? AttrFlag.OPTIONAL : 0) | (codec.transitive ? AttrFlag.TRANSITIVE : 0);
}

export function attributeCode(attr: PathAttribute): number {
  return attr.kind === 'UNKNOWN' ? attr.code : codecByKind.get(attr.kind)!.code;
}

/**
 * Write one attribute: flags, type, length (one octet, or two with Extended
 * Length when the value needs it or the received flags had it), value.
 */
export function encodeAttribute(attr: PathAttribute, w: ByteWriter, ctx: CodecContext): void {
  let flags: number;
  let code: number;
  let len: number;
  let codec: AnyAttributeCodec | undefined;
  if (attr.kind === 'UNKNOWN') {
    flags = attr.flags;
    code = attr.code;
    len = attr.value.length;
  } else {
    codec = codecByKind.get(attr.kind)!;
    flags = attr.flags ?? canonicalFlags(codec);
    code = codec.code;
    len = codec.size(attr, ctx);
  }
  if (len > 0xffff) throw new RangeError(`attribute ${code} value of ${len} bytes does not fit`);
  if (flags & AttrFlag.EXTENDED_LENGTH || len > 0xff) w.u8(flags | AttrFlag.EXTENDED_LENGTH).u8(code).u16(len);
  else w.u8(flags).u8(code).u8(len);
  const valueStart = w.pos;
  if (codec === undefined) w.bytes((attr as { value: Uint8Array }).value);
  else codec.encode(attr, w, ctx);
  if (w.pos - valueStart !== len) throw new Error(`attribute ${code}: size() said ${len}, encode wrote ${w.pos - valueStart}`);
}

/**
 * Attributes as they may be passed on to another peer (RFC 4271 §5, §9.1.2.1;
 * RFC 7606 §6): unrecognised non-transitive ones dropped, unrecognised
 * transitive ones kept byte-exact with the Partial bit set, AIGP and
 * Prefix-SID never propagated, unused low flag bits cleared.
 */
export function attributesForForwarding(attrs: readonly PathAttribute[]): PathAttribute[] {
  const out: PathAttribute[] = [];
  for (const a of attrs) {
    if (a.kind !== 'UNKNOWN') {
      out.push(a.flags === undefined ? a : { ...a, flags: a.flags & 0xf0 });
      continue;
    }
    if (!(a.flags & AttrFlag.TRANSITIVE)) continue;
    if (a.code === AttrCode.AIGP || a.code === AttrCode.PREFIX_SID) continue;
    out.push({ ...a, flags: (a.flags & 0xf0) | AttrFlag.PARTIAL });
  }
  return out;
}

export type { AttributeCodec, AnyAttributeCodec } from './codec.js';
export { Malformed } from './codec.js';
export * from './types.js';
export { routeTarget, formatExtendedCommunity } from './extended-communities.js';
export { formatLargeCommunity } from './large-community.js';
