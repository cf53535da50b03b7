/**
 * Paths an operator injects through the API (AddPath / DeletePath, as in
 * GoBGP): checked here and turned into the attributes petrel originates
 * them with. The Loc-RIB holds them as source `api` (preference 150:
 * above BGP, below the node's own static blocks), and propagation sends
 * them like our own routes: to every peer, with the eBGP rewriting.
 */
import { ApiError, type InjectedPath, type PathKey } from '../api/provider.js';
import { parseIpv4, parseIpv6, parsePrefix } from '../lib/prefix.js';
import type { ExtendedCommunity, PathAttribute } from '../wire/attributes/types.js';
import { WellKnownCommunity } from '../wire/constants.js';
import { communityValue } from '../policy/bgp-filter.js';
import { ipv4Nlri, ipv6Nlri, type Nlri } from '../wire/nlri.js';

export interface InjectedRoute {
  readonly nlri: Nlri;
  readonly attributes: readonly PathAttribute[];
  /** MP_REACH next hop (IPv6: global, then link-local), null for IPv4. */
  readonly mpNextHop: Uint8Array | null;
}

const invalid = (m: string): ApiError => new ApiError('invalid-argument', m);
const ORIGINS = { igp: 0, egp: 1, incomplete: 2 } as const;
const SEGMENTS = { set: 1, sequence: 2, confedSequence: 3, confedSet: 4 } as const;
const WELL_KNOWN = new Map(Object.entries(WellKnownCommunity).map(([k, v]) => [k.toLowerCase().replace(/_/g, '-'), v]));

export function injectedNlri(k: PathKey): Nlri {
  const p = parsePrefix(k.prefix);
  if (!p) throw invalid(`prefix "${k.prefix}" is not an IP prefix`);
  if ((p.afi === 1) !== (k.family === 'ipv4')) throw invalid(`prefix ${k.prefix} is not ${k.family}`);
  if (!Number.isInteger(k.pathId) || k.pathId < 0 || k.pathId > 0xffffffff) throw invalid(`path id ${k.pathId} is out of range`);
  // Injected paths live beside learnt ones in the Loc-RIB: one per prefix (path id 0).
  if (k.pathId !== 0) throw invalid('injected paths take path id 0 (petrel assigns path ids on ADD-PATH sessions)');
  return p.afi === 1 ? ipv4Nlri(p.addr, p.len) : ipv6Nlri(p.addr, p.len);
}

function community(text: string): number {
  const w = WELL_KNOWN.get(text.toLowerCase());
  if (w !== undefined) return w;
  const v = communityValue(text);
  if (!v || !('standard' in v)) throw invalid(`community "${text}" is not ASN:VALUE (16 bits each) or a well-known name`);
  return v.standard;
}

function extendedCommunity(text: string): ExtendedCommunity {
  const hex = /^0x([0-9a-f]{16})$/i.exec(text);
  if (hex) return { high: parseInt(hex[1]!.slice(0, 8), 16) >>> 0, low: parseInt(hex[1]!.slice(8), 16) >>> 0 };
  const rt = /^(rt|soo):(\d+):(\d+)$/.exec(text);
  if (rt) {
    const sub = rt[1] === 'rt' ? 2 : 3;
    const asn = Number(rt[2]);
    const value = Number(rt[3]);
    if (asn <= 0xffff && value <= 0xffffffff) return { high: ((0x00 << 24) | (sub << 16) | asn) >>> 0, low: value >>> 0 };
    if (asn <= 0xffffffff && value <= 0xffff) return { high: ((0x02 << 24) | (sub << 16) | (asn >>> 16)) >>> 0, low: (((asn & 0xffff) << 16) | value) >>> 0 };
  }
  throw invalid(`extended community "${text}" is not rt:ASN:N, soo:ASN:N or 0x followed by 16 hex digits`);
}

/** Check an AddPath request and build its route. */
export function injectedRoute(p: InjectedPath): InjectedRoute {
  const nlri = injectedNlri(p);
  const attrs: PathAttribute[] = [{ kind: 'ORIGIN', origin: ORIGINS[p.origin] ?? 0 }];
  attrs.push({
    kind: 'AS_PATH',
    segments: p.asPath.map((s) => {
      if (s.numbers.some((n) => !Number.isInteger(n) || n < 0 || n > 0xffffffff)) throw invalid('AS path numbers must be 0..4294967295');
      return { type: SEGMENTS[s.type] ?? 2, asns: [...s.numbers] };
    }),
  });
  let mpNextHop: Uint8Array | null = null;
  if (nlri.afi === 1) {
    if (p.nextHops.length > 1) throw invalid('an IPv4 path has one next hop');
    if (p.nextHops.length === 1) {
      const nh = parseIpv4(p.nextHops[0]!);
      if (nh === null) throw invalid(`next hop "${p.nextHops[0]}" is not an IPv4 address`);
      attrs.push({ kind: 'NEXT_HOP', nextHop: nh });
    }
  } else {
    if (p.nextHops.length > 2) throw invalid('an IPv6 path has a global and at most one link-local next hop');
    const parts = p.nextHops.map((t) => {
      const a = parseIpv6(t);
      if (!a) throw invalid(`next hop "${t}" is not an IPv6 address`);
      return a;
    });
    if (parts.length > 0) {
      mpNextHop = new Uint8Array(16 * parts.length);
      parts.forEach((a, i) => mpNextHop!.set(a, i * 16));
    }
  }
  if (p.med !== undefined) attrs.push({ kind: 'MULTI_EXIT_DISC', med: p.med >>> 0 });
  if (p.localPref !== undefined) attrs.push({ kind: 'LOCAL_PREF', localPref: p.localPref >>> 0 });
  if (p.communities.length > 0) attrs.push({ kind: 'COMMUNITIES', communities: p.communities.map(community) });
  if (p.extendedCommunities.length > 0) attrs.push({ kind: 'EXTENDED_COMMUNITIES', communities: p.extendedCommunities.map(extendedCommunity) });
  if (p.largeCommunities.length > 0) {
    for (const c of p.largeCommunities) {
      if ([c.globalAdmin, c.localData1, c.localData2].some((n) => !Number.isInteger(n) || n < 0 || n > 0xffffffff)) throw invalid('large community parts must be 0..4294967295');
    }
    attrs.push({ kind: 'LARGE_COMMUNITY', communities: p.largeCommunities.map((c) => ({ ...c })) });
  }
  return { nlri, attributes: attrs, mpNextHop };
}
