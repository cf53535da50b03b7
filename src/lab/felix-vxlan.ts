/**
 * The lab plays Felix for VXLAN pools: each node gets `vxlan.calico` (VNI
 * 4096, UDP 4789, no learning, the node address as local end) with the VTEP
 * address and MAC its Node resource declares (ipv4VXLANTunnelAddr,
 * vxlanTunnelMACAddr). petrel's FIB programs the rest from the remote Node
 * resources: routes via the remote VTEP onlink, the neighbour entry and the
 * FDB entry.
 */
import { ipIn } from './shell.js';
import { NODE_NIC, VXLAN_DEVICE, VXLAN_PORT, VXLAN_VNI, type LabNode } from './topology.js';

/** Felix's MTU for VXLAN over a 1500-byte NIC (50 bytes of encapsulation). */
const VXLAN_MTU = 1450;

export async function buildVtep(n: LabNode): Promise<void> {
  await ipIn(n.ns, 'link', 'add', VXLAN_DEVICE, 'type', 'vxlan', 'id', String(VXLAN_VNI), 'local', n.address, 'dev', NODE_NIC, 'dstport', String(VXLAN_PORT), 'nolearning');
  await ipIn(n.ns, 'link', 'set', VXLAN_DEVICE, 'address', n.vtepMac, 'mtu', String(VXLAN_MTU));
  await ipIn(n.ns, 'addr', 'add', `${n.vtepAddress}/32`, 'dev', VXLAN_DEVICE);
  await ipIn(n.ns, 'link', 'set', VXLAN_DEVICE, 'up');
}
