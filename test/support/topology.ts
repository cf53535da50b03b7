/**
 * Calico clusters of real petrel daemons on one bridged LAN, for the
 * routing-topology tests (test/integration/topologies*.test.ts): one
 * namespace per member (a petrel node or another BGP speaker), one
 * datastore describing the whole cluster (Nodes with labels and
 * routeReflectorClusterIDs, BlockAffinities, BGPPeers with selectors)
 * given to every petrel, each running as its own node. Every member is one
 * hop from every other, so next hops need no IGP.
 */
import { renameSync, writeFileSync } from 'node:fs';
import type { PathInfo } from '../../src/api/provider.js';
import { createLan, createNs, nextSubnet, waitFor } from './netns.js';
import { canonicalPrefix, type RouteInfo } from './peers/common.js';
import { blockAffinity, ipPool, startPetrel, toYaml, type LanHost, type Petrel } from './petrel.js';

type Doc = Record<string, unknown>;
const CALICO = 'projectcalico.org/v3';

// ------------------------------------------------------------------ the cluster's datastore

export interface ClusterNode {
  readonly name: string;
  /** The node's IPv4 address, without prefix length. */
  readonly ipv4: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** Makes the node a route reflector (Calico: spec.bgp.routeReflectorClusterID). */
  readonly rrClusterId?: string;
  /** A per-node AS (spec.bgp.asNumber); default the global one. */
  readonly asNumber?: number;
  /** The node's confirmed IPAM blocks. */
  readonly blocks?: readonly string[];
}

export interface ClusterSpec {
  readonly asNumber: number;
  /** BGPConfiguration nodeToNodeMeshEnabled. */
  readonly mesh: boolean;
  /** Prefix length of every node address (the LAN's). */
  readonly len4: number;
  readonly pools: readonly string[];
  readonly nodes: readonly ClusterNode[];
  /** BGPPeer documents (see bgpPeerDoc). */
  readonly peers?: readonly Doc[];
  /** More BGPConfiguration spec fields (nodeMeshMaxRestartTime, ...). */
  readonly config?: Doc;
}

/** A BGPPeer in any of Calico's shapes: peerIP or peerSelector, global, node or nodeSelector. */
export interface BgpPeerDoc {
  readonly name: string;
  readonly node?: string;
  readonly nodeSelector?: string;
  readonly peerSelector?: string;
  /** ip or ip:port */
  readonly peerIP?: string;
  readonly asNumber?: number;
  /** Calico duration ('3s'). */
  readonly keepaliveTime?: string;
  readonly maxRestartTime?: string;
}

export function bgpPeerDoc(p: BgpPeerDoc): Doc {
  const { name, ...spec } = p;
  return { apiVersion: CALICO, kind: 'BGPPeer', metadata: { name }, spec };
}

function nodeDoc(n: ClusterNode, len4: number): Doc {
  const bgp: Doc = { ipv4Address: `${n.ipv4}/${len4}` };
  if (n.rrClusterId !== undefined) bgp['routeReflectorClusterID'] = n.rrClusterId;
  if (n.asNumber !== undefined) bgp['asNumber'] = n.asNumber;
  return { apiVersion: CALICO, kind: 'Node', metadata: { name: n.name, ...(n.labels ? { labels: { ...n.labels } } : {}) }, spec: { bgp } };
}

/** The whole cluster as one multi-document YAML (what every node's petrel reads). */
export function clusterYaml(c: ClusterSpec): string {
  const docs: Doc[] = [
    {
      apiVersion: CALICO,
      kind: 'BGPConfiguration',
      metadata: { name: 'default' },
      spec: { asNumber: c.asNumber, nodeToNodeMeshEnabled: c.mesh, bindMode: 'NodeIP', ...c.config },
    },
  ];
  c.pools.forEach((cidr, i) => docs.push(ipPool(`pool-${i}`, cidr)));
  for (const n of c.nodes) docs.push(nodeDoc(n, c.len4));
  for (const n of c.nodes) for (const b of n.blocks ?? []) docs.push(blockAffinity(n.name, b));
  docs.push(...(c.peers ?? []));
  return toYaml(docs);
}

// ------------------------------------------------------------------ the LAN and the daemons

export interface ClusterLab {
  readonly len4: number;
  /** Every member's namespace and addresses, by name. */
  readonly hosts: ReadonlyMap<string, LanHost>;
  /** The petrel daemons started so far, by node name. */
  readonly petrels: Map<string, Petrel>;
  host(name: string): LanHost;
  /** The member's IPv4 address. */
  ip(name: string): string;
  petrel(name: string): Petrel;
  /** Start petrel on each named member with `yaml` as its datastore, all at once. */
  startPetrels(names: readonly string[], yaml: string): Promise<void>;
  /** Give every running petrel a new datastore (an atomic replace, as the file datastore expects). */
  apply(yaml: string): void;
}

