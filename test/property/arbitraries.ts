/**
 * fast-check arbitraries for every BGP message, capability and path
 * attribute of the wire codec, plus hostile-input generators.
 *
 * The "canonical" arbitraries produce values the codec represents exactly,
 * so decode(encode(m)) deep-equals m: prefixes with host bits zero, pathId 0
 * unless ADD-PATH is on for the family, `flags` only when deliberately
 * non-canonical, ASNs that fit the context, no duplicate attribute codes.
 * Everything here is pure and reusable by other tests and benchmarks.
 */
import fc from 'fast-check';
import { ByteWriter } from '../../src/lib/bytes.js';
import {
  AttrCode,
  AttrFlag,
  CapabilityCode,
  IPV4_UNICAST,
  MAX_EXTENDED_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH,
  attributeCode,
  canonicalFlags,
  codecByCode,
  encodeAttribute,
  encodeMessage,
  familyKey,
  type AsPathSegment,
  type BgpMessage,
  type Capability,
  type CodecContext,
  type DecodeContext,
  type Family,
  type FamilyKey,
  type Ipv4Nlri,
  type Ipv6Nlri,
  type KeepaliveMessage,
  type MpReachNlriAttr,
  type MpUnreachNlriAttr,
  type Nlri,
  type NotificationMessage,
  type OpenMessage,
  type OpenParameter,
  type PathAttribute,
  type RouteRefreshMessage,
  type UnknownAttr,
  type UpdateMessage,
} from '../../src/wire/index.js';

type Arb<T> = fc.Arbitrary<T>;

/** fc.record, always with an ordinary prototype: decoded values are plain objects, and deepStrictEqual compares prototypes. */
export function record<T>(model: { [K in keyof T]: Arb<T[K]> }): Arb<T> {
  return fc.record(model, { noNullPrototype: true });
}

// ---------------------------------------------------------------------------
// Numbers and bytes

export const u8 = (): Arb<number> => fc.integer({ min: 0, max: 0xff });
export const u16 = (): Arb<number> => fc.integer({ min: 0, max: 0xffff });
export const u24 = (): Arb<number> => fc.integer({ min: 0, max: 0xffffff });
export const u32 = (): Arb<number> => fc.integer({ min: 0, max: 0xffffffff });
/** Byte strings; `size: 'max'` spreads lengths over the whole range instead of favouring short ones. */
export const bytes = (maxLength: number, minLength = 0, size?: fc.SizeForArbitrary): Arb<Uint8Array> =>
  fc.uint8Array(size === undefined ? { minLength, maxLength } : { minLength, maxLength, size });
export const fixedBytes = (length: number): Arb<Uint8Array> => fc.uint8Array({ minLength: length, maxLength: length });

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Families and contexts

/** Families whose NLRI the codec parses as prefixes. */
export const PREFIX_FAMILIES: readonly Family[] = [
  { afi: 1, safi: 1 },
  { afi: 1, safi: 2 },
  { afi: 2, safi: 1 },
  { afi: 2, safi: 2 },
];
export const PREFIX_FAMILY_KEYS: readonly FamilyKey[] = PREFIX_FAMILIES.map((f) => familyKey(f.afi, f.safi));

export const prefixFamilyArb: Arb<Family> = fc.constantFrom(...PREFIX_FAMILIES);

/** A family the codec keeps as raw bytes (not AFI 1/2 with SAFI 1/2). */
export const rawFamilyArb: Arb<Family> = fc.oneof(
  record({ afi: fc.constantFrom(1, 2), safi: fc.oneof(fc.constantFrom(4, 5, 70, 128, 133), u8()).filter((s) => s !== 1 && s !== 2) }),
  record({ afi: fc.oneof(fc.constantFrom(0, 3, 25, 16388, 0xffff), u16()).filter((a) => a !== 1 && a !== 2), safi: u8() }),
);

export const addPathSetArb: Arb<ReadonlySet<FamilyKey>> = fc
  .subarray([...PREFIX_FAMILY_KEYS])
  .map((keys) => new Set(keys) as ReadonlySet<FamilyKey>);

export interface ContextOptions {
  readonly fourOctetAs?: boolean;
  readonly extendedMessage?: boolean;
}

export function codecContextArb(opts: ContextOptions = {}): Arb<CodecContext> {
  return record({
    fourOctetAs: opts.fourOctetAs === undefined ? fc.boolean() : fc.constant(opts.fourOctetAs),
    addPath: addPathSetArb,
    extendedMessage: opts.extendedMessage === undefined ? fc.boolean() : fc.constant(opts.extendedMessage),
  });
}

/** The receive context that accepts what `ctx` encodes without any RFC 7606 action. */
export function cleanDecodeContext(ctx: CodecContext): DecodeContext {
  return { fourOctetAs: ctx.fourOctetAs, addPath: ctx.addPath, extendedMessage: ctx.extendedMessage, ebgp: false };
}

/** Any receive context, including the knobs that make the decoder stricter. */
export const hostileDecodeContextArb: Arb<DecodeContext> = fc.record(
  {
    fourOctetAs: fc.boolean(),
    addPath: addPathSetArb,
    extendedMessage: fc.boolean(),
    ebgp: fc.boolean(),
    mpErrorAction: fc.constantFrom('session-reset' as const, 'afi-safi-disable' as const),
    peerAs: fc.oneof(fc.constantFrom(1, 23456, 65000), u32()),
    enforceFirstAs: fc.boolean(),
    localAddresses: fc.array(u32(), { maxLength: 3 }).map((a) => new Set(a) as ReadonlySet<number>),
    allowLoopbackNextHop: fc.boolean(),
    clusterId: u32(),
    routerId: u32(),
  },
  { requiredKeys: ['fourOctetAs', 'addPath', 'extendedMessage', 'ebgp'], noNullPrototype: true },
);

export function maxMessageLength(ctx: CodecContext): number {
  return ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}

/** Encoded size of a message, or Infinity when it cannot be encoded even as an extended message. */
export function encodedLength(m: BgpMessage, ctx: CodecContext): number {
  try {
    return encodeMessage(m, { ...ctx, extendedMessage: true }).length;
  } catch (e) {
    if (e instanceof RangeError) return Infinity;
    throw e;
  }
}

