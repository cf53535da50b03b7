/**
 * computeDesiredState: Calico resources and one node's name in, everything
 * that node's BIRD would have been configured with out.
 */
import { parseCidr } from '../address.js';
import type { CalicoResources } from '../resources/types.js';
import { ClusterView } from './cluster.js';
import { communityAdvertisements } from './communities.js';
import type { DesiredState, OriginatedPrefix, VxlanTunnel } from './desired-state.js';
import type { EndpointStatus } from '../datastore/endpoint-status.js';
import { localWorkloadPeers, workloadsFromEndpoints, workloadsFromStatuses } from './local-workloads.js';
import { peersForNode, type PeerContext } from './peers.js';
import {
  clusterRoutePolicy,
  DEFAULT_PROGRAM_CLUSTER_ROUTES,
  evaluateExport,
  exportRules,
  kernelRules,
  nodeBlocks,
  poolStates,
} from './policy.js';
import { routerIdFor } from './router-id.js';
import { byDatastoreKey, parseClusterIpsEnv, serviceRanges } from './services.js';

/** Process environment confd consulted. */
export interface TranslationEnv {
  readonly CALICO_ROUTER_ID?: string;
  readonly CALICO_ADVERTISE_CLUSTER_IPS?: string;
}

/** Inputs that are not Calico resources. */
export interface TranslationInputs {
  /**
   * Felix's endpoint-status files for this node (readEndpointStatusDir): the
   * local workloads Felix selected for local BGP peering, as confd reads them.
   * They are added to the WorkloadEndpoint resources of the datastore; a
   * workload address found in both is peered once, as the status file says.
   */
  readonly endpointStatuses?: readonly EndpointStatus[];
}

export class UnknownNodeError extends Error {
  constructor(readonly nodeName: string, known: readonly string[]) {
    super(`Node "${nodeName}" is not in the datastore${known.length > 0 ? ` (nodes: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', ...' : ''})` : ' (it has no Node resources)'}`);
    this.name = 'UnknownNodeError';
  }
}

const DEFAULT_NORMAL_PRIORITY = 1024;

/** Every other node with a complete IPv4 VTEP (address and MAC) and a BGP address, by name. */
function vxlanTunnels(cluster: ClusterView, me: string): VxlanTunnel[] {
  const out: VxlanTunnel[] = [];
  for (const n of cluster.nodes) {
    const vtep = n.node.ipv4VXLANTunnelAddr;
    const mac = n.node.vxlanTunnelMACAddr;
    if (n.name === me || !n.ipv4 || !vtep || !mac) continue;
    out.push({ node: n.name, nodeIp: n.ipv4.ip.text, vtepIp: vtep.text, vtepMac: mac });
  }
  return out.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}

