/**
 * Calico v3 resources after validation: defaults are not applied here (the
 * translation applies Calico's defaults), but every value is typed, every
 * address canonical and every selector parsed.
 */
import type { Cidr, IpAddress } from '../address.js';
import type { SourceRef, ValidationIssue } from '../errors.js';
import type { Labels, Selector } from '../selector/index.js';

export interface Meta {
  readonly name: string;
  readonly where?: SourceRef;
  /** metadata.annotations: where petrel's own per-resource settings live (Calico's schema has no room for them). */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** petrel's max-prefix limit for a peer (BIRD's `receive limit`), from BGPPeer annotations. */
export interface MaxPrefixes {
  /** Most routes accepted per address family. */
  readonly limit: number;
  /** restart: Cease 6/1 (RFC 4486) and reconnect after the error wait; warn: log and keep the session. */
  readonly action: 'restart' | 'warn';
}

export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}

export interface SelectorField {
  readonly text: string;
  readonly selector: Selector;
}

export interface CommunityDefinition {
  readonly name: string;
  readonly value: string;
}

export interface PrefixAdvertisement {
  readonly cidr: Cidr;
  /** Community values or names defined in `communities`, as written. */
  readonly communities: readonly string[];
}

export const PROGRAM_CLUSTER_ROUTES = ['Enabled', 'Disabled', 'EnabledIPIPOnly', 'EnabledNoEncapOnly'] as const;
export type ProgramClusterRoutes = (typeof PROGRAM_CLUSTER_ROUTES)[number];

export interface BgpConfigurationSpec {
  readonly asNumber?: number;
  readonly nodeToNodeMeshEnabled?: boolean;
  readonly nodeMeshPassword?: SecretKeyRef;
  /** Seconds. */
  readonly nodeMeshMaxRestartTime?: number;
  readonly listenPort?: number;
  readonly bindMode?: 'None' | 'NodeIP';
  readonly logSeverityScreen?: string;
  readonly ignoredInterfaces?: readonly string[];
  readonly communities?: readonly CommunityDefinition[];
  readonly prefixAdvertisements?: readonly PrefixAdvertisement[];
  readonly serviceClusterIPs?: readonly Cidr[];
  readonly serviceExternalIPs?: readonly Cidr[];
  readonly serviceLoadBalancerIPs?: readonly Cidr[];
  readonly serviceLoadBalancerAggregation?: 'Enabled' | 'Disabled';
  readonly programClusterRoutes?: ProgramClusterRoutes;
  readonly localWorkloadPeeringIPV4?: IpAddress;
  readonly localWorkloadPeeringIPV6?: IpAddress;
  readonly ipv4NormalRoutePriority?: number;
  readonly ipv6NormalRoutePriority?: number;
}

export interface BgpConfiguration extends Meta {
  readonly kind: 'BGPConfiguration';
  readonly spec: BgpConfigurationSpec;
}

export interface BgpPeerSpec {
  readonly node?: string;
  readonly nodeSelector?: SelectorField;
  readonly peerIP?: { readonly ip: IpAddress; readonly port: number | null };
  readonly peerSelector?: SelectorField;
  readonly localWorkloadSelector?: SelectorField;
  readonly asNumber?: number;
  readonly localASNumber?: number;
  readonly password?: SecretKeyRef;
  readonly sourceAddress?: 'UseNodeIP' | 'None';
  /** Seconds. */
  readonly maxRestartTime?: number;
  /** Seconds. */
  readonly keepaliveTime?: number;
  readonly keepOriginalNextHop?: boolean;
  readonly nextHopMode?: 'Auto' | 'Self' | 'Keep';
  readonly numAllowedLocalASNumbers?: number;
  readonly ttlSecurity?: number;
  readonly reachableBy?: IpAddress;
  readonly filters: readonly string[];
  readonly reversePeering?: 'Auto' | 'Manual';
}

export interface BgpPeer extends Meta {
  readonly kind: 'BGPPeer';
  readonly spec: BgpPeerSpec;
  readonly maxPrefixes?: MaxPrefixes;
}

export interface NodeAddress {
  readonly ip: IpAddress;
  /** The subnet of the address (CrossSubnet compares next hops against it). */
  readonly network: Cidr;
}

export interface CalicoNode extends Meta {
  readonly kind: 'Node';
  readonly labels: Labels;
  readonly bgp?: {
    readonly ipv4Address?: NodeAddress;
    readonly ipv6Address?: NodeAddress;
    readonly asNumber?: number;
    readonly routeReflectorClusterID?: string;
    readonly ipv4IPIPTunnelAddr?: IpAddress;
  };
  readonly ipv4VXLANTunnelAddr?: IpAddress;
  readonly ipv6VXLANTunnelAddr?: IpAddress;
  readonly vxlanTunnelMACAddr?: string;
  readonly wireguard?: { readonly interfaceIPv4Address?: IpAddress; readonly interfaceIPv6Address?: IpAddress };
}

