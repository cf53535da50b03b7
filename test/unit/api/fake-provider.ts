/** A scripted ApiProvider for the API tests: fixed peers and status, paths from a function. */
import type {
  ApiProvider,
  InjectedPath,
  PathInfo,
  PathKey,
  PathQuery,
  PeerEvent,
  PeerInfo,
  StatusInfo,
} from '../../../src/api/provider.js';

export const NOW = Date.now();
/** Well under 20 h ago: BIRD shows the time of day. */
export const RECENT = NOW - 3600_000;
/** Days ago: BIRD shows the date. */
export const OLD = Date.UTC(2024, 0, 2, 3, 4, 5);

export const status: StatusInfo = {
  routerId: '10.0.0.1',
  asNumber: 64512,
  nodeName: 'node1',
  version: '0.1.0',
  startedAt: NOW - 7200_000,
  listenAddress: '',
  listenPort: 179,
};

const counters = (n: number) => ({
  prefixesReceived: n,
  prefixesAccepted: n,
  prefixesAdvertised: 2,
  prefixesStale: 0,
  updatesIn: n + 1,
  updatesOut: 3,
  notificationsIn: [{ code: 6, subcode: 2, count: 1 }],
  notificationsOut: [],
});

export const peers: PeerInfo[] = [
  {
    name: 'Global_192_0_2_1',
    address: '192.0.2.1',
    port: 179,
    peerAs: 65001,
    localAs: 64512,
    type: 'global',
    family: 'ipv4',
    state: 'Active',
    passive: true,
    since: OLD,
    lastError: null,
    counters: counters(0),
    holdTime: 240,
    keepaliveTime: 80,
    negotiated: null,
  },
  {
    name: 'Local_Workload_10_65_0_7',
    address: '10.65.0.7',
    port: 179,
    peerAs: 65010,
    localAs: 64512,
    type: 'localWorkload',
    family: 'ipv4',
    state: 'Established',
    since: RECENT,
    lastError: null,
    counters: counters(1),
    negotiated: null,
  },
  {
    name: 'Mesh_10_0_0_2',
    address: '10.0.0.2',
    port: 179,
    peerAs: 64512,
    localAs: 64512,
    type: 'mesh',
    family: 'ipv4',
    state: 'Established',
    since: RECENT,
    lastError: null,
    counters: counters(4),
    holdTime: 240,
    keepaliveTime: 80,
    negotiated: {
      peerRouterId: '10.0.0.2',
      holdTime: 240,
      keepaliveTime: 80,
      families: ['ipv4-unicast'],
      capabilities: ['4-octet-as', 'route-refresh', 'graceful-restart', 'add-path-rx:ipv4-unicast'],
    },
  },
  {
    name: 'Mesh_fd80_24e2_f998_72d7__2',
    address: 'fd80:24e2:f998:72d7::2',
    port: 179,
    peerAs: 64512,
    localAs: 64512,
    type: 'mesh',
    family: 'ipv6',
    state: 'Established',
    since: RECENT,
    lastError: null,
    counters: counters(1),
    negotiated: { peerRouterId: '10.0.0.2', holdTime: 90, keepaliveTime: 30, families: ['ipv6-unicast'], capabilities: [] },
  },
  {
    name: 'Node_10_0_0_9',
    address: '10.0.0.9',
    port: 179,
    peerAs: 64512,
    localAs: 64512,
    type: 'node',
    family: 'ipv4',
    state: 'Active',
    since: RECENT,
    lastError: 'Socket: Connection refused',
    counters: counters(0),
    negotiated: null,
  },
];