export function computeDesiredState(resources: CalicoResources, nodeName: string, env: TranslationEnv = {}, inputs: TranslationInputs = {}): DesiredState {
  const cluster = new ClusterView(resources);
  const me = cluster.node(nodeName);
  if (me === undefined) throw new UnknownNodeError(nodeName, cluster.nodes.map((n) => n.name));
  const g = cluster.global;
  const perNode = resources.bgpConfigurations.get(`node.${nodeName}`)?.spec;
  const warnings = resources.warnings.map((w) => `${w.kind} "${w.name}" ${w.field}: ${w.problem}`);
  const asNumber = me.asNumber;

  const ctx: PeerContext = { cluster, me, asNumber, warnings };
  const workloads = [...workloadsFromStatuses(ctx, inputs.endpointStatuses ?? []), ...workloadsFromEndpoints(ctx)];
  const local = localWorkloadPeers(ctx, workloads);
  const peers = peersForNode(ctx, local);

  const pcr = g.programClusterRoutes ?? DEFAULT_PROGRAM_CLUSTER_ROUTES;
  const policy = clusterRoutePolicy(pcr);
  const services = serviceRanges(cluster, me, parseClusterIpsEnv(env.CALICO_ADVERTISE_CLUSTER_IPS, parseCidr));
  const blocks4 = nodeBlocks(resources.blockAffinities, nodeName, 'ipv4');
  const blocks6 = nodeBlocks(resources.blockAffinities, nodeName, 'ipv6');
  const exportPolicy = {
    ipv4: exportRules(policy, me, 'ipv4', resources.ipPools, blocks4, services),
    ipv6: exportRules(policy, me, 'ipv6', resources.ipPools, blocks6, services),
  };
  const kernelPolicy = {
    ipv4: kernelRules(policy, cluster, me, 'ipv4', resources.ipPools, services),
    ipv6: kernelRules(policy, cluster, me, 'ipv6', resources.ipPools, services),
  };
  const normalRoutePriority = {
    ipv4: g.ipv4NormalRoutePriority ?? DEFAULT_NORMAL_PRIORITY,
    ipv6: g.ipv6NormalRoutePriority ?? DEFAULT_NORMAL_PRIORITY,
  };

  // Originated prefixes: affine blocks (a /32 or /128 block has no blackhole), then service ranges.
  const originate: OriginatedPrefix[] = [];
  for (const [family, blocks] of [['ipv4', blocks4], ['ipv6', blocks6]] as const) {
    const host = family === 'ipv4' ? 32 : 128;
    const origin = [
      ...blocks.map((b) => ({ cidr: b.cidr, blackhole: b.cidr.prefix.len !== host })),
      ...services.staticRoutes.filter((c) => c.family === family).map((cidr) => ({ cidr, blackhole: true })),
    ];
    for (const o of origin) {
      const verdict = evaluateExport(exportPolicy[family], { prefix: o.cidr, internalPeer: true }, normalRoutePriority[family], parseCidr);
      originate.push({ prefix: o.cidr.text, blackhole: o.blackhole, exported: verdict === 'accept' });
    }
  }

  const staticRoutesVia = peers
    .filter((p) => p.reachableBy !== null && p.type !== 'mesh')
    .map((p) => ({ prefix: `${p.address}/${p.family === 'ipv4' ? 32 : 128}`, via: p.reachableBy! }));

  const lvl = (perNode?.logSeverityScreen ?? g.logSeverityScreen ?? 'info').toLowerCase();
  const logLevel = lvl === 'debug' ? 'debug' : lvl === 'info' ? 'info' : 'none';

  const listenPort = perNode?.listenPort ?? g.listenPort ?? null;
  const bindNodeIp = g.bindMode === 'NodeIP';
  const addrV4 = bindNodeIp ? (me.ipv4?.ip.text ?? null) : null;
  const addrV6 = bindNodeIp ? (me.ipv6?.ip.text ?? null) : null;
  const routerId = routerIdFor(nodeName, me.ipv4?.ip.text, env.CALICO_ROUTER_ID);
  if (routerId === null) warnings.push(`Node "${nodeName}" has no IPv4 address: set CALICO_ROUTER_ID (an IPv4 address or "hash") to give BGP a router ID`);
  for (const family of ['ipv4', 'ipv6'] as const) {
    const n = local.filter((p) => p.family === family).length;
    if (n === 0) continue;
    const field = family === 'ipv4' ? 'localWorkloadPeeringIPV4' : 'localWorkloadPeeringIPV6';
    if (local.some((p) => p.family === family && p.localAddress === null)) {
      warnings.push(`BGPConfiguration "default" spec.${field} is not set: Felix gives the ${n} local workload peer(s) of ${family} no address on this node to connect to`);
    } else if (bindNodeIp) {
      warnings.push(`BGPConfiguration "default" spec.bindMode NodeIP: BGP listens on the node IP only, so the ${n} local workload peer(s) of ${family} cannot connect to ${local.find((p) => p.family === family)!.localAddress} (as with BIRD)`);
    }
  }
  if (me.ipv4 === undefined && me.ipv6 === undefined) warnings.push(`Node "${nodeName}" has no BGP address (spec.bgp.ipv4Address / ipv6Address): it has no BGP sessions`);

  return {
    node: nodeName,
    routerId,
    asNumber,
    listen: { address: addrV4 ?? addrV6, port: listenPort, addresses: { ipv4: addrV4, ipv6: addrV6 } },
    nodeAddresses: {
      ipv4: me.ipv4 ? { ip: me.ipv4.ip.text, network: me.ipv4.network.text } : null,
      ipv6: me.ipv6 ? { ip: me.ipv6.ip.text, network: me.ipv6.network.text } : null,
    },
    peers,
    originate,
    pools: poolStates(policy, me, resources.ipPools),
    communities: communityAdvertisements(g, perNode),
    kernelReject: [...services.rejectCidrs].sort(byDatastoreKey).map((c) => c.text),
    exportPolicy,
    kernelPolicy,
    staticRoutesVia,
    programClusterRoutes: pcr,
    logLevel,
    ignoredInterfaces: [...(g.ignoredInterfaces ?? []), 'cali*', 'kube-ipvs*'],
    normalRoutePriority,
    warnings,
    vxlanTunnels: vxlanTunnels(cluster, nodeName),
  };
}