export function fitsIn(m: BgpMessage, ctx: CodecContext): boolean {
  const limit = m.type === 'OPEN' || m.type === 'KEEPALIVE' ? MAX_MESSAGE_LENGTH : maxMessageLength(ctx);
  return encodedLength(m, ctx) <= limit;
}

// ---------------------------------------------------------------------------
// Addresses, prefixes, NLRI (host bits zero, computed here, not by the codec)

function maskV4(addr: number, len: number): number {
  return len === 0 ? 0 : (addr & (0xffffffff << (32 - len))) >>> 0;
}

function maskV6(addr: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, len - i * 8));
    out[i] = addr[i]! & ((0xff00 >> bits) & 0xff);
  }
  return out;
}

/** Prefix lengths: anything, with the usual ones more likely. */
const v4LenArb: Arb<number> = fc.oneof(fc.integer({ min: 0, max: 32 }), fc.constantFrom(8, 16, 24, 32));
const v6LenArb: Arb<number> = fc.oneof(fc.integer({ min: 0, max: 128 }), fc.constantFrom(48, 56, 64, 128));

export function ipv4NlriArb(addPath: boolean, lenArb: Arb<number> = v4LenArb): Arb<Ipv4Nlri> {
  return record({ addr: u32(), len: lenArb, pathId: addPath ? u32() : fc.constant(0) })
    .map(({ addr, len, pathId }): Ipv4Nlri => ({ afi: 1, addr: maskV4(addr, len), len, pathId }));
}

export function ipv6NlriArb(addPath: boolean, lenArb: Arb<number> = v6LenArb): Arb<Ipv6Nlri> {
  return record({ addr: fixedBytes(16), len: lenArb, pathId: addPath ? u32() : fc.constant(0) })
    .map(({ addr, len, pathId }): Ipv6Nlri => ({ afi: 2, addr: maskV6(addr, len), len, pathId }));
}

export function nlriArb(afi: number, addPath: boolean): Arb<Nlri> {
  return afi === 1 ? ipv4NlriArb(addPath) : ipv6NlriArb(addPath);
}

export function nlriListArb(afi: number, addPath: boolean, maxLength: number, size?: fc.SizeForArbitrary): Arb<Nlri[]> {
  return fc.array(nlriArb(afi, addPath), size === undefined ? { maxLength } : { maxLength, size });
}

/** Bytes one NLRI takes on the wire (RFC 4271 §4.3, RFC 7911 §3), computed independently of the codec. */
export function wireNlriSize(n: Nlri, addPath: boolean): number {
  return (addPath ? 4 : 0) + 1 + Math.ceil(n.len / 8);
}

/** A unicast IPv4 address usable as NEXT_HOP (not 0/8, 127/8, 224/4 or 240/4). */
export const unicastIpv4Arb: Arb<number> = fc
  .integer({ min: 0x01000000, max: 0xdfffffff })
  .filter((a) => a >>> 24 !== 127);

/** MP_REACH next hop bytes valid for a prefix family: 4 (IPv4 only), 16 or 32. */
export function mpNextHopArb(afi: number): Arb<Uint8Array> {
  return afi === 1 ? fc.oneof(fixedBytes(4), fixedBytes(16), fixedBytes(32)) : fc.oneof(fixedBytes(16), fixedBytes(32));
}

// ---------------------------------------------------------------------------
// Path attributes

export const asnArb = (fourOctet: boolean): Arb<number> => fc.integer({ min: 1, max: fourOctet ? 0xffffffff : 0xffff });

export function asPathSegmentArb(fourOctet: boolean, maxAsns = 12): Arb<AsPathSegment> {
  return record({
    type: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const),
    // At most 255: a longer segment is split by the encoder.
    asns: fc.array(asnArb(fourOctet), { minLength: 1, maxLength: Math.min(255, maxAsns) }),
  });
}

export interface AttributeSizes {
  /** Most entries in list-valued attributes (communities, cluster list, segments, ...). */
  readonly maxItems: number;
  /** Most NLRI in MP_REACH / MP_UNREACH. */
  readonly maxNlri: number;
  /** Most bytes in an unknown attribute value or raw MP NLRI. */
  readonly maxRaw: number;
  /** fast-check size for those lists (default: short ones favoured). */
  readonly size?: fc.SizeForArbitrary;
}

export const SMALL_SIZES: AttributeSizes = { maxItems: 12, maxNlri: 12, maxRaw: 300 };
export const LARGE_SIZES: AttributeSizes = { maxItems: 300, maxNlri: 600, maxRaw: 1200, size: 'max' };

const list = <T>(arb: Arb<T>, minLength: number, maxLength: number, size?: fc.SizeForArbitrary): Arb<T[]> =>
  fc.array(arb, size === undefined ? { minLength, maxLength } : { minLength, maxLength, size });

export function mpReachArb(ctx: CodecContext, sizes: AttributeSizes = SMALL_SIZES): Arb<MpReachNlriAttr> {
  const forFamily = (f: Family): Arb<MpReachNlriAttr> =>
    record({ nextHop: mpNextHopArb(f.afi), nlri: nlriListArb(f.afi, ctx.addPath.has(familyKey(f.afi, f.safi)), sizes.maxNlri, sizes.size) })
      .map(({ nextHop, nlri }): MpReachNlriAttr => ({ kind: 'MP_REACH_NLRI', afi: f.afi, safi: f.safi, nextHop, nlri }));
  const raw: Arb<MpReachNlriAttr> = record({ family: rawFamilyArb, nextHop: bytes(40), rawNlri: bytes(sizes.maxRaw, 0, sizes.size) })
    .map(({ family, nextHop, rawNlri }): MpReachNlriAttr => ({ kind: 'MP_REACH_NLRI', afi: family.afi, safi: family.safi, nextHop, nlri: [], rawNlri }));
  return fc.oneof(...PREFIX_FAMILIES.map((f) => ({ arbitrary: forFamily(f), weight: 2 })), { arbitrary: raw, weight: 1 });
}

