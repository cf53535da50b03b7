/** Recursive next-hop resolution through the kernel's alien routes (BIRD's `gateway recursive`). */
import assert from 'node:assert/strict';
import { formatIp, ipBytes } from '../../../src/fib/addr.js';
import { decideRoute, type FibPolicy } from '../../../src/fib/desired.js';
import { Interfaces } from '../../../src/fib/interfaces.js';
import { AlienTable, resolveNextHop, type Resolved } from '../../../src/fib/recursive.js';
import { RTN_BLACKHOLE, RTN_UNICAST, type RtRoute } from '../../../src/fib/rtnl.js';
import { parsePrefix } from '../../../src/lib/prefix.js';

const ip = (s: string): Uint8Array => ipBytes(s)!;
const ETH1 = 2;
const ETH2 = 3;

/** `<dst> [via <gw>] dev <ifindex> [metric m]` as the kernel reports it. */
function rt(dst: string, gw: string | null, ifindex: number, metric = 0, type = RTN_UNICAST, onlink = false): RtRoute {
  return { prefix: parsePrefix(dst, true)!, table: 254, protocol: 4, type, metric, nextHops: type === RTN_UNICAST ? [{ gateway: gw ? ip(gw) : null, ifindex, onlink }] : [] };
}

const show = (r: Resolved | null): string => (r ? `via ${formatIp(r.gateway)} dev ${r.ifindex}${r.onlink ? ' onlink' : ''}` : 'unreachable');

/** The lab's node k8s-w1: eth1 192.168.10.101/24, a static route to the other subnet, a default route. */
const node = [
  rt('192.168.10.0/24', null, ETH1),
  rt('192.168.20.0/24', '192.168.10.200', ETH1),
  rt('0.0.0.0/0', '192.168.10.1', ETH1),
  rt('fd00:10::/64', null, ETH1, 256),
  rt('fd00:20::/64', 'fd00:10::c8', ETH1, 1024),
];

