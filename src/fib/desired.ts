/**
 * The kernel route petrel wants for one prefix: Calico's
 * calico_kernel_programming filter and the fork's krt_tunnel (calico-bird.md
 * §4) as a pure function, plus the VXLAN routes Felix would write.
 *
 *   IPIP        <block> via <node IP> dev tunl0 onlink
 *   no encap    <block> via <node IP> dev <NIC>
 *   CrossSubnet NIC when the next hop is in this node's subnet, tunnel otherwise
 *   VXLAN       <block> via <remote VTEP IP> dev vxlan.calico onlink
 *   local block blackhole <block>
 *   elsewhere   via the BGP next hop (the kernel picks the device)
 *
 * No-encap and out-of-pool next hops are recursive (BIRD's `gateway
 * recursive`): off-link ones go through the kernel route reaching them.
 */
import type { Prefix } from '../lib/prefix.js';
import { containsAddress, containsPrefix, formatIp } from './addr.js';

export const TUNL0 = 'tunl0';
export const VXLAN_DEVICE = 'vxlan.calico';

/** How routes into a pool reach the kernel. */
export type PoolMode = 'ipip' | 'ipip-crosssubnet' | 'vxlan' | 'vxlan-crosssubnet' | 'nic' | 'reject';

export interface FibPool {
  readonly prefix: Prefix;
  readonly mode: PoolMode;
}

/** A remote node's VXLAN tunnel endpoint (Node.ipv4VXLANTunnelAddr, vxlanTunnelMACAddr). */
export interface Vtep {
  readonly node: string;
  /** The node's BGP address: the BGP next hop of its blocks and the FDB destination. */
  readonly nodeIp: Uint8Array;
  readonly ip: Uint8Array;
  readonly mac: Uint8Array;
}

/** The kernel policy of one node (from the Calico desired state). */
export interface FibPolicy {
  /** Service ranges: never installed. */
  readonly rejectPrefixes: readonly Prefix[];
  /** WireGuard peers' node IPs: Felix routes them. */
  readonly rejectNextHops: ReadonlySet<string>;
  /** In datastore order; the first pool containing the prefix decides. */
  readonly pools: readonly FibPool[];
  /** This node's subnets (Node.bgp.ipv4Address / ipv6Address), for CrossSubnet. */
  readonly localSubnets: readonly Prefix[];
  /** Remote VTEPs keyed by node IP text. */
  readonly vteps: ReadonlyMap<string, Vtep>;
}

/** One next hop as petrel wants it; `device` null lets the kernel choose. */
export interface WantedNextHop {
  readonly gateway: Uint8Array;
  readonly device: string | null;
  readonly onlink: boolean;
  /**
   * BIRD's `gateway recursive`: when the gateway is on no subnet connected
   * to the device (any device when null), the FIB writes the route through
   * the kernel route that reaches it instead (src/fib/recursive.ts). Never
   * for tunnels, which are onlink.
   */
  readonly recursive: boolean;
}

export interface WantedRoute {
  readonly prefix: Prefix;
  readonly blackhole: boolean;
  readonly metric: number;
  readonly nextHops: readonly WantedNextHop[];
}

/** What the Loc-RIB says about a prefix. */
export type FibInput =
  | { readonly kind: 'blackhole' }
  /** BGP: the multipath set's next hops, best first; LOCAL_PREF of the best path (absent reads 100). */
  | { readonly kind: 'bgp'; readonly nextHops: readonly Uint8Array[]; readonly localPref: number }
  /** `route <peer>/32 via <gw>` (BGPPeer reachableBy). */
  | { readonly kind: 'static'; readonly via: Uint8Array };

export type FibDecision =
  | { readonly kind: 'install'; readonly route: WantedRoute }
  | { readonly kind: 'reject'; readonly reason: string }
  /** A route that cannot be written; `problem` groups errors so each kind is said once. */
  | { readonly kind: 'error'; readonly problem: string; readonly message: string };

/** Calico HEAD: krt_metric = 2147483647 - bgp_local_pref for BGP routes. */
export const MAX_METRIC = 2147483647;
/** Static routes carry no krt_metric: the kernel protocol writes metric 0 (as the walkthroughs show). */
export const STATIC_METRIC = 0;