export function mpUnreachArb(ctx: CodecContext, sizes: AttributeSizes = SMALL_SIZES): Arb<MpUnreachNlriAttr> {
  const forFamily = (f: Family): Arb<MpUnreachNlriAttr> =>
    nlriListArb(f.afi, ctx.addPath.has(familyKey(f.afi, f.safi)), sizes.maxNlri, sizes.size).map(
      (withdrawn): MpUnreachNlriAttr => ({ kind: 'MP_UNREACH_NLRI', afi: f.afi, safi: f.safi, withdrawn }),
    );
  const raw: Arb<MpUnreachNlriAttr> = record({ family: rawFamilyArb, rawNlri: bytes(sizes.maxRaw, 0, sizes.size) })
    .map(({ family, rawNlri }): MpUnreachNlriAttr => ({ kind: 'MP_UNREACH_NLRI', afi: family.afi, safi: family.safi, withdrawn: [], rawNlri }));
  return fc.oneof(...PREFIX_FAMILIES.map((f) => ({ arbitrary: forFamily(f), weight: 2 })), { arbitrary: raw, weight: 1 });
}

/** Codes the codec does not interpret; AIGP and Prefix-SID (checked TLVs) are generated separately. */
export const unknownAttrCodeArb: Arb<number> = u8().filter(
  (c) => codecByCode[c] === undefined && c !== AttrCode.AIGP && c !== AttrCode.PREFIX_SID,
);

/** Flags of an unknown attribute: Optional set (else it is an unrecognised well-known one), anything else. */
const unknownFlags = (valueLength: number, flags: number): number =>
  (flags | AttrFlag.OPTIONAL | (valueLength > 0xff ? AttrFlag.EXTENDED_LENGTH : 0)) & 0xff;

export function unknownAttrArb(maxRaw = 40): Arb<UnknownAttr> {
  return record({ code: unknownAttrCodeArb, flags: u8(), value: fc.oneof({ arbitrary: bytes(Math.min(maxRaw, 16)), weight: 3 }, { arbitrary: bytes(maxRaw, 0, 'max'), weight: 1 }) })
    .map(({ code, flags, value }): UnknownAttr => ({ kind: 'UNKNOWN', code, flags: unknownFlags(value.length, flags), value }));
}

/** Well-formed AIGP (RFC 7311) and Prefix-SID Label-Index (RFC 8669) values: decoded as UNKNOWN. */
export const neverPropagatedAttrArb: Arb<UnknownAttr> = fc.oneof(
  record({ flags: u8(), metric: fixedBytes(8) }).map(
    ({ flags, metric }): UnknownAttr => ({ kind: 'UNKNOWN', code: AttrCode.AIGP, flags: unknownFlags(11, flags), value: concatBytes([Uint8Array.of(1, 0, 11), metric]) }),
  ),
  record({ flags: u8(), labelIndex: fixedBytes(7) }).map(
    ({ flags, labelIndex }): UnknownAttr => ({ kind: 'UNKNOWN', code: AttrCode.PREFIX_SID, flags: unknownFlags(10, flags), value: concatBytes([Uint8Array.of(1, 0, 7), labelIndex]) }),
  ),
);

/** Length of an attribute's value as the codec writes it (needed to know when Extended Length is canonical). */
export function attributeValueLength(attr: PathAttribute, ctx: CodecContext): number {
  const w = new ByteWriter(64);
  encodeAttribute(attr, w, ctx);
  const first = w.view()[0]!;
  return w.pos - (first & AttrFlag.EXTENDED_LENGTH ? 4 : 3);
}

const flagExtrasArb: Arb<number> = fc.oneof(
  { arbitrary: fc.constant(0), weight: 6 },
  { arbitrary: fc.constantFrom(AttrFlag.EXTENDED_LENGTH, AttrFlag.PARTIAL, AttrFlag.EXTENDED_LENGTH | AttrFlag.PARTIAL), weight: 1 },
);

/**
 * Sometimes give a known attribute non-canonical (but acceptable) flags:
 * Extended Length on a short value, Partial on an optional transitive one.
 * `flags` is kept only when it differs from what the encoder writes, as the
 * decoder reports it.
 */
export function withNonCanonicalFlags<A extends Exclude<PathAttribute, UnknownAttr>>(arb: Arb<A>, ctx: CodecContext): Arb<A> {
  return fc.tuple(arb, flagExtrasArb).map(([attr, extras]) => {
    if (extras === 0) return attr;
    const canonical = canonicalFlags(codecByCode[attributeCode(attr)]!);
    const optionalTransitive = canonical === (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE);
    const long = attributeValueLength(attr, ctx) > 0xff;
    const flags =
      canonical |
      (extras & AttrFlag.EXTENDED_LENGTH) |
      (optionalTransitive ? extras & AttrFlag.PARTIAL : 0) |
      (long ? AttrFlag.EXTENDED_LENGTH : 0);
    const expected = canonical | (long ? AttrFlag.EXTENDED_LENGTH : 0);
    return flags === expected ? attr : ({ ...attr, flags } as A);
  });
}

/**
 * One canonical arbitrary per attribute kind for a context. AS4_PATH and
 * AS4_AGGREGATOR are only meaningful between 2-octet speakers (a 4-octet
 * receiver discards them), so they are null in a 4-octet context.
 */
