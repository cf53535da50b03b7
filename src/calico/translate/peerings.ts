/**
 * BGPPeer resources expanded into the peerings of one node, as confd's
 * updatePeersV1 does: global BGPPeers first (they win over node-specific
 * peerings to the same address and port), then node-specific ones, then the
 * automatic reverse peerings that make selector and Calico-node peerings
 * symmetric. A peering is keyed by peer address and port; the first one
 * emitted for a key wins, and BGPPeers are visited in name order so the
 * winner is deterministic.
 */
import type { Family, IpAddress } from '../address.js';
import type { BgpPeer } from '../resources/types.js';
import type { ClusterView, NodeView } from './cluster.js';

export interface Peering {
  readonly scope: 'global' | 'node';
  readonly ip: IpAddress;
  readonly port: number | null;
  readonly asNumber: number;
  /** The remote node's route-reflector cluster ID ('' for non-Calico peers). */
  readonly rrClusterId: string;
  /** The address is a Calico node's (the passive rule applies). */
  readonly calicoNode: boolean;
  readonly from: BgpPeer;
}

const keyOf = (ip: IpAddress, port: number | null): string => `${ip.text}|${port ?? 0}`;

/** The peerings of a node as seen from BGPPeer resources: one per (address, port), ordered by key. */
export function peeringsForNode(cluster: ClusterView, me: string): Peering[] {
  const global = new Map<string, Peering>();
  const local = new Map<string, Peering>();
  const bgpPeers = cluster.resources.bgpPeers.filter((p) => p.spec.localWorkloadSelector === undefined);

  const emit = (p: Peering): void => {
    const k = keyOf(p.ip, p.port);
    if (p.scope === 'global') {
      if (!global.has(k)) global.set(k, p);
    } else if (!local.has(k) && !global.has(k)) {
      local.set(k, p);
    }
  };

  for (const globalPass of [true, false]) {
    for (const bp of bgpPeers) {
      const isGlobal = bp.spec.node === undefined && bp.spec.nodeSelector === undefined;
      if (isGlobal !== globalPass) continue;
      if (!globalPass && !localNodeNames(cluster, bp).includes(me)) continue;
      for (const p of forwardPeers(cluster, bp, globalPass ? 'global' : 'node')) emit(p);
    }
  }

  for (const bp of bgpPeers) {
    if (bp.spec.reversePeering === 'Manual') continue;
    let remoteSide: NodeView[];
    let families: Family[];
    if (bp.spec.peerSelector !== undefined) {
      remoteSide = cluster.nodesMatching(bp.spec.peerSelector.selector);
      families = ['ipv4', 'ipv6'];
    } else if (bp.spec.peerIP !== undefined) {
      remoteSide = cluster.nodesWithIpPortAndAs(bp.spec.peerIP.ip, bp.spec.asNumber ?? 0, bp.spec.peerIP.port);
      families = [bp.spec.peerIP.ip.family];
    } else {
      continue;
    }
    if (!remoteSide.some((n) => n.name === me)) continue;
    const selecting =
      bp.spec.nodeSelector !== undefined
        ? cluster.nodesMatching(bp.spec.nodeSelector.selector)
        : bp.spec.node !== undefined
          ? [cluster.node(bp.spec.node)].filter((n): n is NodeView => n !== undefined)
          : cluster.nodes;
    for (const n of selecting) for (const p of nodeAsPeers(cluster, n, families, bp, 'node')) emit(p);
  }

  return [...global.values(), ...local.values()];
}

/** The nodes a BGPPeer configures (node, nodeSelector); empty for a global BGPPeer. */
function localNodeNames(cluster: ClusterView, bp: BgpPeer): string[] {
  if (bp.spec.nodeSelector !== undefined) return cluster.nodesMatching(bp.spec.nodeSelector.selector).map((n) => n.name);
  if (bp.spec.node !== undefined) return [bp.spec.node];
  return [];
}

function forwardPeers(cluster: ClusterView, bp: BgpPeer, scope: 'global' | 'node'): Peering[] {
  if (bp.spec.peerSelector !== undefined) {
    return cluster.nodesMatching(bp.spec.peerSelector.selector).flatMap((n) => nodeAsPeers(cluster, n, ['ipv4', 'ipv6'], bp, scope));
  }
  const target = bp.spec.peerIP;
  if (target === undefined) return [];
  let port = target.port;
  if (port === null) {
    // No port given and the peer is a Calico node: use the port that node listens on.
    const nodes = cluster.nodesWithIpPortAndAs(target.ip, bp.spec.asNumber ?? 0, null);
    if (nodes[0] !== undefined) port = cluster.listenPortOf(nodes[0]);
  }
  return [
    {
      scope,
      ip: target.ip,
      port,
      asNumber: bp.spec.asNumber ?? 0,
      rrClusterId: '',
      calicoNode: cluster.isCalicoNodeIp(target.ip),
      from: bp,
    },
  ];
}

/** A Calico node as a peer: one peering per family it has an address in (client.go nodeAsBGPPeers). */
function nodeAsPeers(cluster: ClusterView, n: NodeView, families: Family[], bp: BgpPeer, scope: 'global' | 'node'): Peering[] {
  const out: Peering[] = [];
  for (const family of families) {
    const addr = family === 'ipv4' ? n.ipv4 : n.ipv6;
    if (addr === undefined) continue;
    out.push({
      scope,
      ip: addr.ip,
      port: cluster.listenPortOf(n),
      asNumber: n.asNumber,
      rrClusterId: n.rrClusterId ?? '',
      calicoNode: false,
      from: bp,
    });
  }
  return out;
}
