/**
 * Provider types <-> wire messages. `*ToWire` fills the fields the server
 * computes (uptime, age); `*FromWire` returns the provider's shape, leaving
 * out optional fields the wire carries as their defaults.
 */
import type * as P from './provider.js';
import type * as W from './wire.js';

function invert<K extends string, V extends string>(m: Record<K, V>): Record<V, K> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [v, k])) as Record<V, K>;
}

/** A wire enum name back to ours; a value from a newer server falls back. */
function fromEnum<V extends string, K>(m: Record<V, K>, v: unknown, fallback: K): K {
  return typeof v === 'string' && Object.hasOwn(m, v) ? m[v as V] : fallback;
}

const FAMILY: Record<P.Family, W.WireFamily> = { ipv4: 'FAMILY_IPV4', ipv6: 'FAMILY_IPV6' };
const FAMILY_BACK = invert(FAMILY);
const PEER_TYPE: Record<P.PeerType, W.WirePeerType> = {
  mesh: 'PEER_TYPE_MESH',
  global: 'PEER_TYPE_GLOBAL',
  node: 'PEER_TYPE_NODE',
  localWorkload: 'PEER_TYPE_LOCAL_WORKLOAD',
};
const PEER_TYPE_BACK = invert(PEER_TYPE);
const STATE: Record<P.SessionState, W.WireSessionState> = {
  Idle: 'SESSION_STATE_IDLE',
  Connect: 'SESSION_STATE_CONNECT',
  Active: 'SESSION_STATE_ACTIVE',
  OpenSent: 'SESSION_STATE_OPEN_SENT',
  OpenConfirm: 'SESSION_STATE_OPEN_CONFIRM',
  Established: 'SESSION_STATE_ESTABLISHED',
};
const STATE_BACK = invert(STATE);
const TABLE: Record<P.Table, W.WireTable> = { loc: 'TABLE_LOC_RIB', in: 'TABLE_ADJ_RIB_IN', out: 'TABLE_ADJ_RIB_OUT' };
const TABLE_BACK = invert(TABLE);
const ORIGIN: Record<P.Origin, W.WireOrigin> = { igp: 'ORIGIN_IGP', egp: 'ORIGIN_EGP', incomplete: 'ORIGIN_INCOMPLETE' };
const ORIGIN_BACK = invert(ORIGIN);
const SEGMENT: Record<P.AsPathSegmentType, W.WireAsPathSegmentType> = {
  set: 'AS_PATH_SEGMENT_TYPE_SET',
  sequence: 'AS_PATH_SEGMENT_TYPE_SEQUENCE',
  confedSequence: 'AS_PATH_SEGMENT_TYPE_CONFED_SEQUENCE',
  confedSet: 'AS_PATH_SEGMENT_TYPE_CONFED_SET',
};
const SEGMENT_BACK = invert(SEGMENT);
const EVENT: Record<P.PeerEvent, W.WirePeerEventType> = {
  initial: 'PEER_EVENT_TYPE_INITIAL',
  changed: 'PEER_EVENT_TYPE_CHANGED',
  added: 'PEER_EVENT_TYPE_ADDED',
  removed: 'PEER_EVENT_TYPE_REMOVED',
};
const EVENT_BACK = invert(EVENT);

export const familyToWire = (f: P.Family | undefined): W.WireFamily => (f ? FAMILY[f] : 'FAMILY_UNSPECIFIED');
export const familyFromWire = (f: unknown): P.Family | undefined => fromEnum(FAMILY_BACK, f, undefined);
export const tableToWire = (t: P.Table): W.WireTable => TABLE[t];
export const tableFromWire = (t: unknown): P.Table => fromEnum(TABLE_BACK, t, 'loc');
export const eventToWire = (e: P.PeerEvent): W.WirePeerEventType => EVENT[e];
export const eventFromWire = (e: unknown): P.PeerEvent => fromEnum(EVENT_BACK, e, 'changed');

const nonNegative = (n: number): number => (n > 0 ? Math.floor(n) : 0);

export function statusToWire(s: P.StatusInfo, now: number): W.WireStatus {
  return {
    routerId: s.routerId,
    as: s.asNumber,
    nodeName: s.nodeName,
    version: s.version,
    startedAt: s.startedAt,
    uptimeSeconds: nonNegative((now - s.startedAt) / 1000),
    listenAddress: s.listenAddress,
    listenPort: s.listenPort,
  };
}

export function statusFromWire(w: W.WireStatus): P.StatusInfo {
  return {
    routerId: w.routerId,
    asNumber: w.as,
    nodeName: w.nodeName,
    version: w.version,
    startedAt: w.startedAt,
    listenAddress: w.listenAddress,
    listenPort: w.listenPort,
  };
}

