import assert from 'node:assert/strict';
import { computeDesiredState, hashRouterId, loadResources, toPlanJson, UnknownNodeError } from '../../../src/calico/index.js';

const node = (name: string, v4: string | null, extra = '', labels = ''): string =>
  `apiVersion: projectcalico.org/v3\nkind: Node\nmetadata:\n  name: ${name}\n${labels ? `  labels: {${labels}}\n` : ''}spec:\n  bgp:\n${v4 ? `    ipv4Address: ${v4}\n` : ''}${extra}`;
const cfg = (spec: string, name = 'default'): string => `apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata: {name: ${name}}\nspec: {${spec}}\n`;
const peer = (name: string, spec: string): string => `apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: ${name}}\nspec: {${spec}}\n`;
const pool = (name: string, spec: string): string => `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: ${name}}\nspec: {${spec}}\n`;
const plan = (docs: string[], me: string, env = {}) => computeDesiredState(loadResources(docs.join('---\n'), 't'), me, env);

describe('calico translation', () => {
  it('router id: the node IPv4, CALICO_ROUTER_ID, or the hash of the node name', () => {
    assert.equal(hashRouterId('kube-master'), '25.79.212.8'); // Calico's mesh/hash golden
    for (const n of ['a', 'node-1', 'worker-17', 'x'.repeat(300)]) {
      const first = Number(hashRouterId(n).split('.')[0]);
      assert.ok(first <= 223, `${n}: ${hashRouterId(n)} must stay out of 224/3`);
    }
    const docs = [node('n1', '10.0.0.1/24')];
    assert.equal(plan(docs, 'n1').routerId, '10.0.0.1');
    assert.equal(plan(docs, 'n1', { CALICO_ROUTER_ID: '1.2.3.4' }).routerId, '1.2.3.4');
    assert.equal(plan(docs, 'n1', { CALICO_ROUTER_ID: 'hash' }).routerId, hashRouterId('n1'));
    assert.throws(() => plan(docs, 'n1', { CALICO_ROUTER_ID: 'fd00::1' }), /CALICO_ROUTER_ID: "fd00::1" is neither/);
    const v6only = plan([node('n6', null, '    ipv6Address: fd00::6/64\n')], 'n6');
    assert.equal(v6only.routerId, null);
    assert.ok(v6only.warnings.some((w) => /CALICO_ROUTER_ID/.test(w)));
  });

  it('passive: the lexically smaller address listens (a string compare, so 10.0.0.10 < 10.0.0.9)', () => {
    const s = plan([node('me', '10.0.0.10/24'), node('b', '10.0.0.9/24'), node('c', '10.0.0.100/24'), node('d', '10.0.0.1/24')], 'me');
    const passive = Object.fromEntries(s.peers.map((p) => [p.address, p.passive]));
    assert.deepEqual(passive, { '10.0.0.9': true, '10.0.0.100': true, '10.0.0.1': false });
    // The remote side sees the opposite.
    assert.equal(plan([node('me', '10.0.0.10/24'), node('b', '10.0.0.9/24')], 'b').peers[0]!.passive, false);
  });

  it('passive also covers global peerings to Calico nodes, never node-specific ones or external peers', () => {
    const docs = [cfg('nodeToNodeMeshEnabled: false'), node('me', '10.0.0.2/24'), node('b', '10.0.0.3/24'), peer('g', 'peerIP: 10.0.0.3, asNumber: 64512'), peer('x', 'peerIP: 10.0.0.200, asNumber: 65000'), peer('n', 'node: me, peerIP: 10.0.0.3:1790, asNumber: 64512')];
    const byName = Object.fromEntries(plan(docs, 'me').peers.map((p) => [p.name, p.passive]));
    assert.deepEqual(byName, { Global_10_0_0_3: true, Global_10_0_0_200: false, Node_10_0_0_3_port_1790: false });
  });

  it('a global and a node-specific peering to the same address: the global one wins', () => {
    const docs = [cfg('nodeToNodeMeshEnabled: false'), node('me', '10.0.0.2/24'), node('b', '10.0.0.3/24', '', 'x: y'), peer('a-node', 'node: me, peerSelector: has(x)'), peer('z-global', 'peerSelector: has(x)')];
    assert.deepEqual(plan(docs, 'me').peers.map((p) => p.name), ['Global_10_0_0_3']);
  });

  it('reverse peering is automatic unless reversePeering is Manual', () => {
    const docs = (rev: string) => [cfg('nodeToNodeMeshEnabled: false'), node('rr', '10.0.0.1/24', '    routeReflectorClusterID: 244.0.0.1\n', 'rr: "true"'), node('w', '10.0.0.5/24'), peer('to-rr', `nodeSelector: "!has(rr)", peerSelector: has(rr)${rev}`)];
    const rr = plan(docs(''), 'rr').peers;
    assert.deepEqual(rr.map((p) => [p.name, p.routeReflectorClient, p.clusterId]), [['Node_10_0_0_5', true, '244.0.0.1']]);
    assert.deepEqual(plan(docs(''), 'w').peers.map((p) => [p.name, p.routeReflectorClient]), [['Node_10_0_0_1', false]]);
    assert.deepEqual(plan(docs(', reversePeering: Manual'), 'rr').peers, []);
  });

  it('a route reflector leaves the mesh and the mesh skips route reflectors; same-cluster reflectors are not clients', () => {
    const docs = [node('rr1', '10.0.0.1/24', '    routeReflectorClusterID: 244.0.0.1\n', 'rr: "true"'), node('rr2', '10.0.0.2/24', '    routeReflectorClusterID: 244.0.0.1\n', 'rr: "true"'), node('w', '10.0.0.5/24'), node('w2', '10.0.0.6/24'), peer('rrs', 'nodeSelector: has(rr), peerSelector: all()')];
    const rr1 = plan(docs, 'rr1').peers;
    assert.deepEqual(rr1.map((p) => [p.name, p.routeReflectorClient]), [['Node_10_0_0_2', false], ['Node_10_0_0_5', true], ['Node_10_0_0_6', true]]);
    assert.deepEqual(plan(docs, 'w').peers.map((p) => p.name), ['Mesh_10_0_0_6', 'Node_10_0_0_1', 'Node_10_0_0_2']);
  });

  it('peer options: ports from listenPort, passwords, timers, TTL security, next hop, local AS', () => {
    const docs = [
      cfg('nodeToNodeMeshEnabled: false, listenPort: 1790'),
      cfg('listenPort: 2000', 'node.b'),
      node('me', '10.0.0.2/24'),
      node('b', '10.0.0.3/24'),
      `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {k: pw}\n`,
      peer('tor', 'node: me, peerIP: 10.0.0.254, asNumber: 65000, localASNumber: 65010, password: {secretKeyRef: {name: s, key: k}}, maxRestartTime: 1m, keepaliveTime: 10s, ttlSecurity: 1, keepOriginalNextHop: true, numAllowedLocalASNumbers: 1, reachableBy: 10.0.0.1, sourceAddress: None'),
      peer('b', 'node: me, peerIP: 10.0.0.3, asNumber: 64512, nextHopMode: Self, keepOriginalNextHop: true, password: {secretKeyRef: {name: s, key: missing}}'),
    ];
    const s = plan(docs, 'me');
    const p = Object.fromEntries(toPlanJson(s).peers.map((x) => [x.name, x]));
    const tor = p['Node_10_0_0_254']!;
    assert.deepEqual(
      [tor.port, tor.asNumber, tor.localAsNumber, tor.password, tor.gracefulRestartTime, tor.keepaliveTime, tor.ttlSecurity, tor.multihop, tor.nextHop, tor.allowLocalAs, tor.reachableBy, tor.sourceAddress],
      [null, 65000, 65010, true, 60, 10, true, 1, 'keep', 1, '10.0.0.1', null],
    );
    const b = p['Node_10_0_0_3_port_2000']!; // a Calico node: its own listen port
    assert.deepEqual([b.nextHop, b.password, b.sourceAddress, b.multihop, b.ttlSecurity], ['self', false, '10.0.0.2', 64, false]);
    assert.ok(s.warnings.some((w) => /key "missing" not found/.test(w)));
    assert.deepEqual(s.staticRoutesVia, [{ prefix: '10.0.0.254/32', via: '10.0.0.1' }]);
    assert.deepEqual(s.listen, { address: null, port: 1790, addresses: { ipv4: null, ipv6: null } });
  });

  it('keepOriginalNextHop applies to eBGP only', () => {
    const s = plan([cfg('nodeToNodeMeshEnabled: false'), node('me', '10.0.0.2/24'), peer('i', 'node: me, peerIP: 10.0.0.9, asNumber: 64512, keepOriginalNextHop: true')], 'me');
    assert.equal(s.peers[0]!.nextHop, 'auto');
  });

  it('kernel programming per pool follows programClusterRoutes; service ranges are never installed', () => {
    const pools = [pool('a', 'cidr: 10.1.0.0/16, ipipMode: Always'), pool('b', 'cidr: 10.2.0.0/16, ipipMode: CrossSubnet'), pool('c', 'cidr: 10.3.0.0/16'), pool('d', 'cidr: 10.4.0.0/16, vxlanMode: Always'), pool('e', 'cidr: fd00:1::/64')];
    const modes = (pcr: string) => plan([cfg(`${pcr}serviceClusterIPs: [{cidr: 10.96.0.0/12}], serviceLoadBalancerIPs: [{cidr: 1.1.1.0/24}, {cidr: 2.2.2.2/32}]`), node('me', '10.0.0.2/24'), ...pools], 'me');
    assert.deepEqual(modes('').pools.map((p) => p.kernel), ['felix', 'felix', 'nic', 'vxlan', 'none']);
    assert.deepEqual(modes('programClusterRoutes: Enabled, ').pools.map((p) => p.kernel), ['tunl0', 'crosssubnet', 'nic', 'vxlan', 'none']);
    assert.deepEqual(modes('programClusterRoutes: Disabled, ').pools.map((p) => p.kernel), ['felix', 'felix', 'felix', 'vxlan', 'none']);
    assert.deepEqual(modes('programClusterRoutes: EnabledIPIPOnly, ').pools.map((p) => p.kernel), ['tunl0', 'crosssubnet', 'felix', 'vxlan', 'none']);
    const s = modes('programClusterRoutes: Enabled, ');
    assert.deepEqual(s.kernelReject, ['1.1.1.0/24', '10.96.0.0/12']); // single /32 LB addresses are per-service
    assert.deepEqual(s.kernelPolicy.ipv4.find((r) => r.rule === 'pool' && r.tunnel === 'crosssubnet'), { rule: 'pool', prefix: '10.2.0.0/16', action: 'accept', tunnel: 'crosssubnet', localSubnet: '10.0.0.0/24' });
    assert.deepEqual(s.originate.map((o) => o.prefix), ['1.1.1.0/24', '10.96.0.0/12']);
  });

  it('a node labelled exclude-from-external-load-balancers still rejects service ranges but does not advertise them', () => {
    const s = plan([cfg('serviceClusterIPs: [{cidr: 10.96.0.0/12}]'), node('me', '10.0.0.2/24', '', '"node.kubernetes.io/exclude-from-external-load-balancers": "true"')], 'me');
    assert.deepEqual(s.originate, []);
    assert.deepEqual(s.kernelReject, ['10.96.0.0/12']);
  });

  it('node-specific prefixAdvertisements replace the global ones', () => {
    const docs = [cfg('communities: [{name: a, value: "1:1"}], prefixAdvertisements: [{cidr: 10.0.0.0/8, communities: [a]}]'), cfg('prefixAdvertisements: [{cidr: 10.1.0.0/16, communities: ["2:2", "3:3:3", "2:2"]}]', 'node.me'), node('me', '10.0.0.2/24'), node('other', '10.0.0.3/24')];
    assert.deepEqual(plan(docs, 'me').communities, [{ prefix: '10.1.0.0/16', communities: ['2:2'], largeCommunities: ['3:3:3'] }]);
    assert.deepEqual(plan(docs, 'other').communities, [{ prefix: '10.0.0.0/8', communities: ['1:1'], largeCommunities: [] }]);
  });

  it('blocks: pending ones are not originated, pendingDeletion ones are but not aggregated, /32 blocks get no blackhole', () => {
    const ba = (n: string, c: string, st: string) => `apiVersion: projectcalico.org/v3\nkind: BlockAffinity\nmetadata: {name: ${n}}\nspec: {node: me, cidr: ${c}${st ? `, state: ${st}` : ''}}\n`;
    const s = plan([node('me', '10.0.0.2/24'), pool('p', 'cidr: 192.168.0.0/16, disableBGPExport: true'), ba('a', '10.9.0.0/26', 'confirmed'), ba('b', '10.9.0.64/26', 'pending'), ba('c', '10.9.0.128/26', 'pendingDeletion'), ba('d', '10.9.1.1/32', ''), ba('e', '192.168.1.0/26', '')], 'me');
    assert.deepEqual(s.originate, [
      { prefix: '10.9.0.0/26', blackhole: true, exported: true },
      { prefix: '10.9.0.128/26', blackhole: true, exported: false },
      { prefix: '10.9.1.1/32', blackhole: false, exported: true },
      { prefix: '192.168.1.0/26', blackhole: true, exported: false }, // its pool's BGP export is disabled
    ]);
  });

  it('an unknown node is a clear error', () => {
    assert.throws(() => plan([node('a', '10.0.0.1/24')], 'b'), (e: unknown) => e instanceof UnknownNodeError && /Node "b" is not in the datastore \(nodes: a\)/.test(e.message));
  });
});
