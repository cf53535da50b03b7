import type { AsPathSegment, LargeCommunity as ApiLargeCommunity, PathInfo } from '../api/provider.js';
import { formatIpv4, formatPrefix } from '../lib/prefix.js';
import { preference, stepText } from '../rib/decision.js';
import type { RankedPath } from '../rib/loc-rib.js';
import type { Nlri } from '../wire/nlri.js';
import type { ReceivedRoute } from '../rib/adj-rib-in.js';
import type { LocalRoute } from '../speaker/originate.js';
import type { OutRoute } from '../speaker/update-group.js';
import { formatExtendedCommunity } from '../wire/attributes/extended-communities.js';
import { formatCommunity } from '../wire/constants.js';
import { mpNextHopText } from '../wire/format.js';
import { findAttribute } from '../wire/update-encode.js';
import type { PathAttribute } from '../wire/attributes/types.js';

const SEGMENT: Record<number, AsPathSegment['type']> = { 1: 'set', 2: 'sequence', 3: 'confedSequence', 4: 'confedSet' };
const ORIGIN = ['igp', 'egp', 'incomplete'] as const;

type AttributeFields = Pick<
  PathInfo,
  'nextHops' | 'asPath' | 'origin' | 'med' | 'localPref' | 'communities' | 'largeCommunities' | 'extendedCommunities' | 'originatorId' | 'clusterList'
>;

/** A BGP path's attributes as the API shows them. */
function attributeFields(a: readonly PathAttribute[], mpNextHop: Uint8Array | null): AttributeFields {
  const nh = findAttribute(a, 'NEXT_HOP');
  const med = findAttribute(a, 'MULTI_EXIT_DISC');
  const lp = findAttribute(a, 'LOCAL_PREF');
  const orig = findAttribute(a, 'ORIGINATOR_ID');
  return {
    nextHops: mpNextHop ? mpNextHopText(mpNextHop) : nh ? [formatIpv4(nh.nextHop)] : [],
    asPath: (findAttribute(a, 'AS_PATH')?.segments ?? []).map((s) => ({ type: SEGMENT[s.type]!, numbers: [...s.asns] })),
    origin: ORIGIN[findAttribute(a, 'ORIGIN')?.origin ?? 2],
    ...(med ? { med: med.med } : {}),
    ...(lp ? { localPref: lp.localPref } : {}),
    communities: (findAttribute(a, 'COMMUNITIES')?.communities ?? []).map(formatCommunity),
    largeCommunities: (findAttribute(a, 'LARGE_COMMUNITY')?.communities ?? []).map((c): ApiLargeCommunity => ({ ...c })),
    extendedCommunities: (findAttribute(a, 'EXTENDED_COMMUNITIES')?.communities ?? []).map(formatExtendedCommunity),
    ...(orig ? { originatorId: formatIpv4(orig.originatorId) } : {}),
    clusterList: (findAttribute(a, 'CLUSTER_LIST')?.clusterList ?? []).map(formatIpv4),
  };
}

/** A received path as the API shows it. */
export function receivedPath(r: ReceivedRoute, peer: string, peerAddress: string, since: number): PathInfo {
  return {
    family: r.nlri.afi === 1 ? 'ipv4' : 'ipv6',
    prefix: formatPrefix(r.nlri),
    pathId: r.nlri.pathId,
    ...attributeFields(r.attributes, r.mpNextHop),
    // The Adj-RIB-In is before the decision process: no path in it is "best".
    best: false,
    stale: r.stale,
    since,
    source: peer,
    sourceAddress: peerAddress,
    peer,
    preference: 100,
  };
}

/** A path we advertise (Adj-RIB-Out of our own routes). */
export function advertisedPath(r: LocalRoute, peer: string, nextHop: string | null, asPath: readonly number[], since: number): PathInfo {
  return {
    family: r.nlri.afi === 1 ? 'ipv4' : 'ipv6',
    prefix: formatPrefix(r.nlri),
    pathId: r.nlri.pathId,
    nextHops: nextHop ? [nextHop] : [],
    asPath: asPath.length > 0 ? [{ type: 'sequence', numbers: [...asPath] }] : [],
    origin: 'igp',
    communities: r.communities.map(formatCommunity),
    largeCommunities: r.largeCommunities.map((c) => ({ ...c })),
    extendedCommunities: [],
    clusterList: [],
    best: true,
    stale: false,
    since,
    source: 'static1',
    peer,
    preference: 200,
  };
}

/** A learnt path as we propagated it to a peer (its update group's Adj-RIB-Out). */
export function exportedPath(r: OutRoute, peer: string, since: number): PathInfo {
  return {
    family: r.nlri.afi === 1 ? 'ipv4' : 'ipv6',
    prefix: formatPrefix(r.nlri),
    pathId: r.nlri.pathId,
    ...attributeFields(r.attributes, r.mpNextHop),
    best: true,
    stale: false,
    since,
    source: r.source ?? 'api',
    peer,
    preference: 100,
  };
}

/** A Loc-RIB path, with whether it won and, if not, the step it lost at. */
export function locPath(prefix: Nlri, r: RankedPath): PathInfo {
  const p = r.path;
  const a = p.attrs;
  const base = {
    family: (prefix.afi === 1 ? 'ipv4' : 'ipv6') as PathInfo['family'],
    prefix: formatPrefix(prefix),
    pathId: p.pathId,
    best: r.best,
    ...(r.lostAt ? { notBestReason: stepText(r.lostAt) } : {}),
    stale: p.received?.stale ?? false,
    since: p.since,
    preference: preference(p),
  };
  if (p.source.kind === 'api') return { ...base, ...attributeFields(a.attributes, a.mpNextHop), source: 'api' };
  if (p.source.kind !== 'bgp') {
    // The node's own blocks: BIRD's `route <block> blackhole` in protocol static.
    return { ...base, nextHops: [], asPath: [], origin: 'igp', communities: [], largeCommunities: [], extendedCommunities: [], clusterList: [], source: p.source.name };
  }
  return {
    ...base,
    ...attributeFields(a.attributes, a.mpNextHop),
    source: p.source.peer,
    sourceAddress: p.source.peerAddressText,
  };
}
