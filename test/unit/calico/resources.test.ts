import assert from 'node:assert/strict';
import { CalicoConfigError, loadResources, loadResourceLayers, type ValidationIssue } from '../../../src/calico/index.js';
import { parsePeerAddress, parseAsNumber, parseGoDuration } from '../../../src/calico/values.js';

/** A resource document; `labels` lines go under metadata. */
const doc = (kind: string, name: string, spec: string, labels = ''): string =>
  `apiVersion: ${kind === 'Secret' ? 'v1' : 'projectcalico.org/v3'}\nkind: ${kind}\nmetadata:\n  name: ${name}\n${labels}spec:\n${spec
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;

function issues(yaml: string): ValidationIssue[] {
  try {
    loadResources(yaml, 'test.yaml');
  } catch (e) {
    if (e instanceof CalicoConfigError) return [...e.issues];
    throw e;
  }
  assert.fail('expected the resources to be rejected');
}

function expectIssue(yaml: string, kind: string, name: string, field: string, problem: RegExp): void {
  const all = issues(yaml);
  const hit = all.find((i) => i.kind === kind && i.name === name && i.field === field && problem.test(i.problem));
  assert.ok(hit, `no ${kind} "${name}" ${field} ~ ${problem}; got:\n${all.map((i) => `${i.kind} ${i.name} ${i.field}: ${i.problem}`).join('\n')}`);
  assert.equal(hit.where?.source, 'test.yaml');
  assert.ok((hit.where?.line ?? 0) >= 1);
}

describe('calico resources: validation', () => {
  it('reads petrel\'s max-prefix annotations on a BGPPeer, and names the annotation at fault', () => {
    const ann = (a: string) => `  annotations:\n${a}`;
    const ok = loadResources(doc('BGPPeer', 'tor', 'peerIP: 10.0.0.1\nasNumber: 65001', ann('    petrel.dev/max-prefixes: "1000"\n    petrel.dev/max-prefixes-action: warn\n')), 't.yaml');
    assert.deepEqual(ok.bgpPeers[0]!.maxPrefixes, { limit: 1000, action: 'warn' });
    const dflt = loadResources(doc('BGPPeer', 'tor', 'peerIP: 10.0.0.1\nasNumber: 65001', ann('    petrel.dev/max-prefixes: "5"\n')), 't.yaml');
    assert.deepEqual(dflt.bgpPeers[0]!.maxPrefixes, { limit: 5, action: 'restart' }, 'restart is the default action');
    expectIssue(doc('BGPPeer', 'tor', 'peerIP: 10.0.0.1\nasNumber: 65001', ann('    petrel.dev/max-prefixes: "many"\n')), 'BGPPeer', 'tor', 'metadata.annotations["petrel.dev/max-prefixes"]', /not a whole number/);
    expectIssue(doc('BGPPeer', 'tor', 'peerIP: 10.0.0.1\nasNumber: 65001', ann('    petrel.dev/max-prefixes: "5"\n    petrel.dev/max-prefixes-action: drop\n')), 'BGPPeer', 'tor', 'metadata.annotations["petrel.dev/max-prefixes-action"]', /not restart or warn/);
  });

  it('accepts every field of every kind and types them', () => {
    const r = loadResources(
      [
        doc('BGPConfiguration', 'default', 'asNumber: 65000\nnodeToNodeMeshEnabled: false\nlistenPort: 1790\nbindMode: NodeIP\nnodeMeshMaxRestartTime: 1m30s\nlogSeverityScreen: Debug\nignoredInterfaces: [eth9]\nprogramClusterRoutes: Enabled\nserviceClusterIPs: [{cidr: 10.96.0.0/12}, {}]\ncommunities: [{name: c1, value: "65000:1"}]\nprefixAdvertisements: [{cidr: 10.0.0.0/8, communities: [c1, "1:2:3"]}]'),
        doc('BGPPeer', 'p', 'node: n1\npeerIP: "[fd00::1]:1790"\nasNumber: 1.10\nlocalASNumber: "65001"\npassword: {secretKeyRef: {name: s, key: k}}\nsourceAddress: None\nmaxRestartTime: 10s\nkeepaliveTime: 5s\nnextHopMode: Self\nnumAllowedLocalASNumbers: 2\nttlSecurity: 3\nreachableBy: fd00::fe\nfilters: [f]\nreversePeering: Manual'),
        doc('Node', 'n1', 'bgp:\n  ipv4Address: 10.0.0.9/24\n  ipv6Address: FD00:0:0::9/64\n  asNumber: 65010\n  routeReflectorClusterID: 244.0.0.1\n  ipv4IPIPTunnelAddr: 10.244.0.1\nipv4VXLANTunnelAddr: 10.244.0.2\nvxlanTunnelMACAddr: 66:AA:BB:CC:DD:EE', '  labels:\n    rack: r1\n    enabled: yes\n'),
        doc('IPPool', 'pool', 'cidr: 10.244.1.7/16\nvxlanMode: CrossSubnet\ndisableBGPExport: true\ndisabled: false\nnatOutgoing: true'),
        doc('BlockAffinity', 'b', 'node: n1\ncidr: 10.244.1.0/26\nstate: pendingDeletion'),
        doc('BGPFilter', 'f', 'exportV4:\n- {action: Accept, matchOperator: In, cidr: 10.0.0.0/8, prefixLength: {min: 16, max: 24}, source: RemotePeers, interface: "eth*", peerType: eBGP, communities: {values: ["65000:7"]}, asPathPrefix: [65000, 65001], priority: 512, operations: [{addCommunity: {value: "1:2:3"}}, {prependASPath: {prefix: [65000]}}, {setPriority: {value: 100}}]}\n- {action: Reject}'),
        `apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: kube-system}\ndata: {k: c2VjcmV0}\n`,
      ].join('---\n'),
      'all.yaml',
    );
    const cfg = r.bgpConfigurations.get('default')!.spec;
    assert.equal(cfg.asNumber, 65000);
    assert.equal(cfg.nodeMeshMaxRestartTime, 90);
    assert.deepEqual(cfg.serviceClusterIPs?.map((c) => c.text), ['10.96.0.0/12']);
    const p = r.bgpPeers[0]!.spec;
    assert.equal(p.peerIP?.ip.text, 'fd00::1');
    assert.equal(p.peerIP?.port, 1790);
    assert.equal(p.asNumber, 65546);
    assert.equal(p.localASNumber, 65001);
    const n = r.nodes.get('n1')!;
    assert.equal(n.bgp?.ipv6Address?.ip.text, 'fd00::9');
    assert.equal(n.bgp?.ipv6Address?.network.text, 'fd00::/64');
    assert.deepEqual(n.labels, { rack: 'r1', enabled: 'true' });
    assert.equal(r.ipPools[0]!.cidr.text, '10.244.0.0/16');
    assert.equal(r.blockAffinities[0]!.state, 'pendingDeletion');
    assert.equal(r.bgpFilters.get('f')!.exportV4[0]!.operations.length, 3);
    assert.equal(r.secrets.get('s')!.data['k'], 'secret');
  });

  it('names the resource, field and problem for bad values', () => {
    expectIssue(doc('BGPPeer', 'p1', 'peerIP: 10.0.0.300\nasNumber: 1'), 'BGPPeer', 'p1', 'spec.peerIP', /"10.0.0.300" is not an IP address, ip:port or \[ipv6\]:port/);
    expectIssue(doc('BGPPeer', 'p2', 'peerIP: 10.0.0.1'), 'BGPPeer', 'p2', 'spec.asNumber', /is required when spec.peerIP is set/);
    expectIssue(doc('BGPPeer', 'p3', 'peerSelector: all()\nasNumber: 5'), 'BGPPeer', 'p3', 'spec.asNumber', /must be empty when spec.peerSelector is set/);
    expectIssue(doc('BGPPeer', 'p4', 'node: a\nnodeSelector: all()\npeerSelector: all()'), 'BGPPeer', 'p4', 'spec.nodeSelector', /must be empty when spec.node is set/);
    expectIssue(doc('BGPPeer', 'p5', 'peerSelector: "has(x"'), 'BGPPeer', 'p5', 'spec.peerSelector', /invalid selector: .* at position 5/);
    expectIssue(doc('BGPPeer', 'p6', 'peerIP: 10.0.0.1\nasNumber: 1\nmaxRestartTime: ten'), 'BGPPeer', 'p6', 'spec.maxRestartTime', /not a duration/);
    expectIssue(doc('BGPPeer', 'p7', 'peerIP: 10.0.0.1\nasNumber: 1\nttlSecurity: 300'), 'BGPPeer', 'p7', 'spec.ttlSecurity', /out of range \(0..255\)/);
    expectIssue(doc('BGPPeer', 'p8', 'peerIP: 10.0.0.1\nasNumber: 1\nreachableBy: fd00::1'), 'BGPPeer', 'p8', 'spec.reachableBy', /family does not match/);
    expectIssue(doc('BGPPeer', 'p9', 'peerIP: 10.0.0.1\nasNumber: 1\nnextHopMode: Sometimes'), 'BGPPeer', 'p9', 'spec.nextHopMode', /not one of Auto, Self, Keep/);
    expectIssue(doc('BGPPeer', 'p10', 'peerIP: 10.0.0.1\nasNumber: 1\npassword: {secretKeyRef: {name: s}}'), 'BGPPeer', 'p10', 'spec.password.secretKeyRef.key', /is required/);
    expectIssue(doc('BGPConfiguration', 'default', 'listenPort: 70000'), 'BGPConfiguration', 'default', 'spec.listenPort', /out of range/);
    expectIssue(doc('BGPConfiguration', 'default', 'nodeToNodeMeshEnabled: maybe'), 'BGPConfiguration', 'default', 'spec.nodeToNodeMeshEnabled', /expected true or false/);
    expectIssue(doc('BGPConfiguration', 'global', 'asNumber: 1'), 'BGPConfiguration', 'global', 'metadata.name', /must be "default" or "node.<nodename>"/);
    expectIssue(doc('BGPConfiguration', 'default', 'prefixAdvertisements: [{cidr: 10.0.0.0/8, communities: [nope]}]'), 'BGPConfiguration', 'default', 'spec.prefixAdvertisements[0].communities[0]', /neither a community value nor a name/);
    expectIssue(doc('BGPConfiguration', 'default', 'communities: [{name: x, value: "70000:1"}]'), 'BGPConfiguration', 'default', 'spec.communities[0].value', /not a community/);
    expectIssue(doc('BGPConfiguration', 'default', 'programClusterRoutes: Sometimes'), 'BGPConfiguration', 'default', 'spec.programClusterRoutes', /not one of Enabled, Disabled/);
    expectIssue(doc('Node', 'n', 'bgp:\n  ipv4Address: fd00::1/64'), 'Node', 'n', 'spec.bgp.ipv4Address', /not an IPv4 address/);
    expectIssue(doc('Node', 'n', 'bgp:\n  ipv4Address: 10.0.0.1/40'), 'Node', 'n', 'spec.bgp.ipv4Address', /not an address with an optional prefix length/);
    expectIssue(doc('Node', 'n', 'bgp:\n  routeReflectorClusterID: fd00::1'), 'Node', 'n', 'spec.bgp.routeReflectorClusterID', /not an IPv4 address/);
    expectIssue(doc('IPPool', 'ip', 'cidr: 10.0.0.0/8\nipipMode: Always\nvxlanMode: Always'), 'IPPool', 'ip', 'spec.vxlanMode', /IPIP or VXLAN, not both/);
    expectIssue(doc('IPPool', 'ip', 'cidr: fd00::/48\nipipMode: CrossSubnet'), 'IPPool', 'ip', 'spec.ipipMode', /not supported on an IPv6 pool/);
    expectIssue(doc('IPPool', 'ip', 'ipipMode: Never'), 'IPPool', 'ip', 'spec.cidr', /is required/);
    expectIssue(doc('IPPool', 'ip', 'cidr: 10.0.0.0/8\nipipMode: always'), 'IPPool', 'ip', 'spec.ipipMode', /"always" is not one of Always, CrossSubnet, Never/);
    expectIssue(doc('BlockAffinity', 'b', 'node: n\ncidr: 10.0.0.0/26\nstate: maybe'), 'BlockAffinity', 'b', 'spec.state', /not one of confirmed, pending, pendingDeletion/);
    expectIssue(doc('BGPFilter', 'f', 'exportV4: [{action: Accept, cidr: 10.0.0.0/8}]'), 'BGPFilter', 'f', 'spec.exportV4[0].matchOperator', /set together/);
    expectIssue(doc('BGPFilter', 'f', 'importV6: [{action: Accept, matchOperator: In, cidr: 10.0.0.0/8}]'), 'BGPFilter', 'f', 'spec.importV6[0].cidr', /not an IPv6 CIDR/);
    expectIssue(doc('BGPFilter', 'f', 'exportV4: [{action: Maybe}]'), 'BGPFilter', 'f', 'spec.exportV4[0].action', /not one of Accept, Reject/);
    expectIssue(doc('BGPFilter', 'f', 'exportV4: [{action: Reject, operations: [{setPriority: {value: 5}}]}]'), 'BGPFilter', 'f', 'spec.exportV4[0].operations', /only allowed on Accept/);
    expectIssue(`apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: "not base64!"}\n`, 'Secret', 's', 'data.k', /not base64/);
  });

  it('rejects unknown kinds, wrong apiVersions, missing names and duplicates', () => {
    expectIssue('apiVersion: projectcalico.org/v3\nkind: BGPPeerz\nmetadata: {name: x}\n', 'BGPPeerz', 'x', 'kind', /is not a resource petrel reads/);
    expectIssue('apiVersion: projectcalico.org/v1\nkind: IPPool\nmetadata: {name: x}\nspec: {cidr: 10.0.0.0/8}\n', 'IPPool', 'x', 'apiVersion', /must be projectcalico.org\/v3/);
    expectIssue('apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {}\nspec: {cidr: 10.0.0.0/8}\n', 'IPPool', '', 'metadata.name', /is required/);
    expectIssue(doc('IPPool', 'a', 'cidr: 10.0.0.0/8') + '---\n' + doc('IPPool', 'a', 'cidr: 11.0.0.0/8'), 'IPPool', 'a', 'metadata.name', /defined twice/);
    expectIssue(doc('IPPool', 'a', 'cidr: 10.0.0.0/8') + '---\n' + doc('IPPool', 'b', 'cidr: 10.1.0.0/16'), 'IPPool', 'b', 'spec.cidr', /overlaps IPPool "a"/);
    expectIssue(doc('Node', 'a', 'bgp: {ipv4Address: 10.0.0.1/24}') + '---\n' + doc('Node', 'b', 'bgp: {ipv4Address: 10.0.0.1/24}'), 'Node', 'b', 'spec.bgp.ipv4Address', /also the address of Node "a"/);
  });

  it('rejects malformed YAML as a whole, with the line', () => {
    const all = issues(doc('IPPool', 'a', 'cidr: 10.0.0.0/8') + '---\nkind: IPPool\n  metadata: : :\n');
    assert.equal(all[0]!.kind, 'YAML');
    assert.ok((all[0]!.where?.line ?? 0) >= 7);
    assert.equal(issues('a: 1\na: 2\n')[0]!.kind, 'YAML'); // duplicate keys
    assert.match(issues('- just\n- a list\n')[0]!.problem, /expected a resource/);
    assert.match(issues('x: &a [1]\ny: *a\n')[0]!.problem, /aliases/);
  });

  it('warns, without failing, about fields and kinds it ignores', () => {
    const r = loadResources(doc('IPPool', 'a', 'cidr: 10.0.0.0/8\nipipMod: Always') + '---\n' + doc('FelixConfiguration', 'default', 'logSeverityScreen: Info'), 't');
    assert.ok(r.warnings.some((w) => w.field === 'spec.ipipMod' && /unknown field/.test(w.problem)));
    assert.ok(r.warnings.some((w) => w.kind === 'FelixConfiguration'));
  });

  it('later layers replace resources of the same kind and name, as calicoctl apply does', () => {
    const r = loadResourceLayers([
      { text: doc('BGPConfiguration', 'node.a', 'listenPort: 500'), source: 'one' },
      { text: doc('BGPConfiguration', 'node.a', ''), source: 'two' },
    ]);
    assert.equal(r.bgpConfigurations.get('node.a')!.spec.listenPort, undefined);
  });

  it('YAML 1.1 scalars are read as calicoctl reads them: unquoted yes is "true", quoted stays', () => {
    const r = loadResources(doc('Node', 'n', 'bgp: {}', '  labels:\n    a: yes\n    b: "yes"\n    c: 100:6532\n    d: n\n'), 't');
    assert.deepEqual(r.nodes.get('n')!.labels, { a: 'true', b: 'yes', c: '100:6532', d: 'n' });
  });
});

describe('calico values', () => {
  it('peerIP forms: ip, ip:port, [v6]:port; a bare IPv6 has no port', () => {
    assert.deepEqual(parsePeerAddress('10.0.0.1'), { ip: { family: 'ipv4', text: '10.0.0.1' }, port: null });
    assert.deepEqual(parsePeerAddress('10.0.0.1:179'), { ip: { family: 'ipv4', text: '10.0.0.1' }, port: 179 });
    assert.deepEqual(parsePeerAddress('[fd00:0::1]:50'), { ip: { family: 'ipv6', text: 'fd00::1' }, port: 50 });
    assert.deepEqual(parsePeerAddress('fd00::1'), { ip: { family: 'ipv6', text: 'fd00::1' }, port: null });
    for (const bad of ['10.0.0.1:0', '10.0.0.1:70000', '[10.0.0.1]:179', '[fd00::1]', 'fd00::1:179:x', '', 'host:179', '10.0.0:179']) {
      assert.equal(parsePeerAddress(bad), null, bad);
    }
  });

  it('AS numbers: plain and asdot', () => {
    assert.equal(parseAsNumber('64512'), 64512);
    assert.equal(parseAsNumber('4294967295'), 4294967295);
    assert.equal(parseAsNumber('1.10'), 65546);
    assert.equal(parseAsNumber('4294967296'), null);
    assert.equal(parseAsNumber('65536.1'), null);
    assert.equal(parseAsNumber('-1'), null);
  });

  it('durations as Go parses them', () => {
    assert.equal(parseGoDuration('10s'), 10);
    assert.equal(parseGoDuration('1m30s'), 90);
    assert.equal(parseGoDuration('1.5h'), 5400);
    assert.equal(parseGoDuration('500ms'), 0.5);
    assert.equal(parseGoDuration('0'), 0);
    assert.equal(parseGoDuration('10'), null);
    assert.equal(parseGoDuration('s'), null);
  });
});
