/**
 * The BGP sessions of one node (confd bgp_processor.go): the node-to-node
 * mesh, then global and node-specific peerings (local workload peerings are
 * in local-workloads.ts), each turned into a session
 * with Calico's options: ports, passwords, timers, TTL security, next hop,
 * route-reflector clients and the lexical passive rule.
 */
import { ipForProtocolName, type Family, type IpAddress } from '../address.js';
import type { BgpPeer, SecretKeyRef } from '../resources/types.js';
import { roundSeconds } from '../values.js';
import type { ClusterView, NodeView } from './cluster.js';
import type { DesiredPeer, NextHopMode, PeerType } from './desired-state.js';
import { filtersForPeer } from './filters.js';
import { peeringsForNode, type Peering } from './peerings.js';

/** BIRD's bare `multihop;`: TTL 64. */
export const DEFAULT_MULTIHOP = 64;

export interface PeerContext {
  readonly cluster: ClusterView;
  readonly me: NodeView;
  /** The AS this node speaks (its own or the global one). */
  readonly asNumber: number;
  readonly warnings: string[];
}

function secret(ctx: PeerContext, ref: SecretKeyRef | undefined, owner: string): string | null {
  if (ref === undefined) return null;
  const value = ctx.cluster.resources.secrets.get(ref.name)?.data[ref.key];
  if (value === undefined) {
    ctx.warnings.push(`${owner}: Secret "${ref.name}" key "${ref.key}" not found; peering without a password`);
    return null;
  }
  return value;
}

export function myAddress(me: NodeView, family: Family): IpAddress | undefined {
  return (family === 'ipv4' ? me.ipv4 : me.ipv6)?.ip;
}

/** Calico makes mesh peerings one-directional: the node with the lexically smaller address listens. */
function lexicallyGreater(peer: IpAddress, mine: IpAddress): boolean {
  return peer.text > mine.text;
}

export function meshPeers(ctx: PeerContext): DesiredPeer[] {
  const { cluster, me } = ctx;
  const global = cluster.global;
  if (me.rrClusterId !== undefined) return []; // a route reflector never joins the mesh
  if (global.nodeToNodeMeshEnabled === false) return [];
  const password = secret(ctx, global.nodeMeshPassword, 'BGPConfiguration "default" spec.nodeMeshPassword');
  const restart = global.nodeMeshMaxRestartTime !== undefined ? roundSeconds(global.nodeMeshMaxRestartTime) : null;
  const out: DesiredPeer[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const mine = myAddress(me, family);
    if (mine === undefined) continue;
    for (const n of cluster.nodes) {
      const addr = (family === 'ipv4' ? n.ipv4 : n.ipv6)?.ip;
      if (addr === undefined || addr.text === mine.text) continue;
      if (n.rrClusterId !== undefined) continue; // route reflectors are peered explicitly
      out.push({
        name: `Mesh_${ipForProtocolName(addr)}`,
        address: addr.text,
        port: cluster.listenPortOf(n),
        asNumber: n.asNumber,
        localAsNumber: null,
        type: 'mesh',
        family,
        passive: lexicallyGreater(addr, mine),
        routeReflectorClient: false,
        clusterId: null,
        password,
        gracefulRestartTime: restart,
        keepaliveTime: null,
        ttlSecurity: false,
        multihop: DEFAULT_MULTIHOP,
        nextHop: 'auto',
        sourceAddress: mine.text,
        localAddress: null,
        allowLocalAs: null,
        reachableBy: null,
        importFilters: [],
        exportFilters: [],
        internal: n.asNumber === ctx.asNumber,
        fromBgpPeer: null,
        workload: null,
      });
    }
  }
  return out;
}

/** The session options a BGPPeer resource gives every peering it makes (confd buildPeerFromData). */
export type BgpPeerOptions = Pick<
  DesiredPeer,
  | 'localAsNumber'
  | 'internal'
  | 'routeReflectorClient'
  | 'clusterId'
  | 'password'
  | 'gracefulRestartTime'
  | 'keepaliveTime'
  | 'ttlSecurity'
  | 'multihop'
  | 'nextHop'
  | 'allowLocalAs'
  | 'importFilters'
  | 'exportFilters'
  | 'fromBgpPeer'
  | 'maxPrefixes'
>;

