/**
 * The desired state of one node: everything confd used to write into
 * bird.cfg, bird6.cfg and their includes, as data. `toPlanJson` reduces it
 * to the `petrel plan` contract; the extra internal parts (export and kernel
 * rule chains, the password itself) are what the daemon needs to act on it.
 */
import type { Family } from '../address.js';
import type { MaxPrefixes, ProgramClusterRoutes } from '../resources/types.js';

export type PeerType = 'mesh' | 'global' | 'node' | 'localWorkload';
export type NextHopMode = 'self' | 'keep' | 'auto';
export type KernelMode = 'tunl0' | 'crosssubnet' | 'nic' | 'vxlan' | 'felix' | 'none';

export type FilterOperationJson = { addCommunity: string } | { prependASPath: number[] } | { setPriority: number };

/** One BGPFilter rule as data. Absent conditions are null. */
export interface FilterRuleJson {
  action: 'accept' | 'reject';
  matchOperator: 'Equal' | 'NotEqual' | 'In' | 'NotIn' | null;
  cidr: string | null;
  /** Effective prefix-length range of the match (Calico clamps to the CIDR's length and the family's maximum). */
  prefixLength: { min: number; max: number } | null;
  source: 'RemotePeers' | null;
  interface: string | null;
  peerType: 'iBGP' | 'eBGP' | null;
  communities: string[] | null;
  asPathPrefix: number[] | null;
  priority: number | null;
  operations: FilterOperationJson[];
}

/** A BGPFilter applied to a peer: its rules for the peer's family and the direction. */
export interface FilterRef {
  name: string;
  rules: FilterRuleJson[];
}

export interface DesiredPeer {
  /** Calico's BIRD protocol name: Mesh_10_0_0_1, Global_<ip>[_port_<p>], Node_..., Local_Workload_... */
  name: string;
  address: string;
  port: number | null;
  asNumber: number;
  localAsNumber: number | null;
  type: PeerType;
  family: Family;
  passive: boolean;
  routeReflectorClient: boolean;
  clusterId: string | null;
  /** The TCP MD5 password itself; null when none is configured or its Secret is missing. */
  password: string | null;
  /** Seconds; null means BIRD's default (120). */
  gracefulRestartTime: number | null;
  /** Seconds; null means BIRD's default (hold time / 3). */
  keepaliveTime: number | null;
  ttlSecurity: boolean;
  /** Hop limit: the ttlSecurity hop count, or 64 (BIRD's bare `multihop`). */
  multihop: number;
  nextHop: NextHopMode;
  /** `source address` for the TCP connection: the node IP (sourceAddress UseNodeIP), or null. */
  sourceAddress: string | null;
  /**
   * The address on this node the peer connects to, for local workload peers:
   * BGPConfiguration localWorkloadPeeringIPV4/IPV6 (null when unset, and for
   * every other type). Felix puts it on the workload's cali interface; BIRD is
   * passive with no source address and accepts the workload's connection on
   * its listener (bindMode None: every address), so this is where the
   * listener must accept it, not a bind address of an outbound connection.
   */
  localAddress: string | null;
  allowLocalAs: number | null;
  reachableBy: string | null;
  importFilters: FilterRef[];
  exportFilters: FilterRef[];
  /** Calico's iBGP test: peer AS equals the effective local AS (localAsNumber or the node's AS). */
  internal: boolean;
  /** The BGPPeer resource this session came from (null for mesh sessions). */
  fromBgpPeer: string | null;
  /**
   * For local workload peers, what the workload was found from:
   * `WorkloadEndpoint <namespace>/<name>` or `endpoint-status <file>`; null otherwise.
   */
  workload: string | null;
  /** petrel's max-prefix limit (BGPPeer annotations); absent: no limit, as Calico's BIRD. */
  maxPrefixes?: MaxPrefixes;
}

export interface OriginatedPrefix {
  prefix: string;
  blackhole: boolean;
  exported: boolean;
}

export interface PoolState {
  cidr: string;
  ipipMode: 'Always' | 'CrossSubnet' | 'Never';
  vxlanMode: 'Always' | 'CrossSubnet' | 'Never';
  disableBGPExport: boolean;
  kernel: KernelMode;
}

export interface CommunityAdvertisement {
  prefix: string;
  communities: string[];
  largeCommunities: string[];
}

/** calico_export_to_bgp_peers as an ordered chain: the first accept or reject wins; the end rejects. */
export type ExportRule =
  | { rule: 'rejectPrefix'; prefix: string }
  | { rule: 'rejectInterfaces'; internalOnly: boolean; interfaces: string[] }
  | { rule: 'applyCommunities' }
  | { rule: 'block'; prefix: string }
  | { rule: 'acceptPrefix'; prefix: string; reason: 'staticRoute' | 'serviceAddress' | 'pool' };

/** calico_kernel_programming as an ordered chain; the end accepts. */
export type KernelRule =
  | { rule: 'rejectPrefix'; prefix: string; reason: 'serviceRange' }
  | { rule: 'rejectNextHop'; nextHop: string; reason: 'wireguard' }
  | { rule: 'pool'; prefix: string; action: 'accept' | 'reject'; tunnel: 'tunl0' | 'crosssubnet' | null; localSubnet: string | null };

export interface FamilyPolicy<T> {
  ipv4: T[];
  ipv6: T[];
}

export interface DesiredState {
  node: string;
  routerId: string | null;
  asNumber: number;
  listen: { address: string | null; port: number | null; addresses: { ipv4: string | null; ipv6: string | null } };
  /** This node's BGP addresses with their subnets, null when the family is disabled on the node. */
  nodeAddresses: { ipv4: { ip: string; network: string } | null; ipv6: { ip: string; network: string } | null };
  peers: DesiredPeer[];
  originate: OriginatedPrefix[];
  pools: PoolState[];
  communities: CommunityAdvertisement[];
  kernelReject: string[];
  exportPolicy: FamilyPolicy<ExportRule>;
  kernelPolicy: FamilyPolicy<KernelRule>;
  /** `route <peer>/32 via <gw>` for peers with reachableBy. */
  staticRoutesVia: { prefix: string; via: string }[];
  programClusterRoutes: ProgramClusterRoutes;
  /** BIRD's log reduction of logSeverityScreen. */
  logLevel: 'debug' | 'info' | 'none';
  /** Interfaces the direct protocol ignores, Calico's defaults included. */
  ignoredInterfaces: string[];
  /** Priority (krt_metric) of a normal route: elevated /32s below it escape block aggregation. */
  normalRoutePriority: { ipv4: number; ipv6: number };
  /** Things an operator should know (missing secrets, filters, addresses). */
  warnings: string[];
  /**
   * Other nodes' VXLAN tunnel endpoints (Node.ipv4VXLANTunnelAddr and
   * vxlanTunnelMACAddr), keyed by their BGP address: what the FIB needs for
   * `via <VTEP> dev vxlan.calico onlink` routes and their neighbour and FDB entries.
   */
  vxlanTunnels: VxlanTunnel[];
}

export interface VxlanTunnel {
  node: string;
  /** The node's IPv4 BGP address (Node.bgp.ipv4Address without the length). */
  nodeIp: string;
  vtepIp: string;
  vtepMac: string;
}
