/**
 * The lab's cluster, modelled on the Calico walkthroughs petrel comes from:
 * k8s-ctr, k8s-w1 and k8s-w2 on 192.168.10.0/24, k8s-w0 alone on
 * 192.168.20.0/24, a router between the two subnets (192.168.10.200 and
 * 192.168.20.200), pool 172.16.0.0/16 cut into /26 blocks, one pod per node.
 * Pure data: what to build, not how.
 */
import { createHash } from 'node:crypto';

export const VARIANTS = ['mesh', 'rr', 'crosssubnet', 'vxlan', 'tor'] as const;
export type LabVariant = (typeof VARIANTS)[number];

/** Every namespace the lab creates starts with this (tests use other prefixes). */
export const NS_PREFIX = 'petrel-lab-';
export const ROUTER_NS = `${NS_PREFIX}router`;
/** The node's NIC, as in the walkthroughs' `ip route` (`via ... dev eth1`). */
export const NODE_NIC = 'eth1';
export const CLUSTER_AS = 64512;
export const ROUTER_AS = 65000;
export const POOL_CIDR = '172.16.0.0/16';
export const BLOCK_SIZE = 26;
/** Felix's VXLAN device, VNI and port (Calico's defaults). */
export const VXLAN_DEVICE = 'vxlan.calico';
export const VXLAN_VNI = 4096;
export const VXLAN_PORT = 4789;

export interface LabSubnet {
  /** The bridge in the router namespace that is this subnet's L2 segment. */
  readonly bridge: string;
  readonly cidr: string;
  /** The router's address on it (the nodes' gateway). */
  readonly gateway: string;
  readonly prefixLength: number;
}

export const SUBNETS = {
  lan10: { bridge: 'br-lan10', cidr: '192.168.10.0/24', gateway: '192.168.10.200', prefixLength: 24 },
  lan20: { bridge: 'br-lan20', cidr: '192.168.20.0/24', gateway: '192.168.20.200', prefixLength: 24 },
} as const satisfies Record<string, LabSubnet>;
export type SubnetName = keyof typeof SUBNETS;

export interface LabNode {
  readonly name: string;
  readonly ns: string;
  readonly subnet: SubnetName;
  readonly address: string;
  /** The node's affine IPAM block (BlockAffinity, confirmed). */
  readonly block: string;
  /** The VXLAN tunnel address Calico's IPAM gives the node: the first address of its block. */
  readonly vtepAddress: string;
  /** vxlan.calico's MAC (Node.spec.vxlanTunnelMACAddr): locally administered, derived from the node IP. */
  readonly vtepMac: string;
  readonly pod: LabPod;
}

export interface LabPod {
  readonly name: string;
  readonly ns: string;
  readonly address: string;
  /** The host side of the pod's veth: `cali` + 11 hex digits, as Calico's CNI names it. */
  readonly hostIface: string;
}

/** Node name, subnet, host number, third octet of its block (the walkthroughs' 172.16.34/158/184). */
const NODE_TABLE: readonly (readonly [string, SubnetName, number, number])[] = [
  ['k8s-ctr', 'lan10', 100, 116],
  ['k8s-w1', 'lan10', 101, 158],
  ['k8s-w2', 'lan10', 102, 184],
  ['k8s-w0', 'lan20', 100, 34],
];

function macFor(address: string): string {
  const hex = address.split('.').map((o) => Number(o).toString(16).padStart(2, '0'));
  return ['66', '16', ...hex].join(':');
}

/** Calico's CNI names the host side `cali` + the first 11 hex digits of SHA-1("<namespace>.<pod>"). */
export function calicoIfaceName(namespace: string, pod: string): string {
  return `cali${createHash('sha1').update(`${namespace}.${pod}`).digest('hex').slice(0, 11)}`;
}

