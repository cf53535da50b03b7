/**
 * Route policy of one node, per family (confd bgp_processor.go processIPPools
 * and the bird*_ipam/aggr templates): what is exported to peers, what is
 * installed in the kernel and through which device, and which IP pools
 * Felix rather than BIRD programs under BGPConfiguration.programClusterRoutes.
 */
import { cidrContains, type Cidr, type Family } from '../address.js';
import type { BlockAffinity, IpPool, ProgramClusterRoutes } from '../resources/types.js';
import type { ClusterView, NodeView } from './cluster.js';
import type { ExportRule, KernelMode, KernelRule, PoolState } from './desired-state.js';
import { byDatastoreKey, type ServiceRanges } from './services.js';

/** Which pools' cluster routes BIRD (here: petrel) programs; Felix programs the rest. */
export interface ClusterRoutePolicy {
  readonly ipip: boolean;
  readonly noEncap: boolean;
}

/** Calico's development-branch default is EnabledNoEncapOnly: Felix programs IPIP routes. */
export const DEFAULT_PROGRAM_CLUSTER_ROUTES: ProgramClusterRoutes = 'EnabledNoEncapOnly';

export function clusterRoutePolicy(v: ProgramClusterRoutes): ClusterRoutePolicy {
  switch (v) {
    case 'Disabled':
      return { ipip: false, noEncap: false };
    case 'Enabled':
      return { ipip: true, noEncap: true };
    case 'EnabledIPIPOnly':
      return { ipip: true, noEncap: false };
    case 'EnabledNoEncapOnly':
      return { ipip: false, noEncap: true };
  }
}

const usesVxlan = (p: IpPool): boolean => p.vxlanMode !== 'Never';
const usesIpip = (p: IpPool): boolean => p.ipipMode !== 'Never';

export function programsPool(policy: ClusterRoutePolicy, p: IpPool): boolean {
  if (usesVxlan(p)) return false;
  if (usesIpip(p)) return policy.ipip;
  return policy.noEncap;
}

function addressOf(me: NodeView, f: Family) {
  return f === 'ipv4' ? me.ipv4 : me.ipv6;
}

/** How BGP routes into a pool reach the kernel on this node. */
export function kernelModeFor(policy: ClusterRoutePolicy, me: NodeView, p: IpPool): KernelMode {
  if (addressOf(me, p.cidr.family) === undefined) return 'none';
  if (usesVxlan(p)) return 'vxlan';
  if (!programsPool(policy, p)) return 'felix';
  if (p.cidr.family === 'ipv4' && p.ipipMode === 'Always') return 'tunl0';
  if (p.cidr.family === 'ipv4' && p.ipipMode === 'CrossSubnet') return 'crosssubnet';
  return 'nic';
}

export function sortedPools(pools: readonly IpPool[]): IpPool[] {
  return [...pools].sort((a, b) => byDatastoreKey(a.cidr, b.cidr));
}

export function poolStates(policy: ClusterRoutePolicy, me: NodeView, pools: readonly IpPool[]): PoolState[] {
  return sortedPools(pools).map((p) => ({
    cidr: p.cidr.text,
    ipipMode: p.ipipMode,
    vxlanMode: p.vxlanMode,
    disableBGPExport: p.disableBGPExport,
    kernel: kernelModeFor(policy, me, p),
  }));
}

/** Blocks a node originates: affine, not deleted, not pending (confd treats pending as absent). */
export function nodeBlocks(blocks: readonly BlockAffinity[], me: string, family: Family): BlockAffinity[] {
  return blocks
    .filter((b) => b.node === me && !b.deleted && b.state !== 'pending' && b.cidr.family === family)
    .sort((a, b) => byDatastoreKey(a.cidr, b.cidr));
}

/** Confirmed blocks (or blocks with no state) are aggregated: the block is exported, the /32s inside it are not. */
export function aggregatedBlock(b: BlockAffinity): boolean {
  return b.state === 'confirmed' || b.state === '';
}

