import assert from 'node:assert/strict';
import { ipBytes, macBytes } from '../../../src/fib/addr.js';
import { decideRoute, sameRoute, type FibDecision, type FibPolicy, type PoolMode, type WantedRoute } from '../../../src/fib/desired.js';
import { parsePrefix, type Prefix } from '../../../src/lib/prefix.js';

const P = (s: string): Prefix => parsePrefix(s)!;
const ip = (s: string): Uint8Array => ipBytes(s)!;

function policy(pools: [string, PoolMode][], extra: Partial<FibPolicy> = {}): FibPolicy {
  return {
    rejectPrefixes: [],
    rejectNextHops: new Set(),
    pools: pools.map(([c, mode]) => ({ prefix: P(c), mode })),
    localSubnets: [P('192.168.10.0/24'), P('fd00:10::/64')],
    vteps: new Map([['192.168.10.102', { node: 'k8s-w2', nodeIp: ip('192.168.10.102'), ip: ip('172.16.184.0'), mac: macBytes('66:00:00:00:00:02')! }]]),
    ...extra,
  };
}

const bgp = (hops: string[], localPref = 2147482623) => ({ kind: 'bgp' as const, nextHops: hops.map(ip), localPref });

/** The decision as `ip route` would print it. */
function show(d: FibDecision): string {
  if (d.kind !== 'install') return `${d.kind}: ${d.kind === 'reject' ? d.reason : d.problem}`;
  const r = d.route;
  if (r.blackhole) return `blackhole metric ${r.metric}`;
  const hop = (h: WantedRoute['nextHops'][number]) => `via ${h.gateway.length === 4 ? [...h.gateway].join('.') : 'v6'}${h.device ? ` dev ${h.device}` : ''}${h.onlink ? ' onlink' : ''}`;
  return `${r.nextHops.map(hop).join(' + ')} metric ${r.metric}`;
}

