/**
 * The lab's underlay: a router namespace whose two bridges are the
 * 192.168.10.0/24 and 192.168.20.0/24 segments (the router's own addresses
 * .200 on them), and one namespace per node plugged into its segment by a
 * veth whose node end is eth1. Nodes route the other subnet, and everything
 * else, via the router, as the walkthroughs' hosts do.
 */
import { inNs, ip, ipIn, sysctls } from './shell.js';
import { NODE_NIC, ROUTER_NS, SUBNETS, type LabNode, type SubnetName } from './topology.js';

/** A namespace with lo up, IPv4 forwarding on and reverse-path filtering off (inherited values vary by host). */
export async function createNamespace(ns: string, forwarding: boolean): Promise<void> {
  await ip('netns', 'add', ns);
  await ipIn(ns, 'link', 'set', 'lo', 'up');
  await sysctls(ns, {
    'ipv4/ip_forward': forwarding ? 1 : 0,
    'ipv4/conf/all/rp_filter': 0,
    'ipv4/conf/default/rp_filter': 0,
    'ipv6/conf/all/accept_dad': 0,
    'ipv6/conf/default/accept_dad': 0,
  });
}

export async function buildRouter(): Promise<void> {
  await createNamespace(ROUTER_NS, true);
  for (const s of Object.values(SUBNETS)) {
    await ipIn(ROUTER_NS, 'link', 'add', s.bridge, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
    await ipIn(ROUTER_NS, 'addr', 'add', `${s.gateway}/${s.prefixLength}`, 'dev', s.bridge);
    await ipIn(ROUTER_NS, 'link', 'set', s.bridge, 'up');
  }
}

function otherSubnet(s: SubnetName): SubnetName {
  return s === 'lan10' ? 'lan20' : 'lan10';
}

/** A node namespace on its segment: eth1 with the node address, a static route to the other subnet and a default route. */
export async function buildNode(n: LabNode): Promise<void> {
  const s = SUBNETS[n.subnet];
  await createNamespace(n.ns, true);
  // Both ends are created inside their namespaces: nothing touches the root namespace.
  await ip('link', 'add', NODE_NIC, 'netns', n.ns, 'type', 'veth', 'peer', 'name', n.name, 'netns', ROUTER_NS);
  await ipIn(ROUTER_NS, 'link', 'set', n.name, 'master', s.bridge, 'up');
  await ipIn(n.ns, 'addr', 'add', `${n.address}/${s.prefixLength}`, 'dev', NODE_NIC);
  await ipIn(n.ns, 'link', 'set', NODE_NIC, 'up');
  await ipIn(n.ns, 'route', 'add', SUBNETS[otherSubnet(n.subnet)].cidr, 'via', s.gateway, 'dev', NODE_NIC);
  await ipIn(n.ns, 'route', 'add', 'default', 'via', s.gateway, 'dev', NODE_NIC);
}

/** Interfaces that are down or still have tentative addresses in `ns` (empty when ready). */
export async function notReady(ns: string): Promise<string[]> {
  const { stdout } = await inNs(ns, 'ip', ['-j', 'addr', 'show']);
  const ifs = JSON.parse(stdout) as { ifname: string; operstate: string; addr_info?: { tentative?: boolean }[] }[];
  return ifs
    .filter((i) => i.ifname !== 'lo' && (i.operstate === 'DOWN' || i.operstate === 'LOWERLAYERDOWN' || (i.addr_info ?? []).some((a) => a.tentative)))
    .map((i) => i.ifname);
}