const countsToWire = (c: readonly P.NotificationCount[] | undefined): W.WireNotificationCount[] =>
  (c ?? []).map((n) => ({ code: n.code, subcode: n.subcode, count: n.count }));

export function peerToWire(p: P.PeerInfo, now: number): W.WirePeer {
  const c = p.counters;
  return {
    name: p.name,
    address: p.address,
    port: p.port,
    peerAs: p.peerAs,
    localAs: p.localAs,
    type: PEER_TYPE[p.type],
    family: FAMILY[p.family],
    state: STATE[p.state],
    adminDown: p.adminDown ?? false,
    passive: p.passive ?? false,
    since: p.since ?? 0,
    uptimeMs: p.state === 'Established' && p.since !== null ? nonNegative(now - p.since) : 0,
    lastError: p.lastError ?? '',
    counters: {
      prefixesReceived: c.prefixesReceived,
      prefixesAccepted: c.prefixesAccepted,
      prefixesAdvertised: c.prefixesAdvertised,
      prefixesStale: c.prefixesStale ?? 0,
      updatesIn: c.updatesIn,
      updatesOut: c.updatesOut,
      notificationsIn: countsToWire(c.notificationsIn),
      notificationsOut: countsToWire(c.notificationsOut),
    },
    holdTime: p.holdTime ?? 0,
    keepaliveTime: p.keepaliveTime ?? 0,
    negotiated: p.negotiated
      ? {
          peerRouterId: p.negotiated.peerRouterId,
          holdTime: p.negotiated.holdTime,
          keepaliveTime: p.negotiated.keepaliveTime,
          families: [...p.negotiated.families],
          capabilities: [...p.negotiated.capabilities],
        }
      : null,
  };
}

export function peerFromWire(w: W.WirePeer): P.PeerInfo {
  const c = w.counters;
  return {
    name: w.name,
    address: w.address,
    port: w.port,
    peerAs: w.peerAs,
    localAs: w.localAs,
    type: fromEnum(PEER_TYPE_BACK, w.type, 'global'),
    family: fromEnum(FAMILY_BACK, w.family, 'ipv4'),
    state: fromEnum(STATE_BACK, w.state, 'Idle'),
    ...(w.adminDown ? { adminDown: true } : {}),
    ...(w.passive ? { passive: true } : {}),
    since: w.since > 0 ? w.since : null,
    lastError: w.lastError === '' ? null : w.lastError,
    counters: {
      prefixesReceived: c?.prefixesReceived ?? 0,
      prefixesAccepted: c?.prefixesAccepted ?? 0,
      prefixesAdvertised: c?.prefixesAdvertised ?? 0,
      prefixesStale: c?.prefixesStale ?? 0,
      updatesIn: c?.updatesIn ?? 0,
      updatesOut: c?.updatesOut ?? 0,
      notificationsIn: c?.notificationsIn ?? [],
      notificationsOut: c?.notificationsOut ?? [],
    },
    ...(w.holdTime ? { holdTime: w.holdTime } : {}),
    ...(w.keepaliveTime ? { keepaliveTime: w.keepaliveTime } : {}),
    negotiated: w.negotiated
      ? {
          peerRouterId: w.negotiated.peerRouterId,
          holdTime: w.negotiated.holdTime,
          keepaliveTime: w.negotiated.keepaliveTime,
          families: w.negotiated.families,
          capabilities: w.negotiated.capabilities,
        }
      : null,
  };
}

const segmentsToWire = (s: readonly P.AsPathSegment[]): W.WireAsPathSegment[] => s.map((g) => ({ type: SEGMENT[g.type], numbers: [...g.numbers] }));
const segmentsFromWire = (s: readonly W.WireAsPathSegment[]): P.AsPathSegment[] =>
  s.map((g) => ({ type: fromEnum(SEGMENT_BACK, g.type, 'sequence'), numbers: g.numbers }));
const largeToWire = (l: readonly P.LargeCommunity[]): W.WireLargeCommunity[] =>
  l.map((c) => ({ globalAdmin: c.globalAdmin, localData1: c.localData1, localData2: c.localData2 }));
const present = (n: number | null | undefined): n is number => n !== undefined && n !== null;

// Paths are converted by the hundred thousand: plain assignments, no object spreads (V8 is much faster).

