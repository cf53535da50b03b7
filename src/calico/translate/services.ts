/**
 * Service address advertisement from BGPConfiguration (confd client.go
 * updateGlobalRoutes): service ranges are originated as blackholes and
 * exported by every node, and never installed in any node's kernel. Single
 * addresses (/32, /128) are per-service routes that need Kubernetes Service
 * and endpoint data, which the file datastore does not carry.
 */
import { isHostCidr, type Cidr } from '../address.js';
import type { ClusterView, NodeView } from './cluster.js';

export const EXCLUDE_FROM_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

export interface ServiceRanges {
  /** Ranges this node originates and exports (empty when the node is excluded). */
  readonly staticRoutes: Cidr[];
  /** Ranges never installed in the kernel (kept even on an excluded node). */
  readonly rejectCidrs: Cidr[];
  /** serviceLoadBalancerIPs and serviceExternalIPs, which a route reflector re-advertises. */
  readonly reflectedServiceCidrs: Cidr[];
}

export function parseClusterIpsEnv(value: string | undefined, parse: (s: string) => Cidr | null): Cidr[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const out: Cidr[] = [];
  for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const c = parse(part);
    if (c === null) throw new Error(`CALICO_ADVERTISE_CLUSTER_IPS: "${part}" is not a CIDR`);
    out.push(c);
  }
  return out;
}

const uniqueSorted = (cidrs: Cidr[]): Cidr[] => {
  const m = new Map(cidrs.map((c) => [c.text, c]));
  // confd lists them by datastore key, i.e. the CIDR with '/' as '-', in string order.
  return [...m.values()].sort(byDatastoreKey);
};

export function byDatastoreKey(a: { text: string }, b: { text: string }): number {
  const x = sortKey(a);
  const y = sortKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function sortKey(c: { text: string } | string): string {
  return (typeof c === 'string' ? c : c.text).replace('/', '-');
}

export function serviceRanges(cluster: ClusterView, me: NodeView, clusterIpsEnv: Cidr[] | undefined): ServiceRanges {
  const g = cluster.global;
  const clusterIps = clusterIpsEnv ?? [...(g.serviceClusterIPs ?? [])];
  const externalRanges = (g.serviceExternalIPs ?? []).filter((c) => !isHostCidr(c));
  const lbRanges = (g.serviceLoadBalancerAggregation ?? 'Enabled') === 'Enabled' ? (g.serviceLoadBalancerIPs ?? []).filter((c) => !isHostCidr(c)) : [];
  const ranges = uniqueSorted([...clusterIps, ...externalRanges, ...lbRanges]);
  const excluded = me.node.labels[EXCLUDE_FROM_LB_LABEL] === 'true';
  return {
    staticRoutes: excluded ? [] : ranges,
    rejectCidrs: ranges,
    reflectedServiceCidrs: uniqueSorted([...(g.serviceLoadBalancerIPs ?? []), ...(g.serviceExternalIPs ?? [])]),
  };
}