export function attributeArbs(ctx: CodecContext, sizes: AttributeSizes = SMALL_SIZES) {
  const four = ctx.fourOctetAs;
  const f = <A extends Exclude<PathAttribute, UnknownAttr>>(arb: Arb<A>): Arb<A> => withNonCanonicalFlags(arb, ctx);
  const segItems = Math.min(255, Math.max(4, Math.floor(sizes.maxItems / 2)));
  return {
    ORIGIN: f(fc.constantFrom(0 as const, 1 as const, 2 as const).map((origin) => ({ kind: 'ORIGIN' as const, origin }))),
    AS_PATH: f(list(asPathSegmentArb(four, segItems), 0, Math.max(4, Math.floor(sizes.maxItems / 10)), sizes.size).map((segments) => ({ kind: 'AS_PATH' as const, segments }))),
    NEXT_HOP: f(unicastIpv4Arb.map((nextHop) => ({ kind: 'NEXT_HOP' as const, nextHop }))),
    MULTI_EXIT_DISC: f(u32().map((med) => ({ kind: 'MULTI_EXIT_DISC' as const, med }))),
    LOCAL_PREF: f(u32().map((localPref) => ({ kind: 'LOCAL_PREF' as const, localPref }))),
    ATOMIC_AGGREGATE: f(fc.constant({ kind: 'ATOMIC_AGGREGATE' as const })),
    AGGREGATOR: f(record({ asn: asnArb(four), address: u32() }).map(({ asn, address }) => ({ kind: 'AGGREGATOR' as const, asn, address }))),
    COMMUNITIES: f(list(u32(), 1, sizes.maxItems, sizes.size).map((communities) => ({ kind: 'COMMUNITIES' as const, communities }))),
    ORIGINATOR_ID: f(u32().map((originatorId) => ({ kind: 'ORIGINATOR_ID' as const, originatorId }))),
    CLUSTER_LIST: f(list(u32(), 1, sizes.maxItems, sizes.size).map((clusterList) => ({ kind: 'CLUSTER_LIST' as const, clusterList }))),
    MP_REACH_NLRI: f(mpReachArb(ctx, sizes)),
    MP_UNREACH_NLRI: f(mpUnreachArb(ctx, sizes)),
    EXTENDED_COMMUNITIES: f(
      list(record({ high: u32(), low: u32() }), 1, sizes.maxItems, sizes.size).map((communities) => ({ kind: 'EXTENDED_COMMUNITIES' as const, communities })),
    ),
    AS4_PATH: four
      ? null
      : // Unlike AS_PATH, an empty AS4_PATH is malformed (RFC 7606 §4).
        f(list(asPathSegmentArb(true, segItems), 1, Math.max(4, Math.floor(sizes.maxItems / 10)), sizes.size).map((segments) => ({ kind: 'AS4_PATH' as const, segments }))),
    AS4_AGGREGATOR: four
      ? null
      : f(record({ asn: asnArb(true), address: u32() }).map(({ asn, address }) => ({ kind: 'AS4_AGGREGATOR' as const, asn, address }))),
    IPV6_EXTENDED_COMMUNITIES: f(
      list(fixedBytes(20), 1, Math.max(1, Math.floor(sizes.maxItems / 2)), sizes.size).map((communities) => ({ kind: 'IPV6_EXTENDED_COMMUNITIES' as const, communities })),
    ),
    LARGE_COMMUNITY: f(
      list(record({ globalAdmin: u32(), localData1: u32(), localData2: u32() }), 1, sizes.maxItems, sizes.size).map((communities) => ({
        kind: 'LARGE_COMMUNITY' as const,
        communities,
      })),
    ),
    ONLY_TO_CUSTOMER: f(u32().map((asn) => ({ kind: 'ONLY_TO_CUSTOMER' as const, asn }))),
  };
}

/** Any single canonical attribute for a context (including unknown ones). */
export function pathAttributeArb(ctx: CodecContext, sizes: AttributeSizes = SMALL_SIZES): Arb<PathAttribute> {
  const arbs = Object.values(attributeArbs(ctx, sizes)).filter((a): a is NonNullable<typeof a> => a !== null) as Arb<PathAttribute>[];
  return fc.oneof(...arbs, unknownAttrArb(sizes.maxRaw), neverPropagatedAttrArb);
}

// ---------------------------------------------------------------------------
// UPDATE

/** Stable sort of `items` by generated keys: an arbitrary order that still shrinks well. */
function permute<T>(items: readonly T[], keys: readonly number[]): T[] {
  return items
    .map((item, i) => ({ item, key: keys[i] ?? 0, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map((x) => x.item);
}

function isReachable(nlri: readonly Nlri[], attrs: readonly PathAttribute[]): boolean {
  if (nlri.length > 0) return true;
  return attrs.some((a) => a.kind === 'MP_REACH_NLRI' && (a.nlri.length > 0 || (a.rawNlri?.length ?? 0) > 0));
}

export interface UpdateOptions {
  readonly sizes?: AttributeSizes;
  /** Most prefixes in the IPv4 withdrawn and NLRI fields. */
  readonly maxIpv4Nlri?: number;
}

/**
 * A canonical UPDATE for `ctx`: withdrawn, NLRI and any attributes in any
 * order, no two with the same code. With reachable NLRI it always carries
 * ORIGIN and AS_PATH (and NEXT_HOP for the IPv4 NLRI field), so a clean
 * receiver decodes it with action 'none'. Always fits the context's maximum
 * message length.
 */
export function updateArb(ctx: CodecContext, opts: UpdateOptions = {}): Arb<UpdateMessage> {
  const sizes = opts.sizes ?? SMALL_SIZES;
  const maxIpv4 = opts.maxIpv4Nlri ?? sizes.maxNlri;
  const { ORIGIN, AS_PATH, NEXT_HOP, ...rest } = attributeArbs(ctx, sizes);
  const optional = Object.values(rest).filter((a): a is NonNullable<typeof a> => a !== null) as Arb<PathAttribute>[];
  const addPathV4 = ctx.addPath.has(IPV4_UNICAST);
  return record({
    withdrawn: nlriListArb(1, addPathV4, maxIpv4, sizes.size),
    nlri: nlriListArb(1, addPathV4, maxIpv4, sizes.size),
    origin: fc.option(ORIGIN, { freq: 4 }),
    asPath: fc.option(AS_PATH, { freq: 4 }),
    nextHop: fc.option(NEXT_HOP, { freq: 4 }),
    // The mandatory ones are only left out when nothing is reachable.
    fallback: record({ origin: ORIGIN, asPath: AS_PATH, nextHop: NEXT_HOP }),
    optional: fc.tuple(...optional.map((a) => fc.option(a, { freq: 2 }))),
    unknown: fc.uniqueArray(fc.oneof({ arbitrary: unknownAttrArb(sizes.maxRaw), weight: 4 }, { arbitrary: neverPropagatedAttrArb, weight: 1 }), {
      maxLength: 3,
      selector: (a) => a.code,
    }),
    order: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 40, maxLength: 40 }),
  }).map(({ withdrawn, nlri, origin, asPath, nextHop, fallback, optional, unknown, order }): UpdateMessage => {
    const attrs: PathAttribute[] = [...optional.filter((a): a is PathAttribute => a !== null), ...unknown];
    const reachable = isReachable(nlri, attrs);
    const o = origin ?? (reachable ? fallback.origin : null);
    const p = asPath ?? (reachable ? fallback.asPath : null);
    const n = nextHop ?? (nlri.length > 0 ? fallback.nextHop : null);
    for (const a of [o, p, n]) if (a !== null) attrs.push(a);
    return { type: 'UPDATE', withdrawn, attributes: permute(attrs, order), nlri };
  }).filter((u) => fitsIn(u, ctx));
}

// ---------------------------------------------------------------------------
// Capabilities and OPEN

const KNOWN_CAPABILITY_CODES: ReadonlySet<number> = new Set(Object.values(CapabilityCode));
const utf8Encoder = new TextEncoder();
export const utf8Length = (s: string): number => utf8Encoder.encode(s).length;

/** Code points that trip UTF-8 handling: NUL, BOM, replacement char, last code point, multi-byte ones. */
const trickyCharArb: Arb<string> = fc.constantFrom('\u0000', '\uFEFF', '\uFFFD', '\u{10FFFF}', 'é', '€', '😀', '.', '-');

/** Valid UTF-8 text (no lone surrogates), mixing ASCII, any code point and tricky ones. */
export const utf8StringArb = (maxLength: number): Arb<string> =>
  fc.string({
    maxLength,
    size: 'medium',
    unit: fc.oneof({ arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }), weight: 6 }, { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 2 }, { arbitrary: trickyCharArb, weight: 1 }),
  });

