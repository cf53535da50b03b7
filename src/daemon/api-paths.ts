import type { AsPathSegment, LargeCommunity as ApiLargeCommunity, PathInfo } from '../api/provider.js';
import { formatIpv4, formatPrefix } from '../lib/prefix.js';
import type { ReceivedRoute } from '../rib/adj-rib-in.js';
import type { LocalRoute } from '../speaker/originate.js';
import { formatExtendedCommunity } from '../wire/attributes/extended-communities.js';
import { formatCommunity } from '../wire/constants.js';
import { mpNextHopText } from '../wire/format.js';
import { findAttribute } from '../wire/update-encode.js';

const SEGMENT: Record<number, AsPathSegment['type']> = { 1: 'set', 2: 'sequence', 3: 'confedSequence', 4: 'confedSet' };
const ORIGIN = ['igp', 'egp', 'incomplete'] as const;

/** A received path as the API shows it. */
export function receivedPath(r: ReceivedRoute, peer: string, peerAddress: string, since: number): PathInfo {
  const a = r.attributes;
  const nh = findAttribute(a, 'NEXT_HOP');
  const med = findAttribute(a, 'MULTI_EXIT_DISC');
  const lp = findAttribute(a, 'LOCAL_PREF');
  const orig = findAttribute(a, 'ORIGINATOR_ID');
  const large = findAttribute(a, 'LARGE_COMMUNITY')?.communities ?? [];
  return {
    family: r.nlri.afi === 1 ? 'ipv4' : 'ipv6',
    prefix: formatPrefix(r.nlri),
    pathId: r.nlri.pathId,
    nextHops: r.mpNextHop ? mpNextHopText(r.mpNextHop) : nh ? [formatIpv4(nh.nextHop)] : [],
    asPath: (findAttribute(a, 'AS_PATH')?.segments ?? []).map((s) => ({ type: SEGMENT[s.type]!, numbers: [...s.asns] })),
    origin: ORIGIN[findAttribute(a, 'ORIGIN')?.origin ?? 2],
    ...(med ? { med: med.med } : {}),
    ...(lp ? { localPref: lp.localPref } : {}),
    communities: (findAttribute(a, 'COMMUNITIES')?.communities ?? []).map(formatCommunity),
    largeCommunities: large.map((c): ApiLargeCommunity => ({ ...c })),
    extendedCommunities: (findAttribute(a, 'EXTENDED_COMMUNITIES')?.communities ?? []).map(formatExtendedCommunity),
    ...(orig ? { originatorId: formatIpv4(orig.originatorId) } : {}),
    clusterList: (findAttribute(a, 'CLUSTER_LIST')?.clusterList ?? []).map(formatIpv4),
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