function poolFor(policy: FibPolicy, prefix: Prefix): FibPool | null {
  for (const p of policy.pools) if (containsPrefix(p.prefix, prefix)) return p;
  return null;
}

function inLocalSubnet(policy: FibPolicy, hop: Uint8Array): boolean {
  return policy.localSubnets.some((s) => containsAddress(s, hop));
}

/** The next hop for one BGP next hop under a pool mode (null mode: outside every pool). */
function nextHopFor(policy: FibPolicy, mode: PoolMode | null, hop: Uint8Array, nic: string | null): WantedNextHop | { problem: string; message: string } {
  const viaNic = (): WantedNextHop | { problem: string; message: string } =>
    nic === null ? { problem: 'nic', message: 'no interface holds the node address (spec.bgp.ipv4Address/ipv6Address), or it is in ignoredInterfaces' } : { gateway: hop, device: nic, onlink: false, recursive: true };
  const viaVxlan = (): WantedNextHop | { problem: string; message: string } => {
    const v = policy.vteps.get(formatIp(hop));
    if (!v) return { problem: 'vtep', message: `no Node with bgp address ${formatIp(hop)} has ipv4VXLANTunnelAddr and vxlanTunnelMACAddr` };
    return { gateway: v.ip, device: VXLAN_DEVICE, onlink: true, recursive: false };
  };
  switch (mode) {
    case null:
      return { gateway: hop, device: null, onlink: false, recursive: true };
    case 'nic':
      return viaNic();
    case 'ipip':
      return { gateway: hop, device: TUNL0, onlink: true, recursive: false };
    case 'ipip-crosssubnet':
      return inLocalSubnet(policy, hop) ? viaNic() : { gateway: hop, device: TUNL0, onlink: true, recursive: false };
    case 'vxlan':
      return viaVxlan();
    case 'vxlan-crosssubnet':
      return inLocalSubnet(policy, hop) ? viaNic() : viaVxlan();
    case 'reject':
      return { problem: 'reject', message: 'rejected' };
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Decide the kernel route for `prefix`. `nic` is the interface holding the node address. */
export function decideRoute(prefix: Prefix, input: FibInput, policy: FibPolicy, nic: string | null): FibDecision {
  for (const r of policy.rejectPrefixes) if (containsPrefix(r, prefix)) return { kind: 'reject', reason: 'service range' };
  const pool = poolFor(policy, prefix);
  if (pool?.mode === 'reject') return { kind: 'reject', reason: 'pool programmed by Felix' };
  if (input.kind === 'blackhole') return { kind: 'install', route: { prefix, blackhole: true, metric: STATIC_METRIC, nextHops: [] } };
  if (input.kind === 'static') return { kind: 'install', route: { prefix, blackhole: false, metric: STATIC_METRIC, nextHops: [{ gateway: input.via, device: null, onlink: false, recursive: false }] } };
  const hops: WantedNextHop[] = [];
  for (const hop of input.nextHops) {
    if (policy.rejectNextHops.has(formatIp(hop))) return { kind: 'reject', reason: 'WireGuard peer' };
    const nh = nextHopFor(policy, pool?.mode ?? null, hop, nic);
    if ('problem' in nh) return { kind: 'error', problem: nh.problem, message: nh.message };
    // Two paths through one VTEP (or one gateway) are one next hop.
    if (!hops.some((h) => sameBytes(h.gateway, nh.gateway) && h.device === nh.device)) hops.push(nh);
  }
  if (hops.length === 0) return { kind: 'reject', reason: 'no next hop' };
  const metric = Math.max(0, MAX_METRIC - input.localPref);
  return { kind: 'install', route: { prefix, blackhole: false, metric, nextHops: hops } };
}

/** Two wanted routes program the same kernel state. */
export function sameRoute(a: WantedRoute, b: WantedRoute): boolean {
  if (a.blackhole !== b.blackhole || a.metric !== b.metric || a.nextHops.length !== b.nextHops.length) return false;
  return a.nextHops.every((h, i) => {
    const o = b.nextHops[i]!;
    return sameBytes(h.gateway, o.gateway) && h.device === o.device && h.onlink === o.onlink && h.recursive === o.recursive;
  });
}