/** Drop code points from the end until the string's UTF-8 fits in `max` bytes. */
function cutUtf8(s: string, max: number): string {
  let cps = [...s];
  while (utf8Length(cps.join('')) > max) cps = cps.slice(0, -1);
  return cps.join('');
}

/** Every capability petrel understands, plus unknown codes; each value fits the one-octet capability length. */
export const capabilityArbs = {
  MULTIPROTOCOL: record({ afi: u16(), safi: u8() }).map(({ afi, safi }): Capability => ({ kind: 'MULTIPROTOCOL', afi, safi })),
  ROUTE_REFRESH: fc.constant<Capability>({ kind: 'ROUTE_REFRESH' }),
  ENHANCED_ROUTE_REFRESH: fc.constant<Capability>({ kind: 'ENHANCED_ROUTE_REFRESH' }),
  EXTENDED_MESSAGE: fc.constant<Capability>({ kind: 'EXTENDED_MESSAGE' }),
  FOUR_OCTET_AS: u32().map((asn): Capability => ({ kind: 'FOUR_OCTET_AS', asn })),
  GRACEFUL_RESTART: record({
    flags: fc.integer({ min: 0, max: 0xf }),
    restartTime: fc.integer({ min: 0, max: 0xfff }),
    families: list(record({ afi: u16(), safi: u8(), flags: u8() }), 0, 63, 'medium'),
  }).map(({ flags, restartTime, families }): Capability => ({ kind: 'GRACEFUL_RESTART', flags, restartTime, families })),
  LONG_LIVED_GRACEFUL_RESTART: list(record({ afi: u16(), safi: u8(), flags: u8(), staleTime: u24() }), 0, 36, 'medium').map(
    (families): Capability => ({ kind: 'LONG_LIVED_GRACEFUL_RESTART', families }),
  ),
  ADD_PATH: list(record({ afi: u16(), safi: u8(), sendReceive: fc.integer({ min: 1, max: 3 }) }), 1, 63, 'medium').map(
    (families): Capability => ({ kind: 'ADD_PATH', families }),
  ),
  EXTENDED_NEXT_HOP: list(record({ afi: u16(), safi: u8(), nextHopAfi: u16() }), 1, 42, 'medium').map(
    (entries): Capability => ({ kind: 'EXTENDED_NEXT_HOP', entries }),
  ),
  FQDN: record({ hostname: utf8StringArb(80), domainName: utf8StringArb(80) }).map(({ hostname, domainName }): Capability => {
    // The capability value (two lengths and both names) must fit in 255 bytes.
    const h = cutUtf8(hostname, 253);
    return { kind: 'FQDN', hostname: h, domainName: cutUtf8(domainName, 253 - utf8Length(h)) };
  }),
  BGP_ROLE: u8().map((role): Capability => ({ kind: 'BGP_ROLE', role })),
  UNKNOWN: record({ code: u8().filter((c) => !KNOWN_CAPABILITY_CODES.has(c)), value: fc.oneof(bytes(8), bytes(255, 0, 'max')) })
    .map(({ code, value }): Capability => ({ kind: 'UNKNOWN', code, value })),
} as const;

export const capabilityArb: Arb<Capability> = fc.oneof(...Object.values(capabilityArbs));

/** Value length of a capability per its RFC (independent of the codec). */
export function capabilityValueLength(c: Capability): number {
  switch (c.kind) {
    case 'MULTIPROTOCOL':
    case 'FOUR_OCTET_AS':
      return 4;
    case 'ROUTE_REFRESH':
    case 'ENHANCED_ROUTE_REFRESH':
    case 'EXTENDED_MESSAGE':
      return 0;
    case 'GRACEFUL_RESTART':
      return 2 + 4 * c.families.length;
    case 'LONG_LIVED_GRACEFUL_RESTART':
      return 7 * c.families.length;
    case 'ADD_PATH':
      return 4 * c.families.length;
    case 'EXTENDED_NEXT_HOP':
      return 6 * c.entries.length;
    case 'FQDN':
      return 2 + utf8Length(c.hostname) + utf8Length(c.domainName);
    case 'BGP_ROLE':
      return 1;
    case 'UNKNOWN':
      return c.value.length;
  }
}