/**
 * Options from a BGPPeer for a peering with `peerAs` (whose route-reflector
 * cluster is `peerClusterId`, '' for a non-Calico peer) in `family`.
 */
export function bgpPeerOptions(ctx: PeerContext, from: BgpPeer, family: Family, peerAs: number, peerClusterId: string): BgpPeerOptions {
  const spec = from.spec;
  const localAs = spec.localASNumber !== undefined && spec.localASNumber !== 0 ? spec.localASNumber : null;
  const effectiveAs = localAs ?? ctx.asNumber;
  const internal = peerAs === effectiveAs;
  const ttl = spec.ttlSecurity ?? 0;

  let nextHop: NextHopMode = 'auto';
  if (spec.nextHopMode === 'Self') nextHop = 'self';
  else if (spec.nextHopMode === 'Keep') nextHop = 'keep';
  else if (spec.nextHopMode === undefined && spec.keepOriginalNextHop === true && !internal) nextHop = 'keep'; // legacy field, eBGP only

  const myCluster = ctx.me.rrClusterId;
  const rrClient = internal && myCluster !== undefined && peerClusterId !== myCluster;
  return {
    localAsNumber: localAs,
    internal,
    routeReflectorClient: rrClient,
    clusterId: rrClient ? myCluster! : null,
    password: secret(ctx, spec.password, `BGPPeer "${from.name}" spec.password`),
    gracefulRestartTime: spec.maxRestartTime !== undefined ? roundSeconds(spec.maxRestartTime) : null,
    keepaliveTime: spec.keepaliveTime !== undefined ? roundSeconds(spec.keepaliveTime) : null,
    ttlSecurity: ttl > 0,
    multihop: ttl > 0 ? ttl : DEFAULT_MULTIHOP,
    nextHop,
    allowLocalAs: spec.numAllowedLocalASNumbers !== undefined && spec.numAllowedLocalASNumbers > 0 ? spec.numAllowedLocalASNumbers : null,
    importFilters: filtersForPeer(ctx.cluster.resources, spec.filters, 'import', family),
    exportFilters: filtersForPeer(ctx.cluster.resources, spec.filters, 'export', family),
    fromBgpPeer: from.name,
    ...(from.maxPrefixes ? { maxPrefixes: from.maxPrefixes } : {}),
  };
}

export function peeringToPeer(ctx: PeerContext, p: Peering): DesiredPeer | null {
  const family = p.ip.family;
  const mine = myAddress(ctx.me, family);
  if (mine === undefined || p.ip.text === mine.text) return null;
  const spec = p.from.spec;
  const type: PeerType = p.scope === 'global' ? 'global' : 'node';
  const prefix = type === 'global' ? 'Global' : 'Node';
  const options = bgpPeerOptions(ctx, p.from, family, p.asNumber, p.rrClusterId);

  // The lexical passive rule covers global peerings to Calico nodes (mesh has its own).
  const passive = type === 'global' && p.calicoNode && lexicallyGreater(p.ip, mine);

  return {
    name: `${prefix}_${ipForProtocolName(p.ip)}${p.port !== null ? `_port_${p.port}` : ''}`,
    address: p.ip.text,
    port: p.port,
    asNumber: p.asNumber,
    type,
    family,
    passive,
    sourceAddress: (spec.sourceAddress ?? 'UseNodeIP') === 'UseNodeIP' ? mine.text : null,
    localAddress: null,
    reachableBy: spec.reachableBy !== undefined && spec.reachableBy.family === family ? spec.reachableBy.text : null,
    ...options,
    workload: null,
  };
}

/** Every session of the node (with the local workload sessions given), sorted by protocol name as confd sorts them. */
export function peersForNode(ctx: PeerContext, localWorkloads: readonly DesiredPeer[] = []): DesiredPeer[] {
  const peers = [...meshPeers(ctx), ...localWorkloads];
  for (const p of peeringsForNode(ctx.cluster, ctx.me.name)) {
    const peer = peeringToPeer(ctx, p);
    if (peer) peers.push(peer);
  }
  const seen = new Set<string>();
  const unique = peers.filter((p) => {
    // A mesh session and an explicit one to the same node get different names, as in Calico;
    // only an exact name clash (impossible from distinct keys) is dropped.
    if (seen.has(p.name)) return false;
    seen.add(p.name);
    return true;
  });
  return unique.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