export function exportRules(
  policy: ClusterRoutePolicy,
  me: NodeView,
  family: Family,
  pools: readonly IpPool[],
  blocks: readonly BlockAffinity[],
  services: ServiceRanges,
): ExportRule[] {
  const fam = sortedPools(pools).filter((p) => p.cidr.family === family);
  const rules: ExportRule[] = [];
  for (const p of fam) if (p.disableBGPExport) rules.push({ rule: 'rejectPrefix', prefix: p.cidr.text });
  // Felix's device routes (VXLAN, WireGuard, and IPIP when Felix owns it) never go to iBGP peers.
  rules.push({ rule: 'rejectInterfaces', internalOnly: true, interfaces: policy.ipip ? ['*.cali', '*.calico'] : ['*.cali', '*.calico', 'tunl0'] });
  rules.push({ rule: 'rejectInterfaces', internalOnly: false, interfaces: ['bpf*.cali'] });
  rules.push({ rule: 'applyCommunities' });
  for (const b of blocks) if (aggregatedBlock(b)) rules.push({ rule: 'block', prefix: b.cidr.text });
  for (const c of services.staticRoutes) if (c.family === family) rules.push({ rule: 'acceptPrefix', prefix: c.text, reason: 'staticRoute' });
  if (me.rrClusterId !== undefined) {
    for (const c of services.reflectedServiceCidrs) if (c.family === family) rules.push({ rule: 'acceptPrefix', prefix: c.text, reason: 'serviceAddress' });
  }
  for (const p of fam) if (!p.disableBGPExport) rules.push({ rule: 'acceptPrefix', prefix: p.cidr.text, reason: 'pool' });
  return rules;
}

export function kernelRules(
  policy: ClusterRoutePolicy,
  cluster: ClusterView,
  me: NodeView,
  family: Family,
  pools: readonly IpPool[],
  services: ServiceRanges,
): KernelRule[] {
  const rules: KernelRule[] = [];
  for (const c of services.rejectCidrs) if (c.family === family) rules.push({ rule: 'rejectPrefix', prefix: c.text, reason: 'serviceRange' });
  // With WireGuard on this node, Felix routes to WireGuard peers through the tunnel device.
  const myWg = family === 'ipv4' ? me.node.wireguard?.interfaceIPv4Address : me.node.wireguard?.interfaceIPv6Address;
  if (myWg !== undefined) {
    const hops: string[] = [];
    for (const n of cluster.nodes) {
      if (n.name === me.name) continue;
      const wg = family === 'ipv4' ? n.node.wireguard?.interfaceIPv4Address : n.node.wireguard?.interfaceIPv6Address;
      const ip = (family === 'ipv4' ? n.ipv4 : n.ipv6)?.ip.text;
      if (wg !== undefined && ip !== undefined) hops.push(ip);
    }
    for (const h of hops.sort()) rules.push({ rule: 'rejectNextHop', nextHop: h, reason: 'wireguard' });
  }
  const mine = addressOf(me, family);
  // Without an address in the family the node has no sessions there; IPv4 pool rules need the subnet.
  if (mine !== undefined) {
    for (const p of sortedPools(pools).filter((x) => x.cidr.family === family)) {
      const mode = kernelModeFor(policy, me, p);
      const reject = mode === 'vxlan' || mode === 'felix';
      rules.push({
        rule: 'pool',
        prefix: p.cidr.text,
        action: reject ? 'reject' : 'accept',
        tunnel: mode === 'tunl0' ? 'tunl0' : mode === 'crosssubnet' ? 'crosssubnet' : null,
        localSubnet: mode === 'crosssubnet' ? mine.network.text : null,
      });
    }
  }
  return rules;
}

/** A route offered to the export chain. */
export interface ExportCandidate {
  readonly prefix: Cidr;
  /** Outgoing interface of a kernel route, if any. */
  readonly ifname?: string;
  /** Felix's krt_metric; routes without one count as normal priority. */
  readonly krtMetric?: number;
  /** The peer is iBGP (calico_export_to_bgp_peers(true)). */
  readonly internalPeer: boolean;
}

/** BIRD's interface glob (`*` any run, `?` one character). */
export function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(name);
}

/**
 * Run the export chain on a route: the first accept or reject wins, the end
 * rejects. `parse` turns a rule's prefix text into a CIDR.
 */
export function evaluateExport(rules: readonly ExportRule[], route: ExportCandidate, normalPriority: number, parse: (s: string) => Cidr | null): 'accept' | 'reject' {
  const within = (prefix: string): boolean => {
    const c = parse(prefix);
    return c !== null && cidrContains(c, route.prefix);
  };
  for (const r of rules) {
    switch (r.rule) {
      case 'rejectPrefix':
        if (within(r.prefix)) return 'reject';
        break;
      case 'rejectInterfaces':
        if ((!r.internalOnly || route.internalPeer) && route.ifname !== undefined && r.interfaces.some((g) => globMatch(g, route.ifname!))) return 'reject';
        break;
      case 'applyCommunities':
        break;
      case 'block': {
        const c = parse(r.prefix);
        if (c === null) break;
        // The block itself (compared as a prefix: the route's text may not be built on hot paths).
        if (c.prefix.len === route.prefix.prefix.len && cidrContains(c, route.prefix)) return 'accept';
        if (cidrContains(c, route.prefix)) return (route.krtMetric ?? normalPriority) < normalPriority ? 'accept' : 'reject';
        break;
      }
      case 'acceptPrefix':
        if (within(r.prefix)) return 'accept';
        break;
    }
  }
  return 'reject';
}
