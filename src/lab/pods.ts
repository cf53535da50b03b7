/**
 * Pods as Calico's CNI plugin and Felix set them up: a veth whose host end
 * is cali<hash> (MAC ee:ee:ee:ee:ee:ee, proxy ARP on, no proxy delay) and
 * whose pod end is eth0 with the pod's /32; inside the pod
 * `169.254.1.1 dev eth0 scope link` and `default via 169.254.1.1 dev eth0`
 * (the host answers ARP for that gateway by proxy ARP); on the host the
 * workload route `<pod IP> dev cali<hash> scope link`.
 */
import { ip, ipIn, sysctls } from './shell.js';
import { createNamespace } from './network.js';
import type { LabNode } from './topology.js';

/** Calico's fixed host-side MAC: every workload's gateway looks the same. */
export const CALI_MAC = 'ee:ee:ee:ee:ee:ee';
export const POD_GATEWAY = '169.254.1.1';

export async function buildPod(n: LabNode): Promise<void> {
  const { pod } = n;
  await createNamespace(pod.ns, false);
  await ip('link', 'add', pod.hostIface, 'netns', n.ns, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod.ns);
  // Host side (Felix): fixed MAC, proxy ARP so the pod's gateway resolves, answered at once.
  await ipIn(n.ns, 'link', 'set', pod.hostIface, 'address', CALI_MAC);
  await sysctls(n.ns, { [`ipv4/conf/${pod.hostIface}/proxy_arp`]: 1, [`ipv4/neigh/${pod.hostIface}/proxy_delay`]: 0, [`ipv4/conf/${pod.hostIface}/forwarding`]: 1 });
  await ipIn(n.ns, 'link', 'set', pod.hostIface, 'up');
  // Pod side (CNI): the /32, the link-scope route to the fake gateway, the default route through it.
  await ipIn(pod.ns, 'addr', 'add', `${pod.address}/32`, 'dev', 'eth0');
  await ipIn(pod.ns, 'link', 'set', 'eth0', 'up');
  await ipIn(pod.ns, 'route', 'add', POD_GATEWAY, 'dev', 'eth0', 'scope', 'link');
  await ipIn(pod.ns, 'route', 'add', 'default', 'via', POD_GATEWAY, 'dev', 'eth0');
  // Felix's workload route (its deviceRouteProtocol 3, `proto boot`, which `ip route` does not print).
  await ipIn(n.ns, 'route', 'add', `${pod.address}/32`, 'dev', pod.hostIface, 'scope', 'link', 'proto', 'boot');
}
