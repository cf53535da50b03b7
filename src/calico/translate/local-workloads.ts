/**
 * Local workload peering: BGP sessions between this node and workloads
 * (pods) running on it, selected by a BGPPeer's localWorkloadSelector. In
 * Calico two components share the work:
 *
 * - Felix (felix/calc/active_bpgpeer_calculator.go) matches. A BGPPeer is
 *   active on a node when its `node` is the node, or, with no `node`, when its
 *   `nodeSelector` (empty: every node) matches the node's labels. Each local
 *   WorkloadEndpoint whose labels (its own, then its profiles') match the
 *   localWorkloadSelector of active BGPPeers gets exactly one of them, the
 *   first by name. Felix writes the choice as `bgpPeerName` into the
 *   endpoint's status file (see datastore/endpoint-status.ts) and puts
 *   localWorkloadPeeringIPV4/IPV6 on the workload's interface.
 * - confd (local_bgp_peer_watcher.go, bgp_processor.go) turns each status
 *   file with a bgpPeerName into one session per family: the IP of the first
 *   of ipv4Nets (and of ipv6Nets), named `Local_Workload_<ip>`, with the AS,
 *   local AS, filters, password and timers of that BGPPeer, `passive on;` and
 *   no source address (golden explicit_peering/local_bgp_peer).
 *
 * petrel does both: from WorkloadEndpoint resources it does Felix's part and
 * then confd's; from endpoint-status files (what Felix wrote) only confd's.
 */
import { ipForProtocolName, parseIpWithNetwork, type Family, type IpAddress } from '../address.js';
import type { EndpointStatus } from '../datastore/endpoint-status.js';
import type { BgpPeer, WorkloadEndpoint } from '../resources/types.js';
import { evaluateSelector, type Labels } from '../selector/index.js';
import type { NodeView } from './cluster.js';
import type { DesiredPeer } from './desired-state.js';
import { bgpPeerOptions, myAddress, type PeerContext } from './peers.js';

/** A workload this node peers with: which BGPPeer configures it and its address per family. */
export interface LocalWorkload {
  /** `WorkloadEndpoint <namespace>/<name>` or `endpoint-status <file>`. */
  readonly source: string;
  readonly bgpPeer: BgpPeer;
  readonly ipv4?: IpAddress;
  readonly ipv6?: IpAddress;
}

/** Felix's bgpPeerSelectsLocalNode: `node` names the node, or no `node` and `nodeSelector` (empty: all) matches it. */
export function bgpPeerSelectsNode(bp: BgpPeer, me: NodeView): boolean {
  if (bp.spec.node !== undefined) return bp.spec.node === me.name;
  return bp.spec.nodeSelector === undefined || evaluateSelector(bp.spec.nodeSelector.selector, me.node.labels);
}

/**
 * The labels selectors see on an endpoint (Felix's label index): its own,
 * then those of its profiles in order; the first to define a key wins.
 */
export function endpointLabels(wep: WorkloadEndpoint, profiles: ReadonlyMap<string, { readonly labelsToApply: Labels }>): Labels {
  const out: Record<string, string> = {};
  for (const name of [...wep.profiles].reverse()) Object.assign(out, profiles.get(name)?.labelsToApply ?? {});
  return Object.assign(out, wep.labels);
}

/**
 * Felix's ActiveBGPPeerCalculator for one endpoint on this node: of the
 * BGPPeers active on the node whose localWorkloadSelector matches, the first
 * by name (bgpPeers is sorted by name); undefined when none does.
 */
export function activeBgpPeerFor(bgpPeers: readonly BgpPeer[], me: NodeView, labels: Labels): BgpPeer | undefined {
  return bgpPeers.find((bp) => bp.spec.localWorkloadSelector !== undefined && bgpPeerSelectsNode(bp, me) && evaluateSelector(bp.spec.localWorkloadSelector.selector, labels));
}

/** The local workloads from WorkloadEndpoint resources on this node that a BGPPeer selects. */
export function workloadsFromEndpoints(ctx: PeerContext): LocalWorkload[] {
  const res = ctx.cluster.resources;
  const out: LocalWorkload[] = [];
  for (const wep of res.workloadEndpoints) {
    if (wep.node !== ctx.me.name) continue;
    const bgpPeer = activeBgpPeerFor(res.bgpPeers, ctx.me, endpointLabels(wep, res.profiles));
    if (bgpPeer === undefined) continue;
    const source = `WorkloadEndpoint ${wep.namespace}/${wep.name}`;
    const ipv4 = wep.ipNetworks.find((a) => a.ip.family === 'ipv4')?.ip;
    const ipv6 = wep.ipNetworks.find((a) => a.ip.family === 'ipv6')?.ip;
    if (ipv4 === undefined && ipv6 === undefined) {
      ctx.warnings.push(`${source}: selected by BGPPeer "${bgpPeer.name}" but has no spec.ipNetworks yet; no session until it does`);
      continue;
    }
    out.push({ source, bgpPeer, ...(ipv4 ? { ipv4 } : {}), ...(ipv6 ? { ipv6 } : {}) });
  }
  return out;
}