/** RFC 9072 §2: the extended encoding is needed when any parameter, or all of them, exceed 255 bytes. */
export function parametersNeedExtended(params: readonly OpenParameter[]): boolean {
  let total = 0;
  for (const p of params) {
    const len = p.kind === 'CAPABILITIES' ? p.capabilities.reduce((n, c) => n + 2 + capabilityValueLength(c), 0) : p.value.length;
    if (len > 255) return true;
    total += 2 + len;
  }
  return total > 255;
}

export const openParameterArb: Arb<OpenParameter> = fc.oneof(
  { arbitrary: list(capabilityArb, 0, 8).map((capabilities): OpenParameter => ({ kind: 'CAPABILITIES', capabilities })), weight: 4 },
  {
    // Type 255 is the RFC 9072 marker, and 2 is CAPABILITIES.
    arbitrary: record({ type: u8().filter((t) => t !== 2 && t !== 255), value: fc.oneof(bytes(16), bytes(300, 0, 'max')) })
      .map(({ type, value }): OpenParameter => ({ kind: 'UNKNOWN', type, value })),
    weight: 1,
  },
);

/**
 * An OPEN with any capabilities in any grouping of parameters. Uses the
 * RFC 9072 extended parameters when forced or when the parameters need it,
 * and then says so, as the decoder reports it.
 */
export const openArb: Arb<OpenMessage> = record({
  version: fc.oneof({ arbitrary: fc.constant(4), weight: 4 }, { arbitrary: u8(), weight: 1 }),
  myAs: fc.oneof(fc.constant(23456), u16()),
  holdTime: fc.oneof(fc.constantFrom(0, 3, 90, 180), u16()),
  bgpId: u32(),
  parameters: list(openParameterArb, 0, 5),
  forceExtended: fc.boolean(),
}).map(({ forceExtended, parameters, ...rest }): OpenMessage => {
  const open: OpenMessage = { type: 'OPEN', ...rest, parameters };
  return forceExtended || parametersNeedExtended(parameters) ? { ...open, extendedParameters: true } : open;
}).filter((m) => fitsIn(m, { fourOctetAs: true, addPath: new Set(), extendedMessage: false }));

// ---------------------------------------------------------------------------
// NOTIFICATION, KEEPALIVE, ROUTE-REFRESH

/** Data up to 4075 bytes: the most a 4096-byte NOTIFICATION carries. */
export const notificationArb: Arb<NotificationMessage> = record({
  code: fc.oneof(fc.integer({ min: 1, max: 6 }), u8()),
  subcode: fc.oneof(fc.integer({ min: 0, max: 11 }), u8()),
  data: fc.oneof({ arbitrary: bytes(32), weight: 4 }, { arbitrary: bytes(MAX_MESSAGE_LENGTH - 21, 0, 'max'), weight: 1 }),
}).map(({ code, subcode, data }): NotificationMessage => ({ type: 'NOTIFICATION', code, subcode, data }));

export const keepaliveArb: Arb<KeepaliveMessage> = fc.constant({ type: 'KEEPALIVE' as const });

export const routeRefreshArb: Arb<RouteRefreshMessage> = record({ afi: fc.oneof(fc.constantFrom(1, 2), u16()), safi: fc.oneof(fc.constantFrom(1, 2), u8()), subtype: fc.oneof(fc.constantFrom(0, 1, 2), u8()) })
  .map(({ afi, safi, subtype }): RouteRefreshMessage => ({ type: 'ROUTE_REFRESH', afi, safi, subtype }));

/** Any canonical message for a context. */
export function messageArb(ctx: CodecContext, opts: UpdateOptions = {}): Arb<BgpMessage> {
  return fc.oneof(
    { arbitrary: openArb, weight: 2 },
    { arbitrary: updateArb(ctx, opts), weight: 5 },
    { arbitrary: notificationArb, weight: 1 },
    { arbitrary: keepaliveArb, weight: 1 },
    { arbitrary: routeRefreshArb, weight: 1 },
  );
}

/** A context and a canonical message for it. */
export const messageCaseArb: Arb<{ ctx: CodecContext; message: BgpMessage }> = codecContextArb().chain((ctx) =>
  messageArb(ctx).map((message) => ({ ctx, message })),
);

/** A context and several canonical messages, as one TCP stream would carry them. */
export const streamCaseArb: Arb<{ ctx: CodecContext; messages: BgpMessage[] }> = codecContextArb().chain((ctx) =>
  list(messageArb(ctx), 1, 8).map((messages) => ({ ctx, messages })),
);

// ---------------------------------------------------------------------------
// Packing (packUpdates / packWithdrawals)

/** Attributes for packUpdates: mandatory ones, some optional ones, never MP attributes. */
export function packAttributesArb(ctx: CodecContext): Arb<PathAttribute[]> {
  const a = attributeArbs(ctx);
  const optional = [a.MULTI_EXIT_DISC, a.LOCAL_PREF, a.ATOMIC_AGGREGATE, a.AGGREGATOR, a.COMMUNITIES, a.EXTENDED_COMMUNITIES, a.LARGE_COMMUNITY, a.ONLY_TO_CUSTOMER] as Arb<PathAttribute>[];
  return record({
    mandatory: fc.tuple(a.ORIGIN, a.AS_PATH, a.NEXT_HOP),
    optional: fc.tuple(...optional.map((x) => fc.option(x, { freq: 2 }))),
    unknown: fc.uniqueArray(unknownAttrArb(60), { maxLength: 2, selector: (x) => x.code }),
    order: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 16, maxLength: 16 }),
  }).map(({ mandatory, optional, unknown, order }) =>
    permute([...mandatory, ...optional.filter((x): x is PathAttribute => x !== null), ...unknown], order),
  );
}

// ---------------------------------------------------------------------------
// Hostile input

const header = (length: number, type: number): Uint8Array => {
  const h = new Uint8Array(19).fill(0xff);
  h[16] = (length >>> 8) & 0xff;
  h[17] = length & 0xff;
  h[18] = type;
  return h;
};