/** Writable versions of the provider's types, to build them field by field. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function attributesToWire(p: P.InjectedPath): W.WirePath {
  const w: W.WirePath = {
    family: FAMILY[p.family],
    prefix: p.prefix,
    pathId: p.pathId,
    nextHops: p.nextHops as string[],
    asPath: segmentsToWire(p.asPath),
    origin: ORIGIN[p.origin],
    communities: p.communities as string[],
    largeCommunities: largeToWire(p.largeCommunities),
    extendedCommunities: p.extendedCommunities as string[],
    originatorId: '',
    clusterList: [],
    best: false,
    notBestReason: '',
    stale: false,
    since: 0,
    ageSeconds: 0,
    source: '',
    sourceAddress: '',
    peer: '',
    preference: 0,
    interface: '',
  };
  if (present(p.med)) w.med = p.med;
  if (present(p.localPref)) w.localPref = p.localPref;
  return w;
}

/** AddPath's message: the attributes only. */
export const injectedToWire = (p: P.InjectedPath): W.WirePath => attributesToWire(p);

export function pathToWire(p: P.PathInfo, now: number): W.WirePath {
  const w = attributesToWire(p);
  w.originatorId = p.originatorId ?? '';
  w.clusterList = p.clusterList as string[];
  w.best = p.best;
  w.notBestReason = p.notBestReason ?? '';
  w.stale = p.stale;
  w.since = p.since;
  w.ageSeconds = nonNegative((now - p.since) / 1000);
  w.source = p.source;
  w.sourceAddress = p.sourceAddress ?? '';
  w.peer = p.peer ?? '';
  w.preference = p.preference ?? 0;
  if (present(p.igpMetric)) w.igpMetric = p.igpMetric;
  w.interface = p.interface ?? '';
  return w;
}

function attributesFromWire(w: W.WirePath): Mutable<P.InjectedPath> {
  const p: Mutable<P.InjectedPath> = {
    family: fromEnum(FAMILY_BACK, w.family, 'ipv4'),
    prefix: w.prefix,
    pathId: w.pathId,
    nextHops: w.nextHops,
    asPath: segmentsFromWire(w.asPath),
    origin: fromEnum(ORIGIN_BACK, w.origin, 'incomplete'),
    communities: w.communities,
    largeCommunities: w.largeCommunities,
    extendedCommunities: w.extendedCommunities,
  };
  if (present(w.med)) p.med = w.med;
  if (present(w.localPref)) p.localPref = w.localPref;
  return p;
}

export const injectedFromWire = (w: W.WirePath): P.InjectedPath => attributesFromWire(w);

export function pathFromWire(w: W.WirePath): P.PathInfo {
  const p: Mutable<P.PathInfo> = attributesFromWire(w) as Mutable<P.PathInfo>;
  if (w.originatorId) p.originatorId = w.originatorId;
  p.clusterList = w.clusterList;
  p.best = w.best;
  if (w.notBestReason) p.notBestReason = w.notBestReason;
  p.stale = w.stale;
  p.since = w.since;
  p.source = w.source;
  if (w.sourceAddress) p.sourceAddress = w.sourceAddress;
  if (w.peer) p.peer = w.peer;
  if (w.preference) p.preference = w.preference;
  if (present(w.igpMetric)) p.igpMetric = w.igpMetric;
  if (w.interface) p.interface = w.interface;
  return p;
}



export function pathQueryToWire(q: P.PathQuery): W.ListPathsRequest {
  return { table: TABLE[q.table], peer: q.peer ?? '', family: familyToWire(q.family) };
}

export function pathQueryFromWire(w: W.ListPathsRequest): P.PathQuery {
  const family = familyFromWire(w.family);
  return { table: tableFromWire(w.table), ...(w.peer ? { peer: w.peer } : {}), ...(family ? { family } : {}) };
}

export function pathKeyToWire(k: P.PathKey): W.DeletePathRequest {
  return { family: FAMILY[k.family], prefix: k.prefix, pathId: k.pathId };
}

export function pathKeyFromWire(w: W.DeletePathRequest): P.PathKey {
  return { family: fromEnum(FAMILY_BACK, w.family, 'ipv4'), prefix: w.prefix, pathId: w.pathId };
}

const PATH_EVENT: Record<P.PathEvent['type'], W.WirePathEventType> = { initial: 'PATH_EVENT_TYPE_INITIAL', best: 'PATH_EVENT_TYPE_BEST', withdrawn: 'PATH_EVENT_TYPE_WITHDRAWN' };
const PATH_EVENT_BACK = new Map(Object.entries(PATH_EVENT).map(([k, v]) => [v, k as P.PathEvent['type']]));

export function pathEventToWire(e: P.PathEvent, now: number): W.WatchPathsResponse {
  return { type: PATH_EVENT[e.type], family: familyToWire(e.family), prefix: e.prefix, path: e.path ? pathToWire(e.path, now) : null };
}

export function pathEventFromWire(w: W.WatchPathsResponse): P.PathEvent {
  return { type: PATH_EVENT_BACK.get(w.type) ?? 'best', family: familyFromWire(w.family) ?? 'ipv4', prefix: w.prefix, path: w.path ? pathFromWire(w.path) : null };
}