/**
 * One family of a status file as confd reads it: the address of the first
 * CIDR (Go net.ParseCIDR: a prefix length is required, the host bits are
 * kept). undefined when the list is empty; null when the first entry is bad.
 */
function firstAddress(nets: readonly string[], family: Family): IpAddress | undefined | null {
  const first = nets[0];
  if (first === undefined) return undefined;
  if (!first.includes('/')) return null;
  const parsed = parseIpWithNetwork(first);
  if (parsed === null || parsed.ip.family !== family) return null;
  return parsed.ip;
}

/** The local workloads in Felix's endpoint-status files (confd GetActiveLocalBGPPeers). */
export function workloadsFromStatuses(ctx: PeerContext, statuses: readonly EndpointStatus[]): LocalWorkload[] {
  const out: LocalWorkload[] = [];
  for (const s of statuses) {
    if (s.bgpPeerName === '') continue; // not selected for local peering
    const source = `endpoint-status ${s.file}`;
    const ipv4 = firstAddress(s.ipv4Nets, 'ipv4');
    const ipv6 = firstAddress(s.ipv6Nets, 'ipv6');
    if (ipv4 === null || ipv6 === null) {
      const bad = ipv4 === null ? `ipv4Nets[0] "${s.ipv4Nets[0]}"` : `ipv6Nets[0] "${s.ipv6Nets[0]}"`;
      ctx.warnings.push(`${source}: ${bad} is not an ${ipv4 === null ? 'IPv4' : 'IPv6'} CIDR; endpoint ignored for now`);
      continue;
    }
    if (ipv4 === undefined && ipv6 === undefined) {
      ctx.warnings.push(`${source}: no address yet; endpoint ignored for now`);
      continue;
    }
    const bgpPeer = ctx.cluster.resources.bgpPeers.find((bp) => bp.name === s.bgpPeerName);
    if (bgpPeer === undefined) {
      ctx.warnings.push(`${source}: BGPPeer "${s.bgpPeerName}" does not exist; no session`);
      continue;
    }
    out.push({ source, bgpPeer, ...(ipv4 ? { ipv4 } : {}), ...(ipv6 ? { ipv6 } : {}) });
  }
  return out;
}

/** The node's local workload peering address in a family (BGPConfiguration default), or null. */
export function peeringAddress(ctx: PeerContext, family: Family): string | null {
  const g = ctx.cluster.global;
  return (family === 'ipv4' ? g.localWorkloadPeeringIPV4 : g.localWorkloadPeeringIPV6)?.text ?? null;
}

/**
 * The sessions to local workloads, one per workload and family where this
 * node has an address (a family without one has no BGP at all). A second
 * workload with an address already peered with is dropped with a warning.
 */
export function localWorkloadPeers(ctx: PeerContext, workloads: readonly LocalWorkload[]): DesiredPeer[] {
  const out = new Map<string, DesiredPeer>();
  for (const w of workloads) {
    for (const family of ['ipv4', 'ipv6'] as const) {
      const ip = w[family];
      const mine = myAddress(ctx.me, family);
      if (ip === undefined || mine === undefined || ip.text === mine.text) continue;
      const name = `Local_Workload_${ipForProtocolName(ip)}`;
      const earlier = out.get(name);
      if (earlier) {
        ctx.warnings.push(`${w.source}: ${ip.text} is already peered as ${name} (${earlier.workload}); ignored`);
        continue;
      }
      out.set(name, {
        name,
        address: ip.text,
        port: null,
        asNumber: w.bgpPeer.spec.asNumber ?? 0,
        type: 'localWorkload',
        family,
        passive: true,
        sourceAddress: null,
        localAddress: peeringAddress(ctx, family),
        reachableBy: null,
        ...bgpPeerOptions(ctx, w.bgpPeer, family, w.bgpPeer.spec.asNumber ?? 0, ''),
        workload: w.source,
      });
    }
  }
  return [...out.values()];
}