/** Wrap a body in a BGP header; the length is right unless `length` is given. */
export function frameBody(type: number, body: Uint8Array, length = 19 + body.length): Uint8Array {
  return concatBytes([header(length & 0xffff, type), body]);
}

export type Mutation =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'set'; readonly at: number; readonly value: number }
  | { readonly op: 'insert'; readonly at: number; readonly value: Uint8Array }
  | { readonly op: 'delete'; readonly at: number; readonly count: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'u16'; readonly at: number; readonly value: number };

/** Positions are taken modulo the input length when applied. */
export const mutationArb: Arb<Mutation> = fc.oneof(
  record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(0, 1, 0x7f, 0x80, 0xff), u8()) }),
  record({ op: fc.constant('insert' as const), at: fc.nat(), value: bytes(4, 1) }),
  record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
  record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  // Length fields are two octets: put an arbitrary (often boundary) value at any offset.
  record({ op: fc.constant('u16' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(0, 1, 0xff, 0x100, 0xffff), u16()) }),
);

export function applyMutations(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b: Uint8Array = input.slice();
  for (const m of mutations) {
    const n = b.length;
    switch (m.op) {
      case 'flip':
        if (n > 0) b[m.at % n] = b[m.at % n]! ^ (1 << m.bit);
        break;
      case 'set':
        if (n > 0) b[m.at % n] = m.value;
        break;
      case 'insert': {
        const at = m.at % (n + 1);
        b = concatBytes([b.subarray(0, at), m.value, b.subarray(at)]);
        break;
      }
      case 'delete': {
        if (n === 0) break;
        const at = m.at % n;
        b = concatBytes([b.subarray(0, at), b.subarray(at + m.count)]);
        break;
      }
      case 'truncate':
        b = b.slice(0, m.at % (n + 1));
        break;
      case 'u16':
        if (n > 1) {
          const at = m.at % (n - 1);
          b[at] = m.value >>> 8;
          b[at + 1] = m.value & 0xff;
        }
        break;
    }
  }
  return b;
}

/** Set the header length to the actual length, so body mutations reach the decoders. */
export function fixHeaderLength(b: Uint8Array): Uint8Array {
  if (b.length < 19) return b;
  const out = b.slice();
  const len = Math.min(b.length, 0xffff);
  out[16] = len >>> 8;
  out[17] = len & 0xff;
  return out.subarray(0, len);
}

/**
 * A valid message (for a random context), then mutated: mostly in the body
 * with the header length kept right, so the damage reaches the decoders;
 * sometimes anywhere, header included.
 */
export function mutatedMessageArb(ctx?: CodecContext): Arb<Uint8Array> {
  // Usually encoded for the receiver's own context, so the damage is the only surprise.
  const encodeCtx = ctx === undefined ? codecContextArb() : fc.oneof({ arbitrary: fc.constant(ctx), weight: 3 }, { arbitrary: codecContextArb(), weight: 1 });
  return record({
    encoded: encodeCtx.chain((c) => messageArb(c).map((m) => encodeMessage(m, c))),
    mutations: list(mutationArb, 1, 4),
    bodyOnly: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
    fixLength: fc.boolean(),
  }).map(({ encoded, mutations, bodyOnly, fixLength }) => {
    if (bodyOnly) return frameBody(encoded[18]!, applyMutations(encoded.subarray(19), mutations));
    const m = applyMutations(encoded, mutations);
    return fixLength ? fixHeaderLength(m) : m;
  });
}

const KNOWN_ATTR_CODES = codecByCode.flatMap((c, code) => (c === undefined ? [] : [code]));

/** An attribute TLV: flags, code, one- or two-octet length (as the flags say), value. */
function attributeTlv(flags: number, code: number, value: Uint8Array, lengthDelta = 0): Uint8Array {
  const ext = (flags & AttrFlag.EXTENDED_LENGTH) !== 0;
  const len = Math.max(0, value.length + lengthDelta) & (ext ? 0xffff : 0xff);
  return concatBytes([Uint8Array.of(flags, code), ext ? Uint8Array.of(len >>> 8, len & 0xff) : Uint8Array.of(len), value]);
}

/** An attribute TLV with any flags and code, a random value and a length that is usually right. */
const rawAttributeArb: Arb<Uint8Array> = record({
  flags: fc.oneof(fc.constantFrom(0x40, 0x80, 0xc0, 0xd0, 0xe0, 0x90, 0x50), u8()),
  code: fc.oneof({ arbitrary: fc.constantFrom(...KNOWN_ATTR_CODES, AttrCode.AIGP, AttrCode.PREFIX_SID), weight: 4 }, { arbitrary: u8(), weight: 1 }),
  value: fc.oneof(
    bytes(12),
    bytes(300, 0, 'max'),
    // AS path like segments.
    list(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 4 }), bytes(16)), 1, 3).map((segs) =>
      concatBytes(segs.flatMap(([t, c, asns]) => [Uint8Array.of(t, c), asns])),
    ),
  ),
  lengthDelta: fc.oneof({ arbitrary: fc.constant(0), weight: 8 }, { arbitrary: fc.integer({ min: -3, max: 3 }), weight: 1 }),
}).map(({ flags, code, value, lengthDelta }) => attributeTlv(flags, code, value, lengthDelta));

/**
 * Prefix bytes as in the withdrawn and NLRI fields or MP NLRI: mostly
 * well-formed for the address family but with random host bits, with path
 * ids when `withPathIds` says so, sometimes with a bad length.
 */
function rawPrefixesArb(maxLen: 32 | 128, withPathIds: Arb<boolean>): Arb<Uint8Array> {
  return record({
    withPathIds,
    prefixes: list(
      fc.tuple(fc.oneof({ arbitrary: fc.integer({ min: 0, max: maxLen }), weight: 30 }, { arbitrary: u8(), weight: 1 }), fixedBytes(4), fixedBytes(16)),
      0,
      6,
    ),
  }).map(({ withPathIds, prefixes }) =>
    concatBytes(
      prefixes.flatMap(([len, pathId, addr]) => [withPathIds ? pathId : new Uint8Array(0), Uint8Array.of(len), addr.subarray(0, Math.min(16, (len + 7) >>> 3))]),
    ),
  );
}

