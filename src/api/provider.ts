/**
 * What the management API needs from the daemon, as plain data. These types
 * mirror proto/petrel/v1/petrel.proto; the daemon implements `ApiProvider`
 * over its own state (this module imports nothing of the daemon's).
 */

export type Family = 'ipv4' | 'ipv6';
/** Calico's kinds of peering: the prefix of the BIRD protocol name. */
export type PeerType = 'mesh' | 'global' | 'node' | 'localWorkload';
/** RFC 4271 §8.2.2. */
export type SessionState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';
export type Table = 'loc' | 'in' | 'out';
export type Origin = 'igp' | 'egp' | 'incomplete';
export type AsPathSegmentType = 'set' | 'sequence' | 'confedSequence' | 'confedSet';
export type PeerEvent = 'initial' | 'changed' | 'added' | 'removed';

export interface StatusInfo {
  readonly routerId: string;
  readonly asNumber: number;
  readonly nodeName: string;
  readonly version: string;
  /** Unix ms the daemon started. */
  readonly startedAt: number;
  /** The BGP listener's address; '' means every address. */
  readonly listenAddress: string;
  readonly listenPort: number;
}

export interface NotificationCount {
  readonly code: number;
  readonly subcode: number;
  readonly count: number;
}

export interface PeerCounters {
  /** Paths in the Adj-RIB-In. */
  readonly prefixesReceived: number;
  /** Paths that passed import policy. */
  readonly prefixesAccepted: number;
  /** Paths in the Adj-RIB-Out. */
  readonly prefixesAdvertised: number;
  /** Paths kept through the peer's graceful restart. */
  readonly prefixesStale?: number;
  readonly updatesIn: number;
  readonly updatesOut: number;
  readonly notificationsIn?: readonly NotificationCount[];
  readonly notificationsOut?: readonly NotificationCount[];
}

export interface NegotiatedInfo {
  readonly peerRouterId: string;
  readonly holdTime: number;
  readonly keepaliveTime: number;
  /** 'ipv4-unicast', 'ipv6-unicast'. */
  readonly families: readonly string[];
  /** A summary for people: '4-octet-as', 'route-refresh', 'graceful-restart', 'add-path-rx:ipv4-unicast', ... */
  readonly capabilities: readonly string[];
}

export interface PeerInfo {
  /** Calico's protocol name: Mesh_10_0_0_2, Global_<ip>[_port_<p>], Node_..., Local_Workload_... */
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly peerAs: number;
  readonly localAs: number;
  readonly type: PeerType;
  readonly family: Family;
  readonly state: SessionState;
  /** Stopped by configuration or an operator (BIRD's protocol state "down"). */
  readonly adminDown?: boolean;
  /** Waits for the peer to connect; shown as "Passive" while Active, as BIRD does. */
  readonly passive?: boolean;
  /** Unix ms of the last change into or out of Established (BIRD's `since`); null if never. */
  readonly since: number | null;
  /** Why the session last went down, as BIRD words it ("Socket: Connection refused"); null if none. */
  readonly lastError: string | null;
  readonly counters: PeerCounters;
  /** Configured timers, seconds. */
  readonly holdTime?: number;
  readonly keepaliveTime?: number;
  /** What the OPENs agreed; null unless Established. */
  readonly negotiated: NegotiatedInfo | null;
}

export interface AsPathSegment {
  readonly type: AsPathSegmentType;
  readonly numbers: readonly number[];
}

export interface LargeCommunity {
  readonly globalAdmin: number;
  readonly localData1: number;
  readonly localData2: number;
}

export interface PathQuery {
  readonly table: Table;
  /** Required for 'in' and 'out'; for 'loc', only the paths learned from this peer. */
  readonly peer?: string;
  /** Absent: both families. */
  readonly family?: Family;
}

/** One path. Paths of one prefix must be adjacent, best first (as `birdc show route` lists them). */
export interface PathInfo {
  readonly family: Family;
  /** '10.244.1.0/26' */
  readonly prefix: string;
  /** ADD-PATH identifier, 0 without ADD-PATH. */
  readonly pathId: number;
  /** IPv6: the global address first, then the link-local one. Empty for a blackhole. */
  readonly nextHops: readonly string[];
  readonly asPath: readonly AsPathSegment[];
  readonly origin: Origin;
  readonly med?: number;
  readonly localPref?: number;
  /** '65000:100', 'no-export' */
  readonly communities: readonly string[];
  readonly largeCommunities: readonly LargeCommunity[];
  /** 'rt:65000:100', 'encap:vxlan' */
  readonly extendedCommunities: readonly string[];
  readonly originatorId?: string;
  readonly clusterList: readonly string[];
  readonly best: boolean;
  /** Why the decision process preferred another path ('' or absent for the best). */
  readonly notBestReason?: string;
  readonly stale: boolean;
  /** Unix ms the path entered the table. */
  readonly since: number;
  /** The protocol that produced it: a peer name, or a local one ('static1', 'kernel1'). */
  readonly source: string;
  /** The peer address it was learned from; absent for local paths. */
  readonly sourceAddress?: string;
  /** 'in' / 'out' tables: the peer whose table this is. */
  readonly peer?: string;
  /** BIRD-style preference (BGP 100, static 200); absent: the kind's default. */
  readonly preference?: number;
  /** Metric of the route that resolves the next hop (BIRD's "(100/0)"). */
  readonly igpMetric?: number;
  /** Outgoing interface, when known. */
  readonly interface?: string;
}

/** An operator-injected route: what AddPath carries (a path's prefix and attributes, nothing the table adds). */
export type InjectedPath = Pick<
  PathInfo,
  'family' | 'prefix' | 'pathId' | 'nextHops' | 'asPath' | 'origin' | 'med' | 'localPref' | 'communities' | 'largeCommunities' | 'extendedCommunities'
>;

/** A best-path change of the Loc-RIB: `path` is the new best, null when the prefix is gone. */
export interface PathEvent {
  readonly type: 'initial' | 'best' | 'withdrawn';
  readonly family: Family;
  readonly prefix: string;
  readonly path: PathInfo | null;
}

/** Identifies an injected route for DeletePath. */
export interface PathKey {
  readonly family: Family;
  readonly prefix: string;
  readonly pathId: number;
}

export type ApiErrorCode = 'invalid-argument' | 'not-found' | 'already-exists' | 'failed-precondition' | 'unimplemented' | 'unavailable';

/**
 * A provider throws this to answer with a specific gRPC status; any other
 * error reaches the client as INTERNAL with its message.
 */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * The daemon's side of the API. Every call is made on the daemon's event
 * loop and must answer from current state without holding it across an
 * await; large tables are returned as an async iterable that yields in
 * bounded chunks (the server stops pulling when the client is slow).
 */
export interface ApiProvider {
  status(): StatusInfo;
  /** Every peer, sorted by name. */
  peers(): PeerInfo[];
  /** May throw ApiError('not-found') for an unknown peer. */
  paths(q: PathQuery): PathInfo[] | AsyncIterable<PathInfo>;
  /** Calls onChange with a peer's new state on every change until the returned function is called. */
  watchPeers(onChange: (p: PeerInfo, event?: PeerEvent) => void): () => void;
  /** Loc-RIB best-path changes; returns the unsubscribe function. Absent: WatchPaths is UNIMPLEMENTED. */
  watchPaths?(onChange: (e: PathEvent) => void): () => void;
  addPath?(p: InjectedPath): Promise<void>;
  deletePath?(k: PathKey): Promise<void>;
}