export type EncapMode = 'Always' | 'CrossSubnet' | 'Never';

export interface IpPool extends Meta {
  readonly kind: 'IPPool';
  readonly cidr: Cidr;
  readonly ipipMode: EncapMode;
  readonly vxlanMode: EncapMode;
  readonly disableBGPExport: boolean;
  readonly disabled: boolean;
  readonly natOutgoing: boolean;
}

export type AffinityState = 'confirmed' | 'pending' | 'pendingDeletion' | '';

export interface BlockAffinity extends Meta {
  readonly kind: 'BlockAffinity';
  readonly node: string;
  readonly cidr: Cidr;
  /** '' means no state recorded, which Calico treats as confirmed. */
  readonly state: AffinityState;
  readonly deleted: boolean;
}

export type FilterAction = 'Accept' | 'Reject';
export type MatchOperator = 'Equal' | 'NotEqual' | 'In' | 'NotIn';

export type FilterOperation =
  | { readonly addCommunity: string }
  | { readonly prependASPath: readonly number[] }
  | { readonly setPriority: number };

export interface BgpFilterRule {
  readonly action: FilterAction;
  readonly matchOperator?: MatchOperator;
  readonly cidr?: Cidr;
  readonly prefixLength?: { readonly min?: number; readonly max?: number };
  readonly source?: 'RemotePeers';
  readonly interface?: string;
  readonly peerType?: 'iBGP' | 'eBGP';
  readonly communities?: readonly string[];
  readonly asPathPrefix?: readonly number[];
  readonly priority?: number;
  readonly operations: readonly FilterOperation[];
}

export interface BgpFilter extends Meta {
  readonly kind: 'BGPFilter';
  readonly exportV4: readonly BgpFilterRule[];
  readonly importV4: readonly BgpFilterRule[];
  readonly exportV6: readonly BgpFilterRule[];
  readonly importV6: readonly BgpFilterRule[];
}

export interface Secret extends Meta {
  readonly kind: 'Secret';
  readonly namespace?: string;
  /** Decoded values (data is base64, stringData is plain; stringData wins). */
  readonly data: Readonly<Record<string, string>>;
}

/**
 * One address of a WorkloadEndpoint's spec.ipNetworks. `ip` is what Felix
 * hands on: its conversion (cnet.ParseCIDROrIP) keeps the network of a CIDR,
 * so `10.65.0.7/32` gives 10.65.0.7 and a bare IP is its own /32 or /128.
 */
export interface WorkloadAddress {
  readonly ip: IpAddress;
  readonly cidr: Cidr;
}

/**
 * WorkloadEndpoint (libcalico-go apis/v3 workloadendpoint.go) as calicoctl
 * shows it: a pod's interface on a node. petrel reads what local workload
 * peering needs (the node, the labels, the addresses, the profiles whose
 * labels it inherits); the rest is kept for messages.
 */
export interface WorkloadEndpoint extends Meta {
  readonly kind: 'WorkloadEndpoint';
  readonly namespace: string;
  readonly labels: Labels;
  /** The node the endpoint is on; undefined means it is on none (and never peers). */
  readonly node?: string;
  readonly orchestrator?: string;
  readonly workload?: string;
  readonly pod?: string;
  readonly endpoint?: string;
  readonly interfaceName?: string;
  readonly mac?: string;
  /** spec.ipNetworks in the order written (Felix peers with the first of each family). */
  readonly ipNetworks: readonly WorkloadAddress[];
  /** spec.profiles: their labelsToApply are inherited, own labels first, then profiles in order. */
  readonly profiles: readonly string[];
}

/** Profile (apis/v3 profile.go): only labelsToApply matters to BGP (inherited by endpoints). */
export interface Profile extends Meta {
  readonly kind: 'Profile';
  readonly labelsToApply: Labels;
}

export type CalicoResource = BgpConfiguration | BgpPeer | CalicoNode | IpPool | BlockAffinity | BgpFilter | Secret | WorkloadEndpoint | Profile;

/** A validated datastore snapshot. Collections are sorted by name for deterministic translation. */
export interface CalicoResources {
  readonly source: string;
  readonly bgpConfigurations: ReadonlyMap<string, BgpConfiguration>;
  readonly bgpPeers: readonly BgpPeer[];
  readonly nodes: ReadonlyMap<string, CalicoNode>;
  readonly ipPools: readonly IpPool[];
  readonly blockAffinities: readonly BlockAffinity[];
  readonly bgpFilters: ReadonlyMap<string, BgpFilter>;
  readonly secrets: ReadonlyMap<string, Secret>;
  /** Sorted by namespace, then name. */
  readonly workloadEndpoints: readonly WorkloadEndpoint[];
  readonly profiles: ReadonlyMap<string, Profile>;
  /** Non-fatal findings (unknown fields, ignored settings). */
  readonly warnings: readonly ValidationIssue[];
}