/** Path ids as the receiver expects them nine times in ten (either way when it is not known). */
const pathIdsArb = (expected: boolean | undefined): Arb<boolean> =>
  expected === undefined ? fc.boolean() : fc.oneof({ arbitrary: fc.constant(expected), weight: 9 }, { arbitrary: fc.constant(!expected), weight: 1 });

/** MP_REACH_NLRI / MP_UNREACH_NLRI TLVs with a plausible head and prefixes for the family (host bits random). */
function rawMpAttributeArb(ctx?: CodecContext): Arb<Uint8Array> {
  const forFamily = (f: Family): Arb<Uint8Array> =>
    record({
      reach: fc.boolean(),
      flags: fc.oneof({ arbitrary: fc.constantFrom(0x80, 0x90), weight: 8 }, { arbitrary: u8(), weight: 1 }),
      nhLen: fc.oneof({ arbitrary: fc.constantFrom(4, 16, 32), weight: 8 }, { arbitrary: u8(), weight: 1 }),
      nh: fixedBytes(32),
      reserved: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: u8(), weight: 1 }),
      prefixes: rawPrefixesArb(f.afi === 1 ? 32 : 128, pathIdsArb(ctx?.addPath.has(familyKey(f.afi, f.safi)))),
    }).map(({ reach, flags, nhLen, nh, reserved, prefixes }) => {
      const head = Uint8Array.of(f.afi >>> 8, f.afi & 0xff, f.safi);
      const value = reach
        ? concatBytes([head, Uint8Array.of(nhLen), nh.subarray(0, Math.min(nhLen, 32)), Uint8Array.of(reserved), prefixes])
        : concatBytes([head, prefixes]);
      return attributeTlv(flags, reach ? AttrCode.MP_REACH_NLRI : AttrCode.MP_UNREACH_NLRI, value);
    });
  return fc.oneof(...PREFIX_FAMILIES.map((f) => ({ arbitrary: forFamily(f), weight: 3 })), { arbitrary: rawFamilyArb.chain(forFamily), weight: 1 });
}

/** A framed UPDATE with consistent outer lengths around random attribute TLVs and prefixes. */
export function fuzzedUpdateArb(ctx?: CodecContext): Arb<Uint8Array> {
  const v4PathIds = pathIdsArb(ctx?.addPath.has(IPV4_UNICAST));
  return record({
    withdrawn: rawPrefixesArb(32, v4PathIds),
    attrs: list(fc.oneof({ arbitrary: rawAttributeArb, weight: 3 }, { arbitrary: rawMpAttributeArb(ctx), weight: 1 }), 0, 6),
    nlri: rawPrefixesArb(32, v4PathIds),
  }).map(({ withdrawn, attrs, nlri }) => {
    const a = concatBytes(attrs);
    return frameBody(2, concatBytes([Uint8Array.of(withdrawn.length >>> 8, withdrawn.length & 0xff), withdrawn, Uint8Array.of(a.length >>> 8, a.length & 0xff), a, nlri]));
  });
}

/** A framed OPEN with random capability TLVs of known codes, in the classic or the RFC 9072 encoding. */
export const fuzzedOpenArb: Arb<Uint8Array> = record({
  fixed: fixedBytes(9),
  caps: list(
    record({ code: fc.oneof(fc.constantFrom(...KNOWN_CAPABILITY_CODES), u8()), value: fc.oneof(bytes(8), bytes(40)), delta: fc.oneof({ arbitrary: fc.constant(0), weight: 6 }, { arbitrary: fc.integer({ min: -2, max: 2 }), weight: 1 }) }),
    0,
    6,
  ),
  extended: fc.boolean(),
}).map(({ fixed, caps, extended }) => {
  const capBytes = concatBytes(caps.map(({ code, value, delta }) => concatBytes([Uint8Array.of(code, Math.max(0, value.length + delta) & 0xff), value])));
  const param = extended
    ? concatBytes([Uint8Array.of(2, capBytes.length >>> 8, capBytes.length & 0xff), capBytes])
    : concatBytes([Uint8Array.of(2, capBytes.length & 0xff), capBytes]);
  const opt = extended ? concatBytes([Uint8Array.of(255, 255, param.length >>> 8, param.length & 0xff), param]) : concatBytes([Uint8Array.of(param.length & 0xff), param]);
  return frameBody(1, concatBytes([fixed, opt]));
});

/** A header of any type (mostly valid), any length field, and a random body. */
export const framedRandomArb: Arb<Uint8Array> = record({
  type: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 5 }), weight: 8 }, { arbitrary: u8(), weight: 1 }),
  body: fc.oneof(bytes(8), bytes(64, 0, 'max'), bytes(600, 0, 'max')),
  length: fc.option(u16(), { freq: 6 }),
}).map(({ type, body, length }) => frameBody(type, body, length ?? 19 + body.length));

/** Any one hostile message-sized byte string, shaped for the receiver's context when one is given. */
export function hostileMessageArb(ctx?: CodecContext): Arb<Uint8Array> {
  return fc.oneof(
    { arbitrary: mutatedMessageArb(ctx), weight: 5 },
    { arbitrary: fuzzedUpdateArb(ctx), weight: 4 },
    { arbitrary: fuzzedOpenArb, weight: 2 },
    { arbitrary: framedRandomArb, weight: 2 },
    { arbitrary: bytes(64), weight: 1 },
  );
}

/** Usually one hostile message, sometimes a few back to back, as a TCP stream. */
export function hostileStreamArb(ctx?: CodecContext): Arb<Uint8Array> {
  return fc.oneof(
    { arbitrary: hostileMessageArb(ctx), weight: 3 },
    { arbitrary: list(hostileMessageArb(ctx), 2, 3).map(concatBytes), weight: 1 },
  );
}

/** A hostile receive context and bytes aimed at it. */
export const hostileCaseArb: Arb<{ ctx: DecodeContext; bytes: Uint8Array }> = hostileDecodeContextArb.chain((ctx) =>
  hostileStreamArb(ctx).map((bytes) => ({ ctx, bytes })),
);