/**
 * A bridged LAN with one namespace per member (host numbers in the order
 * given, from 1); nothing is started yet.
 */
export async function clusterLab(label: string, members: readonly string[]): Promise<ClusterLab> {
  const lan = await createLan(`${label}-lan`);
  const s = nextSubnet();
  const hosts = new Map<string, LanHost>();
  await Promise.all(
    members.map(async (name, i) => {
      const ns = await createNs(`${label}-${name}`.slice(0, 24));
      await lan.join(ns, [`${s.v4(i + 1)}/${s.len4}`, `${s.v6(i + 1)}/${s.len6}`]);
      hosts.set(name, { ns, v4: s.v4(i + 1), v6: s.v6(i + 1) });
    }),
  );
  const petrels = new Map<string, Petrel>();
  const host = (name: string): LanHost => {
    const h = hosts.get(name);
    if (!h) throw new Error(`no member ${name} in this lab`);
    return h;
  };
  return {
    len4: s.len4,
    hosts,
    petrels,
    host,
    ip: (name) => host(name).v4,
    petrel(name) {
      const p = petrels.get(name);
      if (!p) throw new Error(`no petrel runs on ${name}`);
      return p;
    },
    async startPetrels(names, yaml) {
      // Under load a node can take a while to compile and start: generous.
      const started = await Promise.all(names.map((node) => startPetrel({ ns: host(node).ns, node, yaml, startTimeoutMs: 60_000 })));
      started.forEach((p) => petrels.set(p.node, p));
    },
    apply(yaml) {
      for (const p of petrels.values()) {
        writeFileSync(`${p.datastorePath}.tmp`, yaml);
        renameSync(`${p.datastorePath}.tmp`, p.datastorePath);
      }
    },
  };
}

// ------------------------------------------------------------------ petrel's Loc-RIB

/** Every path in petrel's Loc-RIB (both families), best first per prefix. */
export async function locRib(p: Petrel): Promise<PathInfo[]> {
  return p.routes('loc', '');
}

/** The Loc-RIB's paths for one prefix. */
export async function locPaths(p: Petrel, prefix: string): Promise<PathInfo[]> {
  const want = canonicalPrefix(prefix);
  return (await locRib(p)).filter((x) => canonicalPrefix(x.prefix) === want);
}

/** Wait until petrel's Loc-RIB holds `prefix` with paths that satisfy `match` (given all of them, best first). */
export async function waitForLoc(
  p: Petrel,
  prefix: string,
  what: string,
  match: (paths: PathInfo[]) => boolean = (ps) => ps.some((x) => x.best),
  timeoutMs = 30_000,
): Promise<PathInfo[]> {
  let seen: PathInfo[] = [];
  return waitFor(
    () => `petrel ${p.node}: ${prefix} in the Loc-RIB ${what} (seen: ${JSON.stringify(seen.map(brief))})`,
    timeoutMs,
    async () => {
      seen = await locPaths(p, prefix);
      return match(seen) ? seen : undefined;
    },
  );
}

export async function waitForNoLoc(p: Petrel, prefix: string, timeoutMs = 30_000): Promise<void> {
  let seen: PathInfo[] = [];
  await waitFor(
    () => `petrel ${p.node}: ${prefix} gone from the Loc-RIB (seen: ${JSON.stringify(seen.map(brief))})`,
    timeoutMs,
    async () => {
      seen = await locPaths(p, prefix);
      return seen.length === 0 ? true : undefined;
    },
  );
}

/** The parts of a path that tell where it came from, for messages. */
export function brief(x: PathInfo): Record<string, unknown> {
  return {
    prefix: x.prefix,
    best: x.best,
    source: x.source,
    from: x.sourceAddress,
    nextHops: x.nextHops,
    asPath: x.asPath.flatMap((s) => s.numbers),
    originatorId: x.originatorId,
    clusterList: x.clusterList,
    stale: x.stale,
  };
}

/** A flat AS_PATH. */
export const asPathOf = (x: PathInfo): number[] => x.asPath.flatMap((s) => [...s.numbers]);

/** A peer route as text for messages (RouteInfo holds a Map). */
export function routeText(r: RouteInfo | readonly RouteInfo[]): string {
  return JSON.stringify(r, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v));
}
