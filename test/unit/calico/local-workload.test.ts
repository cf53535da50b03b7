/**
 * Local workload peering (BGPPeer localWorkloadSelector): WorkloadEndpoint and
 * Profile resources, Felix's endpoint-status files, Felix's choice of BGPPeer
 * per endpoint, confd's Local_Workload_<ip> sessions, the diff, the file
 * datastore following the status directory, and Calico's confd golden
 * `explicit_peering/local_bgp_peer` as data.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  CalicoConfigError,
  computeDesiredState,
  diffDesiredState,
  FileDatastore,
  loadResources,
  parseEndpointStatus,
  readEndpointStatusDir,
  sessionsDisturbed,
  toPlanJson,
  type DatastoreUpdate,
  type DesiredPeer,
  type DesiredState,
  type EndpointStatus,
  type ValidationIssue,
} from '../../../src/calico/index.js';

const cfg = (spec: string, name = 'default') => `apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata: {name: ${name}}\nspec: {${spec}}\n`;
const node = (name: string, bgp: string, labels = '') =>
  `apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: ${name}${labels ? `, labels: {${labels}}` : ''}}\nspec: {bgp: {${bgp}}}\n`;
const peer = (name: string, spec: string) => `apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: ${name}}\nspec: {${spec}}\n`;
const filter = (name: string, spec: string) => `apiVersion: projectcalico.org/v3\nkind: BGPFilter\nmetadata: {name: ${name}}\nspec: {${spec}}\n`;
/** A WorkloadEndpoint as calicoctl prints a pod's (labels include Calico's own). */
const wep = (name: string, nodeName: string, ips: string[], labels: Record<string, string>, extra = '', ns = 'default') =>
  [
    'apiVersion: projectcalico.org/v3',
    'kind: WorkloadEndpoint',
    'metadata:',
    `  name: ${nodeName}-k8s-${name}-eth0`,
    `  namespace: ${ns}`,
    '  labels:',
    ...Object.entries({ ...labels, 'projectcalico.org/namespace': ns, 'projectcalico.org/orchestrator': 'k8s' }).map(([k, v]) => `    ${k}: "${v}"`),
    'spec:',
    '  orchestrator: k8s',
    `  node: ${nodeName}`,
    `  pod: ${name}`,
    '  endpoint: eth0',
    `  interfaceName: cali${name.replace(/[^a-z0-9]/g, '').slice(0, 11)}`,
    `  ipNetworks: [${ips.map((i) => `"${i}"`).join(', ')}]`,
    `  profiles: [kns.${ns}]`,
    extra,
  ].join('\n') + '\n';
const profile = (name: string, labels: string) => `apiVersion: projectcalico.org/v3\nkind: Profile\nmetadata: {name: ${name}}\nspec: {labelsToApply: {${labels}}}\n`;

const load = (docs: string[]) => loadResources(docs.join('---\n'), 'test.yaml');
const plan = (docs: string[], me: string, statuses?: EndpointStatus[]): DesiredState =>
  computeDesiredState(load(docs), me, {}, statuses ? { endpointStatuses: statuses } : {});
const local = (s: DesiredState) => s.peers.filter((p) => p.type === 'localWorkload');
const names = (ps: DesiredPeer[]) => ps.map((p) => p.name);

function issues(docs: string[]): ValidationIssue[] {
  try {
    load(docs);
  } catch (e) {
    if (e instanceof CalicoConfigError) return [...e.issues];
    throw e;
  }
  return assert.fail('expected the resources to be rejected');
}

const status = (file: string, v4: string[], v6: string[], bgpPeerName: string): EndpointStatus => ({ file, ifaceName: `cali${file}`, mac: '', ipv4Nets: v4, ipv6Nets: v6, bgpPeerName });

const dual = node('me', 'ipv4Address: 10.0.0.2/24, ipv6Address: "fd00::2/64"', 'host: me');
const base = [cfg('nodeToNodeMeshEnabled: false, localWorkloadPeeringIPV4: 169.254.0.179, localWorkloadPeeringIPV6: "fd12:3456:789a::1"'), dual, node('other', 'ipv4Address: 10.0.0.3/24', 'host: other')];