describe('fib: desired kernel routes (calico_kernel_programming and krt_tunnel)', () => {
  const block = P('172.16.158.0/26');

  it('IPIP: via the node IP, dev tunl0 onlink', () => {
    assert.equal(show(decideRoute(block, bgp(['192.168.10.101']), policy([['172.16.0.0/16', 'ipip']]), 'eth1')), 'via 192.168.10.101 dev tunl0 onlink metric 1024');
  });

  it('no encapsulation: via the node IP, dev NIC; an error when no NIC holds the node address', () => {
    const pol = policy([['172.16.0.0/16', 'nic']]);
    assert.equal(show(decideRoute(block, bgp(['192.168.10.101']), pol, 'ens5')), 'via 192.168.10.101 dev ens5 metric 1024');
    assert.equal(show(decideRoute(block, bgp(['192.168.10.101']), pol, null)), 'error: nic');
  });

  it('IPIP CrossSubnet: NIC inside the node subnet, tunl0 outside', () => {
    const pol = policy([['172.16.0.0/16', 'ipip-crosssubnet']]);
    assert.equal(show(decideRoute(block, bgp(['192.168.10.101']), pol, 'ens5')), 'via 192.168.10.101 dev ens5 metric 1024');
    assert.equal(show(decideRoute(P('172.16.34.0/26'), bgp(['192.168.20.100']), pol, 'ens5')), 'via 192.168.20.100 dev tunl0 onlink metric 1024');
  });

  it('VXLAN: via the remote VTEP on vxlan.calico onlink; an error when the node has no VTEP', () => {
    const pol = policy([['172.16.0.0/16', 'vxlan']]);
    assert.equal(show(decideRoute(P('172.16.184.0/26'), bgp(['192.168.10.102']), pol, 'ens5')), 'via 172.16.184.0 dev vxlan.calico onlink metric 1024');
    const d = decideRoute(block, bgp(['192.168.10.101']), pol, 'ens5');
    assert.equal(d.kind, 'error');
    assert.match((d as { message: string }).message, /192\.168\.10\.101 has ipv4VXLANTunnelAddr/);
  });

  it('VXLAN CrossSubnet: NIC inside the subnet, VTEP outside', () => {
    const pol = policy([['172.16.0.0/16', 'vxlan-crosssubnet']], {
      vteps: new Map([['192.168.20.100', { node: 'k8s-w0', nodeIp: ip('192.168.20.100'), ip: ip('172.16.34.0'), mac: macBytes('66:00:00:00:00:00')! }]]),
    });
    assert.equal(show(decideRoute(block, bgp(['192.168.10.101']), pol, 'ens5')), 'via 192.168.10.101 dev ens5 metric 1024');
    assert.equal(show(decideRoute(P('172.16.34.0/26'), bgp(['192.168.20.100']), pol, 'ens5')), 'via 172.16.34.0 dev vxlan.calico onlink metric 1024');
  });

  it('local blocks are blackholes (metric 0, as BIRD writes static routes); in a Felix-owned pool nothing', () => {
    assert.equal(show(decideRoute(block, { kind: 'blackhole' }, policy([['172.16.0.0/16', 'ipip']]), 'eth1')), 'blackhole metric 0');
    assert.equal(show(decideRoute(block, { kind: 'blackhole' }, policy([['172.16.0.0/16', 'reject']]), 'eth1')), 'reject: pool programmed by Felix');
  });

  it('outside every pool: via the BGP next hop, the kernel picks the device; metric from LOCAL_PREF', () => {
    assert.equal(show(decideRoute(P('0.0.0.0/0'), bgp(['192.168.10.200'], 100), policy([['172.16.0.0/16', 'ipip']]), 'eth1')), 'via 192.168.10.200 metric 2147483547');
  });

  it('ECMP: every next hop of the multipath set, once each, in one route', () => {
    const d = decideRoute(block, bgp(['192.168.10.101', '192.168.20.100', '192.168.10.101']), policy([['172.16.0.0/16', 'ipip-crosssubnet']]), 'ens5');
    assert.equal(show(d), 'via 192.168.10.101 dev ens5 + via 192.168.20.100 dev tunl0 onlink metric 1024');
  });

  it('service ranges and WireGuard next hops are never installed', () => {
    const pol = policy([['172.16.0.0/16', 'nic']], { rejectPrefixes: [P('10.96.0.0/12')], rejectNextHops: new Set(['192.168.10.101']) });
    assert.equal(show(decideRoute(P('10.96.0.0/12'), bgp(['192.168.10.102']), pol, 'eth1')), 'reject: service range');
    assert.equal(show(decideRoute(block, bgp(['192.168.10.101']), pol, 'eth1')), 'reject: WireGuard peer');
  });

  it('reachableBy static routes: via the gateway, metric 0', () => {
    assert.equal(show(decideRoute(P('10.0.0.9/32'), { kind: 'static', via: ip('192.168.10.1') }, policy([]), 'eth1')), 'via 192.168.10.1 metric 0');
  });

  it('IPv6 the same way: no encapsulation via the next hop on the NIC', () => {
    const d = decideRoute(P('fd00:20:0:1::/64'), bgp(['fd00:10::2']), policy([['fd00:20::/48', 'nic']]), 'eth1');
    assert.equal(d.kind, 'install');
    const r = (d as { route: WantedRoute }).route;
    assert.deepEqual([...r.nextHops[0]!.gateway], [...ip('fd00:10::2')]);
    assert.equal(r.nextHops[0]!.device, 'eth1');
  });

  it('sameRoute compares what the kernel would hold', () => {
    const a = decideRoute(block, bgp(['192.168.10.101']), policy([['172.16.0.0/16', 'ipip']]), 'eth1') as { route: WantedRoute };
    const b = decideRoute(block, bgp(['192.168.10.101']), policy([['172.16.0.0/16', 'ipip']]), 'eth1') as { route: WantedRoute };
    const c = decideRoute(block, bgp(['192.168.10.101']), policy([['172.16.0.0/16', 'nic']]), 'eth1') as { route: WantedRoute };
    assert.ok(sameRoute(a.route, b.route));
    assert.ok(!sameRoute(a.route, c.route));
  });
});
