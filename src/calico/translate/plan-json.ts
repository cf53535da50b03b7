/**
 * The `petrel plan` JSON contract. Absent options are null; peers are sorted
 * by name; the password is reported as present or not, never printed.
 */
import type { CommunityAdvertisement, DesiredState, FilterRef, OriginatedPrefix, PoolState } from './desired-state.js';

export interface PlanPeerJson {
  name: string;
  address: string;
  port: number | null;
  asNumber: number;
  localAsNumber: number | null;
  type: 'mesh' | 'global' | 'node' | 'localWorkload';
  family: 'ipv4' | 'ipv6';
  passive: boolean;
  routeReflectorClient: boolean;
  clusterId: string | null;
  password: boolean;
  gracefulRestartTime: number | null;
  keepaliveTime: number | null;
  ttlSecurity: boolean;
  multihop: number;
  nextHop: 'self' | 'keep' | 'auto';
  sourceAddress: string | null;
  /** Local workload peers: the node's localWorkloadPeeringIPV4/6 the workload connects to; null otherwise. */
  localAddress: string | null;
  allowLocalAs: number | null;
  reachableBy: string | null;
  importFilters: FilterRef[];
  exportFilters: FilterRef[];
  /** petrel's max-prefix limit from BGPPeer annotations; null: none. */
  maxPrefixes: { limit: number; action: 'restart' | 'warn' } | null;
}

export interface PlanJson {
  node: string;
  routerId: string | null;
  asNumber: number;
  listen: { address: string | null; port: number | null };
  peers: PlanPeerJson[];
  originate: OriginatedPrefix[];
  pools: PoolState[];
  communities: CommunityAdvertisement[];
  kernelReject: string[];
}

export function toPlanJson(s: DesiredState): PlanJson {
  return {
    node: s.node,
    routerId: s.routerId,
    asNumber: s.asNumber,
    listen: { address: s.listen.address, port: s.listen.port },
    peers: s.peers.map((p) => ({
      name: p.name,
      address: p.address,
      port: p.port,
      asNumber: p.asNumber,
      localAsNumber: p.localAsNumber,
      type: p.type,
      family: p.family,
      passive: p.passive,
      routeReflectorClient: p.routeReflectorClient,
      clusterId: p.clusterId,
      password: p.password !== null,
      gracefulRestartTime: p.gracefulRestartTime,
      keepaliveTime: p.keepaliveTime,
      ttlSecurity: p.ttlSecurity,
      multihop: p.multihop,
      nextHop: p.nextHop,
      sourceAddress: p.sourceAddress,
      localAddress: p.localAddress,
      allowLocalAs: p.allowLocalAs,
      reachableBy: p.reachableBy,
      importFilters: structuredClone(p.importFilters),
      exportFilters: structuredClone(p.exportFilters),
      maxPrefixes: p.maxPrefixes ? { ...p.maxPrefixes } : null,
    })),
    originate: s.originate.map((o) => ({ ...o })),
    pools: s.pools.map((p) => ({ ...p })),
    communities: s.communities.map((c) => ({ prefix: c.prefix, communities: [...c.communities], largeCommunities: [...c.largeCommunities] })),
    kernelReject: [...s.kernelReject],
  };
}