export function labNodes(): LabNode[] {
  return NODE_TABLE.map(([name, subnet, host, octet]) => {
    const s = SUBNETS[subnet];
    const address = `${s.cidr.split('.').slice(0, 3).join('.')}.${host}`;
    const base = `172.16.${octet}`;
    const podName = `pod-${name}`;
    return {
      name,
      ns: `${NS_PREFIX}${name}`,
      subnet,
      address,
      block: `${base}.0/${BLOCK_SIZE}`,
      vtepAddress: `${base}.0`,
      vtepMac: macFor(address),
      pod: { name: podName, ns: `${NS_PREFIX}pod-${name}`, address: `${base}.1`, hostIface: calicoIfaceName('default', podName) },
    };
  });
}

export interface VariantInfo {
  readonly title: string;
  /** Pool encapsulation (IPPool spec). */
  readonly ipipMode: 'Never';
  readonly vxlanMode: 'Always' | 'CrossSubnet' | 'Never';
  readonly mesh: boolean;
  /** k8s-ctr reflects for the others. */
  readonly routeReflector: boolean;
  /** FRR in the router namespace peers over eBGP with every node. */
  readonly tor: boolean;
  /** Notes printed with the results. */
  readonly notes: readonly string[];
}

const NO_IPIP = 'This kernel has no IPIP module (no tunl0 can be created), so the pool uses ipipMode: Never.';

export const VARIANT_INFO: Record<LabVariant, VariantInfo> = {
  mesh: {
    title: 'full node-to-node mesh, no encapsulation',
    ipipMode: 'Never',
    vxlanMode: 'Never',
    mesh: true,
    routeReflector: false,
    tor: false,
    notes: [
      NO_IPIP,
      'Pods on k8s-w0 (192.168.20.0/24) are expected to be unreachable from the other subnet: the router has no routes for pod blocks. Fixes: `petrel lab up tor` (BGP to the router) or encapsulation (`crosssubnet`, `vxlan`).',
    ],
  },
  rr: {
    title: 'route reflector (k8s-ctr reflects, mesh off), no encapsulation',
    ipipMode: 'Never',
    vxlanMode: 'Never',
    mesh: false,
    routeReflector: true,
    tor: false,
    notes: [NO_IPIP, 'As with the mesh, pods in the other subnet are expected to be unreachable: the router does not know pod blocks.'],
  },
  crosssubnet: {
    title: 'full mesh, VXLAN CrossSubnet (the NIC within a subnet, vxlan.calico across)',
    ipipMode: 'Never',
    vxlanMode: 'CrossSubnet',
    mesh: true,
    routeReflector: false,
    tor: false,
    notes: ['This kernel has no IPIP module (no tunl0 can be created), so CrossSubnet uses VXLAN (vxlanMode: CrossSubnet) instead of IPIP.'],
  },
  vxlan: {
    title: 'full mesh, VXLAN Always (every remote block via vxlan.calico)',
    ipipMode: 'Never',
    vxlanMode: 'Always',
    mesh: true,
    routeReflector: false,
    tor: false,
    notes: [],
  },
  tor: {
    title: `eBGP to the router (FRR, AS ${ROUTER_AS}) from every node, mesh off, no encapsulation`,
    ipipMode: 'Never',
    vxlanMode: 'Never',
    mesh: false,
    routeReflector: false,
    tor: true,
    notes: [NO_IPIP, 'The router learns every block over BGP, so unencapsulated pod traffic crosses subnets.'],
  },
};

export function isVariant(s: string): s is LabVariant {
  return (VARIANTS as readonly string[]).includes(s);
}

/**
 * Whether `at` should hold a kernel route for `of`'s block: in every variant.
 * Without encapsulation a block in the other subnet has an off-link next hop
 * (the remote node), written through the node's static route to the router
 * (BIRD's gateway recursive); the router knows no pod blocks, so pings fail.
 */
export function expectKernelRoute(_variant: LabVariant, _at: LabNode, _of: LabNode): boolean {
  return true;
}

/** Whether a ping from a pod on `from` to a pod on `to` should succeed in this variant. */
export function expectReachable(variant: LabVariant, from: LabNode, to: LabNode): boolean {
  if (from.subnet === to.subnet) return true;
  return VARIANT_INFO[variant].vxlanMode !== 'Never' || VARIANT_INFO[variant].tor;
}