export function path(i: number, over: Partial<PathInfo> = {}): PathInfo {
  return {
    family: 'ipv4',
    prefix: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`,
    pathId: 0,
    nextHops: ['10.0.0.2'],
    asPath: [],
    origin: 'igp',
    communities: [],
    largeCommunities: [],
    extendedCommunities: [],
    clusterList: [],
    best: true,
    stale: false,
    since: RECENT,
    source: 'Mesh_10_0_0_2',
    sourceAddress: '10.0.0.2',
    ...over,
  };
}

/** Paths with every field set, two for one prefix. */
export const richPaths: PathInfo[] = [
  {
    family: 'ipv4',
    prefix: '10.244.1.0/26',
    pathId: 1,
    nextHops: ['10.0.0.2'],
    asPath: [
      { type: 'sequence', numbers: [65001, 65002] },
      { type: 'set', numbers: [65010, 65011] },
    ],
    origin: 'igp',
    med: 0,
    localPref: 100,
    communities: ['64512:100', 'no-export'],
    largeCommunities: [{ globalAdmin: 64512, localData1: 1, localData2: 2 }],
    extendedCommunities: ['rt:64512:1'],
    originatorId: '10.0.0.7',
    clusterList: ['10.0.0.100'],
    best: true,
    stale: false,
    since: RECENT,
    source: 'Mesh_10_0_0_2',
    sourceAddress: '10.0.0.2',
    preference: 100,
    igpMetric: 0,
    interface: 'eth0',
  },
  {
    family: 'ipv4',
    prefix: '10.244.1.0/26',
    pathId: 2,
    nextHops: ['10.0.0.3'],
    asPath: [{ type: 'sequence', numbers: [65001] }],
    origin: 'incomplete',
    localPref: 100,
    communities: [],
    largeCommunities: [],
    extendedCommunities: [],
    clusterList: [],
    best: false,
    notBestReason: 'AS path longer',
    stale: true,
    since: OLD,
    source: 'Node_10_0_0_9',
    sourceAddress: '10.0.0.9',
  },
  {
    family: 'ipv4',
    prefix: '10.244.7.64/26',
    pathId: 0,
    nextHops: [],
    asPath: [],
    origin: 'igp',
    communities: [],
    largeCommunities: [],
    extendedCommunities: [],
    clusterList: [],
    best: true,
    stale: false,
    since: RECENT,
    source: 'static1',
  },
  {
    family: 'ipv6',
    prefix: 'fd00:10:244:1::/122',
    pathId: 0,
    nextHops: ['fd80:24e2:f998:72d7::2', 'fe80::1'],
    asPath: [{ type: 'sequence', numbers: [65001] }],
    origin: 'egp',
    med: 20,
    communities: [],
    largeCommunities: [],
    extendedCommunities: [],
    clusterList: [],
    best: true,
    stale: false,
    since: RECENT,
    source: 'Mesh_fd80_24e2_f998_72d7__2',
    sourceAddress: 'fd80:24e2:f998:72d7::2',
  },
];

export class FakeProvider implements ApiProvider {
  readonly queries: PathQuery[] = [];
  readonly listeners = new Set<(p: PeerInfo, e?: PeerEvent) => void>();
  readonly added: InjectedPath[] = [];
  readonly deleted: PathKey[] = [];
  addPath?: (p: InjectedPath) => Promise<void>;
  deletePath?: (k: PathKey) => Promise<void>;

  constructor(
    private readonly table: (q: PathQuery) => PathInfo[] | AsyncIterable<PathInfo> = () => richPaths,
    opts: { inject?: boolean } = {},
  ) {
    if (opts.inject) {
      this.addPath = async (p) => {
        this.added.push(p);
      };
      this.deletePath = async (k) => {
        this.deleted.push(k);
      };
    }
  }

  status(): StatusInfo {
    return status;
  }
  peers(): PeerInfo[] {
    return peers;
  }
  paths(q: PathQuery): PathInfo[] | AsyncIterable<PathInfo> {
    this.queries.push(q);
    return this.table(q);
  }
  watchPeers(onChange: (p: PeerInfo, e?: PeerEvent) => void): () => void {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }
  emit(p: PeerInfo, e?: PeerEvent): void {
    for (const l of this.listeners) l(p, e);
  }
}