describe('fib: recursive next hops (resolveNextHop, AlienTable)', () => {
  it('a next hop behind a static route resolves to its router and device', () => {
    assert.equal(show(resolveNextHop(node, ip('192.168.20.100'))), 'via 192.168.10.200 dev 2');
    assert.equal(show(resolveNextHop(node, ip('fd00:20::64'))), 'via fd00:10::c8 dev 2');
  });

  it('a next hop on a device route is written as itself on that device', () => {
    assert.equal(show(resolveNextHop(node, ip('192.168.10.102'))), 'via 192.168.10.102 dev 2');
    assert.equal(show(resolveNextHop([...node, rt('10.9.0.0/16', null, ETH2)], ip('10.9.1.1'))), 'via 10.9.1.1 dev 3');
  });

  it('the longest prefix wins, then the lowest metric; the default route is a match too', () => {
    const t = [...node, rt('192.168.20.96/28', '192.168.10.201', ETH1), rt('192.168.20.96/28', '10.0.0.9', ETH2, 50), rt('192.168.20.96/28', '192.168.10.202', ETH1, 10)];
    assert.equal(show(resolveNextHop(t, ip('192.168.20.100'))), 'via 192.168.10.201 dev 2');
    assert.equal(show(resolveNextHop(t, ip('192.168.20.50'))), 'via 192.168.10.200 dev 2');
    assert.equal(show(resolveNextHop(t, ip('198.51.100.7'))), 'via 192.168.10.1 dev 2');
    // The order of the table does not matter.
    assert.equal(show(resolveNextHop([...t].reverse(), ip('192.168.20.100'))), 'via 192.168.10.201 dev 2');
  });

  it('no match or a blackhole: unreachable', () => {
    const noDefault = node.filter((r) => r.prefix.len !== 0);
    assert.equal(show(resolveNextHop(noDefault, ip('198.51.100.7'))), 'unreachable');
    assert.equal(show(resolveNextHop([...node, rt('192.168.20.0/25', null, 0, 0, RTN_BLACKHOLE)], ip('192.168.20.100'))), 'unreachable');
    assert.equal(show(resolveNextHop([], ip('fd00:30::1'))), 'unreachable');
  });

  it('keeps an onlink gateway onlink', () => {
    assert.equal(show(resolveNextHop([rt('192.168.20.0/24', '203.0.113.1', ETH2, 0, RTN_UNICAST, true)], ip('192.168.20.100'))), 'via 203.0.113.1 dev 3 onlink');
  });

  it('AlienTable: follows route changes and says which of our routes they move', () => {
    const t = new AlienTable();
    t.reset(node);
    t.track('172.16.34.0/26', [ip('192.168.20.100')]);
    t.track('172.16.35.0/26', [ip('192.168.20.100')]);
    t.track('172.16.184.0/26', [ip('192.168.10.102')]);
    assert.equal(show(t.resolve(ip('192.168.20.100'))), 'via 192.168.10.200 dev 2');
    // The static route changes its router: both routes behind it move, the on-link one does not.
    assert.deepEqual(t.update(rt('192.168.20.0/24', '192.168.10.201', ETH1), false).sort(), ['172.16.34.0/26', '172.16.35.0/26']);
    assert.equal(show(t.resolve(ip('192.168.20.100'))), 'via 192.168.10.201 dev 2');
    // Gone: the default route takes over.
    t.track('172.16.35.0/26', []);
    assert.deepEqual(t.update(rt('192.168.20.0/24', '192.168.10.201', ETH1), true), ['172.16.34.0/26']);
    assert.equal(show(t.resolve(ip('192.168.20.100'))), 'via 192.168.10.1 dev 2');
    // Deleting what is not there moves nothing; an unrelated route moves nothing.
    assert.deepEqual(t.update(rt('192.168.20.0/24', '192.168.10.201', ETH1), true), []);
    assert.deepEqual(t.update(rt('10.1.0.0/16', '192.168.10.9', ETH1), false), []);
    assert.deepEqual([...t.tracked()].sort(), ['172.16.184.0/26', '172.16.34.0/26']);
  });

  it('Interfaces.connectedOn: the subnets of the addresses on one device', () => {
    const i = new Interfaces();
    i.link(ETH1, 'eth1', true, false);
    i.link(ETH2, 'eth2', true, false);
    i.addr(ETH1, ip('192.168.10.101'), 24, false);
    i.addr(ETH2, ip('10.9.0.1'), 16, false);
    assert.equal(i.connectedOn(ETH1, ip('192.168.10.7')), true);
    assert.equal(i.connectedOn(ETH1, ip('10.9.3.3')), false);
    assert.equal(i.connectedOn(ETH2, ip('10.9.3.3')), true);
    assert.equal(i.connected(ip('10.9.3.3')), 'eth2');
    assert.equal(i.connected(ip('192.168.20.100')), null);
  });

  it('decideRoute: no-encap and out-of-pool next hops are recursive, tunnels and static routes are not', () => {
    const policy: FibPolicy = {
      rejectPrefixes: [],
      rejectNextHops: new Set(),
      pools: [
        { prefix: parsePrefix('172.16.0.0/16')!, mode: 'nic' },
        { prefix: parsePrefix('172.17.0.0/16')!, mode: 'ipip' },
        { prefix: parsePrefix('172.18.0.0/16')!, mode: 'ipip-crosssubnet' },
      ],
      localSubnets: [parsePrefix('192.168.10.0/24')!],
      vteps: new Map(),
    };
    const rec = (prefix: string, hop: string): boolean[] => {
      const d = decideRoute(parsePrefix(prefix)!, { kind: 'bgp', nextHops: [ip(hop)], localPref: 100 }, policy, 'eth1');
      assert.equal(d.kind, 'install');
      return d.kind === 'install' ? d.route.nextHops.map((h) => h.recursive) : [];
    };
    assert.deepEqual(rec('172.16.34.0/26', '192.168.20.100'), [true]);
    assert.deepEqual(rec('10.50.0.0/16', '192.168.20.100'), [true]);
    assert.deepEqual(rec('172.17.34.0/26', '192.168.20.100'), [false]);
    assert.deepEqual(rec('172.18.34.0/26', '192.168.20.100'), [false]);
    const st = decideRoute(parsePrefix('192.168.30.1/32')!, { kind: 'static', via: ip('192.168.10.9') }, policy, 'eth1');
    assert.deepEqual(st.kind === 'install' ? st.route.nextHops.map((h) => h.recursive) : null, [false]);
  });
});