describe('calico local workload peering', () => {
  describe('WorkloadEndpoint and Profile resources', () => {
    it('reads a WorkloadEndpoint as calicoctl shows it, typed, in namespace and name order', () => {
      const r = load([
        wep('b', 'me', ['10.65.0.9/32'], { app: 'x' }, '  mac: "EE:EE:EE:EE:EE:EE"\n  containerID: abc\n  serviceAccountName: default\n  ports: [{name: http, port: 80, protocol: TCP}]'),
        wep('a', 'me', ['fd00:65::0007/128', '10.65.0.7'], { app: 'x' }),
        wep('a', 'me', ['10.65.0.8/32'], { app: 'y' }, '', 'kube-system'),
        profile('kns.default', 'pcns.team: blue'),
      ]);
      assert.deepEqual(r.workloadEndpoints.map((w) => `${w.namespace}/${w.name}`), ['default/me-k8s-a-eth0', 'default/me-k8s-b-eth0', 'kube-system/me-k8s-a-eth0']);
      const a = r.workloadEndpoints[0]!;
      assert.deepEqual(a.ipNetworks.map((n) => [n.ip.text, n.cidr.text]), [['fd00:65::7', 'fd00:65::7/128'], ['10.65.0.7', '10.65.0.7/32']]);
      assert.deepEqual([a.node, a.pod, a.endpoint, a.orchestrator, a.interfaceName], ['me', 'a', 'eth0', 'k8s', 'calia']);
      assert.equal(a.labels['projectcalico.org/namespace'], 'default');
      assert.deepEqual(a.profiles, ['kns.default']);
      assert.equal(r.workloadEndpoints[1]!.mac, 'ee:ee:ee:ee:ee:ee');
      assert.deepEqual(r.profiles.get('kns.default')!.labelsToApply, { 'pcns.team': 'blue' });
      assert.ok(!r.warnings.some((w) => w.kind === 'WorkloadEndpoint' || w.kind === 'Profile'), JSON.stringify(r.warnings));
    });

    it('rejects bad addresses, MACs, profiles and a name used twice in one namespace, naming resource and field', () => {
      const all = issues([
        wep('a', 'me', ['10.65.0.300/32', 'fd00::/129', 'pod-ip'], {}, '  mac: nope'),
        wep('b', 'me', [], {}).replace('profiles: [kns.default]', 'profiles: ["", kns.default]'),
        wep('c', 'me', ['10.65.0.1'], {}),
        wep('c', 'me', ['10.65.0.2'], {}),
      ]);
      const seen = all.map((i) => `${i.kind} ${i.name} ${i.field}: ${i.problem}`);
      const expect = [
        /WorkloadEndpoint me-k8s-a-eth0 spec.ipNetworks\[0\]: "10.65.0.300\/32" is not an IP address or CIDR/,
        /WorkloadEndpoint me-k8s-a-eth0 spec.ipNetworks\[1\]: "fd00::\/129" is not an IP address or CIDR/,
        /WorkloadEndpoint me-k8s-a-eth0 spec.ipNetworks\[2\]: "pod-ip" is not/,
        /WorkloadEndpoint me-k8s-a-eth0 spec.mac: "nope" is not a MAC address/,
        /WorkloadEndpoint me-k8s-b-eth0 spec.profiles\[0\]: is empty/,
        /WorkloadEndpoint me-k8s-c-eth0 metadata.name: is defined twice in test.yaml \(first at line \d+\)/,
      ];
      for (const re of expect) assert.ok(seen.some((l) => re.test(l)), `missing ${re}; got\n${seen.join('\n')}`);
      assert.equal(seen.length, expect.length, seen.join('\n'));
      assert.ok(all.every((i) => i.where?.source === 'test.yaml' && (i.where.line ?? 0) >= 1));
      // The same name in two namespaces is two endpoints.
      assert.equal(load([wep('c', 'me', ['10.65.0.1'], {}), wep('c', 'me', ['10.65.0.2'], {}, '', 'other')]).workloadEndpoints.length, 2);
    });

    it('warns about an endpoint on no node, a CIDR that is not one address, and unknown fields', () => {
      const r = load([wep('a', 'me', ['10.65.0.7/24'], {}, '  colour: red').replace('  node: me\n', '')]);
      const w = r.warnings.map((x) => `${x.field}: ${x.problem}`);
      assert.ok(w.some((l) => /^spec.node: is not set/.test(l)), w.join('\n'));
      assert.ok(w.some((l) => /spec.ipNetworks\[0\]: "10.65.0.7\/24" is not a single address .* network address 10.65.0.0/.test(l)), w.join('\n'));
      assert.ok(w.some((l) => /^spec.colour: unknown field/.test(l)), w.join('\n'));
      assert.equal(r.workloadEndpoints[0]!.ipNetworks[0]!.ip.text, '10.65.0.0');
    });

    it('a BGPPeer with localWorkloadSelector needs asNumber and no peerIP or peerSelector (Calico validation)', () => {
      const seen = issues([
        peer('no-as', 'localWorkloadSelector: "app == \'x\'"'),
        peer('with-ip', 'localWorkloadSelector: "app == \'x\'", peerIP: 10.0.0.9, asNumber: 65001'),
        peer('bad-sel', 'localWorkloadSelector: "app == ", asNumber: 65001'),
      ]).map((i) => `${i.name} ${i.field}: ${i.problem}`);
      assert.ok(seen.some((l) => /^no-as spec.asNumber: is required when spec.localWorkloadSelector is set/.test(l)), seen.join('\n'));
      assert.ok(seen.some((l) => /^with-ip spec.localWorkloadSelector: must be empty when spec.peerIP or spec.peerSelector is set/.test(l)), seen.join('\n'));
      assert.ok(seen.some((l) => /^bad-sel spec.localWorkloadSelector: invalid selector/.test(l)), seen.join('\n'));
    });
  });

  describe("Felix's endpoint-status files", () => {
    it('parses the file Felix writes, as Go reads it', () => {
      const text = '{"ifaceName":"cali97e1defe654","mac":"ee:ee:ee:ee:ee:ee","ipv4Nets":["192.168.162.134/32"],"ipv6Nets":["fd00:10:244:0:586d:4461:e980:a284/128"],"bgpPeerName":"global-peer"}';
      assert.deepEqual(parseEndpointStatus(text, 'k8s default%2Fpod1 eth0'), {
        status: { file: 'k8s default%2Fpod1 eth0', ifaceName: 'cali97e1defe654', mac: 'ee:ee:ee:ee:ee:ee', ipv4Nets: ['192.168.162.134/32'], ipv6Nets: ['fd00:10:244:0:586d:4461:e980:a284/128'], bgpPeerName: 'global-peer' },
      });
      // Keys match case-insensitively, unknown keys and nulls are ignored, omitted fields are empty.
      const loose = parseEndpointStatus('{"IPV4NETS":["10.65.0.7/32"],"BgpPeerName":"p","extra":1,"mac":null}', 'f');
      assert.deepEqual('status' in loose ? [loose.status.ipv4Nets, loose.status.ipv6Nets, loose.status.bgpPeerName, loose.status.mac] : loose, [['10.65.0.7/32'], [], 'p', '']);
      assert.deepEqual(parseEndpointStatus('{"ipv4Nets":"10.65.0.7/32"}', 'f'), { problem: 'ipv4Nets is not a list of strings' });
      assert.deepEqual(parseEndpointStatus('[]', 'f'), { problem: 'not a JSON object' });
      assert.match(('problem' in parseEndpointStatus('{"ipv4Nets":[', 'f') ? (parseEndpointStatus('{"ipv4Nets":[', 'f') as { problem: string }).problem : ''), /^not JSON/);
    });

    it('reads a directory: sorted, subdirectories skipped, a half-written file keeps its previous content, a missing directory is empty', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'petrel-epstatus-'));
      try {
        await writeFile(join(dir, 'k8s default%2Fb eth0'), JSON.stringify({ ipv4Nets: ['10.65.0.8/32'], bgpPeerName: 'p' }));
        await writeFile(join(dir, 'k8s default%2Fa eth0'), JSON.stringify({ ipv4Nets: ['10.65.0.7/32'], bgpPeerName: '' }));
        await mkdir(join(dir, 'sub'));
        const first = await readEndpointStatusDir(dir);
        assert.deepEqual(first.statuses.map((s) => [s.file, s.bgpPeerName]), [['k8s default%2Fa eth0', ''], ['k8s default%2Fb eth0', 'p']]);
        assert.deepEqual(first.warnings, []);
        await writeFile(join(dir, 'k8s default%2Fb eth0'), '{"ipv4Nets": ["10.65');
        await writeFile(join(dir, 'k8s default%2Fc eth0'), 'garbage');
        const second = await readEndpointStatusDir(dir, first);
        assert.deepEqual(second.statuses.map((s) => [s.file, s.ipv4Nets[0]]), [['k8s default%2Fa eth0', '10.65.0.7/32'], ['k8s default%2Fb eth0', '10.65.0.8/32']]);
        assert.equal(second.warnings.length, 2);
        assert.match(second.warnings[0]!, /k8s default%2Fb eth0: not JSON .*keeping its previous content/);
        assert.match(second.warnings[1]!, /k8s default%2Fc eth0: not JSON .*ignored/);
        const missing = await readEndpointStatusDir(join(dir, 'nope'));
        assert.deepEqual(missing.statuses, []);
        assert.match(missing.warnings[0]!, /does not exist/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('confd takes the first address of each family, skips endpoints without a peer, with a bad or no address, or naming a missing BGPPeer', () => {
      const docs = [...base, peer('p', 'localWorkloadSelector: has(bgp), asNumber: 65001')];
      const s = plan(docs, 'me', [
        status('1', ['10.65.0.7/24', '10.65.0.70/32'], ['fd00:65::7/64'], 'p'), // host bits kept, as net.ParseCIDR does
        status('2', ['10.65.0.8/32'], [], ''),
        status('3', ['10.65.0.9'], [], 'p'), // not a CIDR
        status('4', [], ['10.65.0.10/32'], 'p'), // wrong family
        status('5', [], [], 'p'),
        status('6', ['10.65.0.11/32'], [], 'gone'),
      ]);
      assert.deepEqual(names(local(s)), ['Local_Workload_10_65_0_7', 'Local_Workload_fd00_65__7']);
      const w = s.warnings.join('\n');
      assert.match(w, /endpoint-status 3: ipv4Nets\[0\] "10.65.0.9" is not an IPv4 CIDR; endpoint ignored/);
      assert.match(w, /endpoint-status 4: ipv6Nets\[0\] "10.65.0.10\/32" is not an IPv6 CIDR/);
      assert.match(w, /endpoint-status 5: no address yet/);
      assert.match(w, /endpoint-status 6: BGPPeer "gone" does not exist/);
      assert.ok(!/endpoint-status 2/.test(w));
    });
  });

  describe("selection (Felix's ActiveBGPPeerCalculator)", () => {
    // Felix's calc test as data: red, red-2, blue and yellow endpoints on "me".
    const endpoints = [
      wep('w-red', 'me', ['10.65.0.1/32'], { color: 'red' }),
      wep('w-red-2', 'me', ['10.65.0.2/32'], { color: 'red' }),
      wep('w-blue', 'me', ['10.65.0.3/32'], { color: 'blue' }),
      wep('w-yellow', 'me', ['10.65.0.4/32'], { color: 'yellow' }),
      wep('w-red-elsewhere', 'other', ['10.65.1.1/32'], { color: 'red' }),
    ];
    const peers = [
      peer('global-peer-on-nothing', 'peerIP: 17.16.0.5, asNumber: 65100'),
      peer('global-peer-red', 'localWorkloadSelector: "color == \'red\'", asNumber: 65001'),
      peer('node-specific-peer-my-host-blue', 'nodeSelector: "host == \'me\'", localWorkloadSelector: "color == \'blue\'", asNumber: 65002'),
      peer('node-specific-peer-other-host-yellow', 'nodeSelector: "host == \'other\'", localWorkloadSelector: "color == \'yellow\'", asNumber: 65003'),
    ];
    const byWorkload = (s: DesiredState) => Object.fromEntries(local(s).map((p) => [p.workload!.replace(/^WorkloadEndpoint default\/me-k8s-|-eth0$/g, ''), p.fromBgpPeer]));

    it('global and node-selected BGPPeers pick endpoints on this node only, by their labels', () => {
      const s = plan([...base, ...endpoints, ...peers], 'me');
      assert.deepEqual(byWorkload(s), { 'w-red': 'global-peer-red', 'w-red-2': 'global-peer-red', 'w-blue': 'node-specific-peer-my-host-blue' });
      assert.deepEqual(names(local(s)), ['Local_Workload_10_65_0_1', 'Local_Workload_10_65_0_2', 'Local_Workload_10_65_0_3']);
      assert.deepEqual(names(local(plan([...base, ...endpoints, ...peers], 'other'))), ['Local_Workload_10_65_1_1']);
    });

    it('follows label changes of endpoints and of the node, and spec.node', () => {
      const relabelled = endpoints.map((d) => (d.includes('w-red-2') ? d.replace('color: "red"', 'color: "blue"') : d));
      assert.equal(byWorkload(plan([...base, ...relabelled, ...peers], 'me'))['w-red-2'], 'node-specific-peer-my-host-blue');
      const moved = base.map((d) => d.replace('host: me', 'host: other'));
      assert.deepEqual(byWorkload(plan([...moved, ...endpoints, ...peers], 'me')), { 'w-red': 'global-peer-red', 'w-red-2': 'global-peer-red', 'w-yellow': 'node-specific-peer-other-host-yellow' });
      const byNode = [...peers, peer('node-specific-peer-my-host-yellow', 'node: me, localWorkloadSelector: "color == \'yellow\'", asNumber: 65004')];
      assert.equal(byWorkload(plan([...base, ...endpoints, ...byNode], 'me'))['w-yellow'], 'node-specific-peer-my-host-yellow');
      assert.equal(byWorkload(plan([...base, ...endpoints, peer('elsewhere', 'node: other, localWorkloadSelector: all(), asNumber: 65005')], 'me'))['w-red'], undefined);
    });

    it('an endpoint matched by several BGPPeers gets the first by name; profiles lend labels, own labels win', () => {
      const docs = [
        ...base,
        wep('a', 'me', ['10.65.0.1/32'], {}),
        wep('b', 'me', ['10.65.0.2/32'], { 'pcns.team': 'red' }),
        wep('c', 'me', ['10.65.0.3/32'], {}).replace('profiles: [kns.default]', 'profiles: [kns.default, ksa.default.bgp]'),
        profile('kns.default', 'pcns.team: blue'),
        profile('ksa.default.bgp', 'pcns.team: red, pcsa.role: router'),
        peer('z-blue', 'localWorkloadSelector: "pcns.team == \'blue\'", asNumber: 65001'),
        peer('a-router', 'localWorkloadSelector: "pcsa.role == \'router\'", asNumber: 65002'),
        peer('m-red', 'localWorkloadSelector: "pcns.team == \'red\'", asNumber: 65003'),
      ];
      const s = plan(docs, 'me');
      assert.deepEqual(local(s).map((p) => [p.address, p.fromBgpPeer, p.asNumber]), [
        ['10.65.0.1', 'z-blue', 65001], // the namespace profile's label
        ['10.65.0.2', 'm-red', 65003], // its own label beats the profile's
        ['10.65.0.3', 'a-router', 65002], // the first profile wins (blue), and a-router sorts before z-blue
      ]);
    });

    it('a BGPPeer without localWorkloadSelector selects no workload; an endpoint without addresses is reported', () => {
      const s = plan([...base, wep('a', 'me', [], { app: 'x' }), peer('plain', 'peerIP: 10.0.0.9, asNumber: 65001'), peer('lw', 'localWorkloadSelector: "app == \'x\'", asNumber: 65002')], 'me');
      assert.deepEqual(names(local(s)), []);
      assert.match(s.warnings.join('\n'), /WorkloadEndpoint default\/me-k8s-a-eth0: selected by BGPPeer "lw" but has no spec.ipNetworks yet/);
    });
  });

  describe('sessions', () => {
    it('IPv4 and IPv6: one passive session per family, named by the address, no source address, the peering IP as local address', () => {
      const s = plan([...base, wep('a', 'me', ['10.65.0.7/32', 'fd00:65::7/128'], { app: 'x' }), peer('lw', 'localWorkloadSelector: "app == \'x\'", asNumber: 65001, sourceAddress: UseNodeIP')], 'me');
      const json = toPlanJson(s).peers;
      assert.deepEqual(json.map((p) => [p.name, p.address, p.family, p.type, p.port, p.passive, p.sourceAddress, p.localAddress]), [
        ['Local_Workload_10_65_0_7', '10.65.0.7', 'ipv4', 'localWorkload', null, true, null, '169.254.0.179'],
        ['Local_Workload_fd00_65__7', 'fd00:65::7', 'ipv6', 'localWorkload', null, true, null, 'fd12:3456:789a::1'],
      ]);
      assert.deepEqual(s.warnings, []);
    });

    it('names never carry _port_: a workload peering has no peerIP and is no Calico node, so its port is 0 (BGP 179)', () => {
      const s = plan([...base.map((d) => d.replace('nodeToNodeMeshEnabled: false', 'nodeToNodeMeshEnabled: false, listenPort: 1790')), wep('a', 'me', ['10.65.0.7/32'], { app: 'x' }), peer('lw', 'localWorkloadSelector: has(app), asNumber: 65001'), peer('n', 'node: me, peerIP: "10.0.0.3", asNumber: 64512')], 'me');
      assert.deepEqual(s.peers.map((p) => [p.name, p.port]), [['Local_Workload_10_65_0_7', null], ['Node_10_0_0_3_port_1790', 1790]]);
    });

    it('a family the node has no address in has no sessions; the node IP itself is never a peer', () => {
      const v4only = [cfg('nodeToNodeMeshEnabled: false'), node('me', 'ipv4Address: 10.0.0.2/24')];
      const s = plan([...v4only, wep('a', 'me', ['10.0.0.2/32', 'fd00:65::7/128'], { app: 'x' }), wep('b', 'me', ['10.65.0.8/32'], { app: 'x' }), peer('lw', 'localWorkloadSelector: has(app), asNumber: 65001')], 'me');
      assert.deepEqual(names(local(s)), ['Local_Workload_10_65_0_8']);
    });

    it('options come from the BGPPeer: AS, local AS, password, timers, TTL security, next hop, allowed local AS, filters', () => {
      const docs = [
        ...base,
        `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {k: pw}\n`,
        filter('in', 'importV4: [{action: Accept, matchOperator: In, cidr: 10.123.0.0/16}], importV6: [{action: Accept, matchOperator: In, cidr: "ca11:c0::/32"}]'),
        filter('out', 'exportV4: [{action: Reject}]'),
        wep('a', 'me', ['10.65.0.7/32', 'fd00:65::7/128'], { app: 'x' }),
        peer('lw', 'localWorkloadSelector: "app == \'x\'", asNumber: 65401, localASNumber: 65010, password: {secretKeyRef: {name: s, key: k}}, maxRestartTime: 90s, keepaliveTime: 20s, ttlSecurity: 1, nextHopMode: Self, numAllowedLocalASNumbers: 2, filters: [out, in], reachableBy: 10.0.0.1'),
      ];
      const [v4, v6] = local(plan(docs, 'me'));
      assert.deepEqual(
        [v4!.asNumber, v4!.localAsNumber, v4!.password, v4!.gracefulRestartTime, v4!.keepaliveTime, v4!.ttlSecurity, v4!.multihop, v4!.nextHop, v4!.allowLocalAs, v4!.internal, v4!.reachableBy],
        [65401, 65010, 'pw', 90, 20, true, 1, 'self', 2, false, null],
      );
      assert.deepEqual([v4!.importFilters.map((f) => f.rules[0]!.cidr), v4!.exportFilters.map((f) => f.name)], [['10.123.0.0/16'], ['out']]);
      assert.deepEqual([v6!.importFilters.map((f) => f.rules[0]!.cidr), v6!.exportFilters], [['ca11:c0::/32'], []]);
    });

    it('iBGP to a workload on a route reflector makes it a client; the default multihop is 64 without TTL security', () => {
      const docs = [cfg('nodeToNodeMeshEnabled: false'), node('me', 'ipv4Address: 10.0.0.2/24, routeReflectorClusterID: 244.0.0.1'), wep('a', 'me', ['10.65.0.7/32'], { app: 'x' }), peer('lw', 'localWorkloadSelector: has(app), asNumber: 64512')];
      const [p] = local(plan(docs, 'me'));
      assert.deepEqual([p!.internal, p!.routeReflectorClient, p!.clusterId, p!.ttlSecurity, p!.multihop, p!.nextHop], [true, true, '244.0.0.1', false, 64, 'auto']);
    });

    it('warns when the peering IP is not set, or bindMode NodeIP keeps workloads from connecting', () => {
      const docs = (spec: string) => [cfg(`nodeToNodeMeshEnabled: false${spec}`), dual, wep('a', 'me', ['10.65.0.7/32', 'fd00:65::7/128'], { app: 'x' }), peer('lw', 'localWorkloadSelector: has(app), asNumber: 65001')];
      const unset = plan(docs(', localWorkloadPeeringIPV4: 169.254.0.179'), 'me');
      assert.deepEqual(local(unset).map((p) => p.localAddress), ['169.254.0.179', null]);
      assert.deepEqual(unset.warnings, ['BGPConfiguration "default" spec.localWorkloadPeeringIPV6 is not set: Felix gives the 1 local workload peer(s) of ipv6 no address on this node to connect to']);
      const bound = plan(docs(', localWorkloadPeeringIPV4: 169.254.0.179, localWorkloadPeeringIPV6: "fd12::1", bindMode: NodeIP'), 'me');
      assert.equal(bound.warnings.length, 2);
      assert.match(bound.warnings[0]!, /bindMode NodeIP: BGP listens on the node IP only, so the 1 local workload peer\(s\) of ipv4 cannot connect to 169.254.0.179/);
    });

    it('status files and WorkloadEndpoints together: one session per address, the status file first', () => {
      const docs = [...base, wep('a', 'me', ['10.65.0.7/32'], { app: 'x' }), wep('b', 'me', ['10.65.0.8/32'], { app: 'x' }), peer('lw', 'localWorkloadSelector: has(app), asNumber: 65001'), peer('other', 'localWorkloadSelector: has(nothing), asNumber: 65002')];
      const s = plan(docs, 'me', [status('k8s default%2Fa eth0', ['10.65.0.7/32'], [], 'other')]);
      assert.deepEqual(local(s).map((p) => [p.name, p.asNumber, p.workload]), [
        ['Local_Workload_10_65_0_7', 65002, 'endpoint-status k8s default%2Fa eth0'],
        ['Local_Workload_10_65_0_8', 65001, 'WorkloadEndpoint default/me-k8s-b-eth0'],
      ]);
      assert.match(s.warnings.join('\n'), /WorkloadEndpoint default\/me-k8s-a-eth0: 10.65.0.7 is already peered as Local_Workload_10_65_0_7 \(endpoint-status k8s default%2Fa eth0\); ignored/);
    });
  });

  describe('Calico confd golden explicit_peering/local_bgp_peer (node kube-master)', () => {
    // The scenario's resources, and the two endpoint-status files its test writes, restated.
    const resources = [
      cfg('programClusterRoutes: Enabled, nodeToNodeMeshEnabled: false'),
      node('kube-master', 'ipv4Address: 10.192.0.2/16, ipv6Address: "2001::102/64"', 'global-peer: "yes"'),
      node('kube-node-1', 'ipv4Address: 10.192.0.3/16, ipv6Address: "2001::103/64"', 'global-peer: "yes"'),
      node('kube-node-2', 'ipv4Address: 10.192.0.4/16, ipv6Address: "2001::104/64"', 'node-peer: "yes"'),
      filter('import-only-filter', 'importV4: [{action: Accept, matchOperator: In, cidr: 44.0.0.0/16}], importV6: [{action: Accept, matchOperator: In, cidr: "5000::0/64"}]'),
      peer('test-global-peer-with-filter', 'localWorkloadSelector: "app == \'calico-bird-0\'", asNumber: 64516, localASNumber: 65002, filters: [import-only-filter]'),
      peer('test-node-peer-with-filter', 'localWorkloadSelector: "app == \'calico-bird-0\'", node: kube-master, asNumber: 64517, localASNumber: 65001, filters: [import-only-filter]'),
    ];
    const statuses = [
      status('pod1', ['192.168.162.134/32'], ['fd00:10:244:0:586d:4461:e980:a284/128'], 'test-global-peer-with-filter'),
      status('pod2', ['192.168.162.136/32'], ['fd00:10:244:0:586d:4461:e980:a286/128'], 'test-node-peer-with-filter'),
    ];
    const importFilter = (cidr: string) => [{ name: 'import-only-filter', rules: [{ action: 'accept', matchOperator: 'In', cidr, prefixLength: null, source: null, interface: null, peerType: null, communities: null, asPathPrefix: null, priority: null, operations: [] }] }];
    // What bird.cfg and bird6.cfg say for each protocol, as plan fields.
    const expected = (name: string, address: string, family: 'ipv4' | 'ipv6', asNumber: number, localAsNumber: number) => ({
      name,
      address,
      port: null,
      asNumber,
      localAsNumber,
      type: 'localWorkload',
      family,
      passive: true, // passive on;
      routeReflectorClient: false,
      clusterId: null,
      password: false,
      gracefulRestartTime: null,
      keepaliveTime: null,
      ttlSecurity: false, // ttl security off;
      multihop: 64, // multihop;
      nextHop: 'auto',
      sourceAddress: null, // no source address line
      localAddress: null, // the scenario sets no localWorkloadPeeringIP
      allowLocalAs: null,
      reachableBy: null,
      importFilters: importFilter(family === 'ipv4' ? '44.0.0.0/16' : '5000::/64'),
      exportFilters: [], // the filter has no export rules: calico_export_to_bgp_peers(false); reject;
      maxPrefixes: null,
    });

    it('renders the two Local_Workload sessions of each family with the options of the BGPPeer each status file names', () => {
      const s = plan(resources, 'kube-master', statuses);
      assert.deepEqual(toPlanJson(s).peers, [
        expected('Local_Workload_192_168_162_134', '192.168.162.134', 'ipv4', 64516, 65002),
        expected('Local_Workload_192_168_162_136', '192.168.162.136', 'ipv4', 64517, 65001),
        expected('Local_Workload_fd00_10_244_0_586d_4461_e980_a284', 'fd00:10:244:0:586d:4461:e980:a284', 'ipv6', 64516, 65002),
        expected('Local_Workload_fd00_10_244_0_586d_4461_e980_a286', 'fd00:10:244:0:586d:4461:e980:a286', 'ipv6', 64517, 65001),
      ]);
      assert.ok(s.peers.every((p) => !p.internal), 'calico_export_to_bgp_peers(false): eBGP from the local AS');
    });

    it('from WorkloadEndpoints instead, Felix gives both pods the first matching BGPPeer by name', () => {
      const weps = [wep('pod1', 'kube-master', ['192.168.162.134/32'], { app: 'calico-bird-0' }), wep('pod2', 'kube-master', ['192.168.162.136/32'], { app: 'calico-bird-0' })];
      const s = plan([...resources, ...weps], 'kube-master');
      assert.deepEqual(s.peers.map((p) => [p.name, p.fromBgpPeer, p.asNumber, p.localAsNumber]), [
        ['Local_Workload_192_168_162_134', 'test-global-peer-with-filter', 64516, 65002],
        ['Local_Workload_192_168_162_136', 'test-global-peer-with-filter', 64516, 65002],
      ]);
      assert.deepEqual(plan([...resources, ...weps], 'kube-node-1').peers, [], 'the endpoints are on kube-master');
    });
  });

  describe('diff', () => {
    const docs = [...base, peer('lw', 'localWorkloadSelector: "app == \'x\'", asNumber: 65001'), peer('lw2', 'localWorkloadSelector: "app == \'y\'", asNumber: 65002')];
    const a = wep('a', 'me', ['10.65.0.7/32'], { app: 'x' });
    const b = wep('b', 'me', ['10.65.0.8/32', 'fd00:65::8/128'], { app: 'x' });
    const before = plan([...docs, a], 'me');
    const peerChanges = (prev: DesiredState, next: DesiredState) =>
      diffDesiredState(prev, next)
        .filter((c) => c.kind.startsWith('peer'))
        .map((c) => `${c.kind} ${(c as { name: string }).name}`);

    it('a workload appearing adds its sessions and disturbs no other', () => {
      const after = plan([...docs, a, b], 'me');
      assert.deepEqual(peerChanges(before, after), ['peerAdded Local_Workload_10_65_0_8', 'peerAdded Local_Workload_fd00_65__8']);
      assert.deepEqual(sessionsDisturbed(diffDesiredState(before, after)), []);
    });

    it('labels changing so that it no longer matches removes its session', () => {
      const after = plan([...docs, a.replace('app: "x"', 'app: "z"')], 'me');
      assert.deepEqual(peerChanges(before, after), ['peerRemoved Local_Workload_10_65_0_7']);
      assert.deepEqual(sessionsDisturbed(diffDesiredState(before, after)), ['Local_Workload_10_65_0_7']);
    });

    it('labels moving it to another BGPPeer with another AS reset that session only', () => {
      const ch = diffDesiredState(plan([...docs, a, b], 'me'), plan([...docs, a.replace('app: "x"', 'app: "y"'), b], 'me'));
      const c = ch.find((x) => x.kind === 'peerChanged');
      assert.ok(c && c.kind === 'peerChanged');
      assert.deepEqual([c.name, [...c.changedFields].sort(), c.resetRequired], ['Local_Workload_10_65_0_7', ['asNumber'], true]);
      assert.deepEqual(sessionsDisturbed(ch), ['Local_Workload_10_65_0_7']);
    });

    it('a new peering IP changes localAddress without a reset (it is not in BIRD config)', () => {
      const after = plan([...docs.map((d) => d.replace('169.254.0.179', '169.254.0.180')), a], 'me');
      const c = diffDesiredState(before, after).find((x) => x.kind === 'peerChanged');
      assert.ok(c && c.kind === 'peerChanged');
      assert.deepEqual([c.name, c.changedFields, c.resetRequired, c.reimportRequired, c.reexportRequired], ['Local_Workload_10_65_0_7', ['localAddress'], false, false, false]);
    });
  });

  describe('FileDatastore with endpointStatusDir', function () {
    this.timeout(15000);
    let dir: string;
    let ds: FileDatastore | null = null;
    afterEach(async () => {
      ds?.stop();
      ds = null;
      await rm(dir, { recursive: true, force: true });
    });
    const next = (d: FileDatastore, ms = 4000) =>
      new Promise<DatastoreUpdate>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no update within ${ms} ms`)), ms);
        d.once('update', (u) => {
          clearTimeout(t);
          resolve(u);
        });
      });

    it('a status file appearing adds a session, its bgpPeerName cleared removes it, a half-written file changes nothing', async () => {
      dir = await mkdtemp(join(tmpdir(), 'petrel-ds-lw-'));
      const statusDir = join(dir, 'endpoint-status');
      await mkdir(statusDir);
      const file = join(dir, 'calico.yaml');
      await writeFile(file, [...base, peer('lw', 'localWorkloadSelector: has(app), asNumber: 65001')].join('---\n'));
      const logs: string[] = [];
      ds = new FileDatastore({ path: file, nodeName: 'me', endpointStatusDir: statusDir, debounceMs: 50, pollIntervalMs: 200, logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) } });
      const first = await ds.start();
      assert.deepEqual(local(first), []);

      const pod = join(statusDir, 'k8s default%2Fpod1 eth0');
      let update = next(ds);
      await writeFile(pod, JSON.stringify({ ifaceName: 'cali1', ipv4Nets: ['10.65.0.7/32'], ipv6Nets: ['fd00:65::7/128'], bgpPeerName: 'lw' }));
      let u = await update;
      assert.deepEqual(u.changes.filter((c) => c.kind.startsWith('peer')).map((c) => `${c.kind} ${(c as { name: string }).name}`), ['peerAdded Local_Workload_10_65_0_7', 'peerAdded Local_Workload_fd00_65__7']);

      // Half-written: the previous content stays in force, nothing changes.
      await writeFile(pod, '{"ifaceName": "cali1", "ipv4Ne');
      await ds.reload();
      assert.equal(local(ds.current!).length, 2);
      assert.ok(logs.some((l) => /keeping its previous content/.test(l)), logs.join('\n'));

      update = next(ds);
      await writeFile(pod, JSON.stringify({ ifaceName: 'cali1', ipv4Nets: ['10.65.0.7/32'], ipv6Nets: ['fd00:65::7/128'], bgpPeerName: '' }));
      u = await update;
      assert.deepEqual(sessionsDisturbed(u.changes), ['Local_Workload_10_65_0_7', 'Local_Workload_fd00_65__7']);

      update = next(ds);
      await writeFile(pod, JSON.stringify({ ipv4Nets: ['10.65.0.9/32'], bgpPeerName: 'lw' }));
      await update;
      update = next(ds);
      await unlink(pod);
      u = await update;
      assert.deepEqual(u.changes.filter((c) => c.kind.startsWith('peer')).map((c) => `${c.kind} ${(c as { name: string }).name}`), ['peerRemoved Local_Workload_10_65_0_9']);
    });

    it('a status directory that appears later is picked up', async () => {
      dir = await mkdtemp(join(tmpdir(), 'petrel-ds-lw-'));
      const statusDir = join(dir, 'endpoint-status');
      const file = join(dir, 'calico.yaml');
      await writeFile(file, [...base, peer('lw', 'localWorkloadSelector: has(app), asNumber: 65001')].join('---\n'));
      const logs: string[] = [];
      ds = new FileDatastore({ path: file, nodeName: 'me', endpointStatusDir: statusDir, debounceMs: 50, pollIntervalMs: 100, logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) } });
      await ds.start();
      assert.ok(logs.some((l) => /endpoint-status .*does not exist/.test(l)), logs.join('\n'));
      const update = next(ds);
      await mkdir(statusDir);
      await writeFile(join(statusDir, 'k8s default%2Fpod1 eth0'), JSON.stringify({ ipv4Nets: ['10.65.0.7/32'], bgpPeerName: 'lw' }));
      const u = await update;
      // The directory may be seen before the file: wait for the session if the first update was the empty directory.
      const state = local(u.state).length > 0 ? u.state : (await next(ds)).state;
      assert.deepEqual(names(local(state)), ['Local_Workload_10_65_0_7']);
    });
  });

  describe('petrel plan (the real CLI)', function () {
    this.timeout(60000);
    const main = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
    const datastore = fileURLToPath(new URL('./support/local-workloads.yaml', import.meta.url));
    const petrelPlan = async (nodeName: string) => {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', main, 'plan', '--node', nodeName, '--datastore', `file:${datastore}`], { timeout: 30000 });
      return { plan: JSON.parse(stdout) as unknown, stderr };
    };
    const rule = (action: 'accept' | 'reject', cidr: string | null) => ({
      action,
      matchOperator: cidr === null ? null : 'In',
      cidr,
      prefixLength: null,
      source: null,
      interface: null,
      peerType: null,
      communities: null,
      asPathPrefix: null,
      priority: null,
      operations: [],
    });
    const session = {
      port: null,
      localAsNumber: null,
      routeReflectorClient: false,
      clusterId: null,
      password: false,
      gracefulRestartTime: null,
      keepaliveTime: null,
      ttlSecurity: false,
      multihop: 64,
      nextHop: 'auto',
      allowLocalAs: null,
      reachableBy: null,
    };
    const child = (name: string, address: string, family: 'ipv4' | 'ipv6', localAddress: string, imported: string) => ({
      name,
      address,
      ...session,
      asNumber: 65401,
      type: 'localWorkload',
      family,
      passive: true,
      sourceAddress: null,
      localAddress,
      importFilters: [{ name: 'child-routes', rules: [rule('accept', imported)] }],
      exportFilters: [{ name: 'child-routes', rules: [rule('reject', null)] }],
      maxPrefixes: null,
    });
    const mesh = (name: string, address: string, family: 'ipv4' | 'ipv6', passive: boolean, sourceAddress: string) => ({
      name,
      address,
      ...session,
      asNumber: 64512,
      type: 'mesh',
      family,
      passive,
      sourceAddress,
      localAddress: null,
      importFilters: [],
      exportFilters: [],
      maxPrefixes: null,
    });
    const rest = { originate: [], pools: [], communities: [], kernelReject: [] };

    it('node-1 peers with its selected pod in both families, not with the unselected one, beside the mesh', async () => {
      const { plan: p, stderr } = await petrelPlan('node-1');
      assert.equal(stderr, '');
      assert.deepEqual(p, {
        node: 'node-1',
        routerId: '10.10.0.1',
        asNumber: 64512,
        listen: { address: null, port: null },
        peers: [
          child('Local_Workload_10_65_0_7', '10.65.0.7', 'ipv4', '169.254.0.179', '10.123.0.0/16'),
          child('Local_Workload_fd00_65__7', 'fd00:65::7', 'ipv6', 'fd12:3456:789a::1', 'ca11:c0::/32'),
          mesh('Mesh_10_10_0_2', '10.10.0.2', 'ipv4', true, '10.10.0.1'),
          mesh('Mesh_fd00_10__2', 'fd00:10::2', 'ipv6', true, 'fd00:10::1'),
        ],
        ...rest,
      });
    });

    it('node-2 peers only with the pod on node-2 (IPv4 only)', async () => {
      const { plan: p } = await petrelPlan('node-2');
      assert.deepEqual(p, {
        node: 'node-2',
        routerId: '10.10.0.2',
        asNumber: 64512,
        listen: { address: null, port: null },
        peers: [
          child('Local_Workload_10_65_1_9', '10.65.1.9', 'ipv4', '169.254.0.179', '10.123.0.0/16'),
          mesh('Mesh_10_10_0_1', '10.10.0.1', 'ipv4', false, '10.10.0.2'),
          mesh('Mesh_fd00_10__1', 'fd00:10::1', 'ipv6', false, 'fd00:10::2'),
        ],
        ...rest,
      });
    });
  });
});
