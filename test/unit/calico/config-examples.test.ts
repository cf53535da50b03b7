/** The example datastores in config/ through the real CLI: `petrel plan` succeeds and says what each example is for. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { PlanJson } from '../../../src/calico/index.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
const config = (f: string) => fileURLToPath(new URL(`../../../config/${f}`, import.meta.url));

async function petrel(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', main, ...args], { timeout: 20000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function plan(file: string, node: string): Promise<PlanJson> {
  const r = await petrel(['plan', '--node', node, '--datastore', `file:${config(file)}`]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as PlanJson;
}

const names = (p: PlanJson) => p.peers.map((x) => x.name);

describe('config/ example datastores via petrel plan', function () {
  this.timeout(60000);

  it('three-node-mesh: a passive-or-active mesh session to each other node, with the mesh password', async () => {
    const p = await plan('three-node-mesh.yaml', 'node-a');
    assert.deepEqual(names(p), ['Mesh_10_10_0_12', 'Mesh_10_10_0_13']);
    assert.ok(p.peers.every((x) => x.type === 'mesh' && x.password && x.gracefulRestartTime === 120 && x.passive && x.sourceAddress === '10.10.0.11'));
    assert.deepEqual(p.originate, [{ prefix: '192.168.10.0/26', blackhole: true, exported: true }]);
    assert.equal(p.pools[0]!.kernel, 'nic');
    const c = await plan('three-node-mesh.yaml', 'node-c');
    assert.ok(c.peers.every((x) => !x.passive), 'the highest address connects out to everyone');
  });

  it('route-reflector: reflectors serve the workers as clients, in both families; workers only peer with reflectors', async () => {
    const rr = await plan('route-reflector.yaml', 'rr-1');
    const clients = rr.peers.filter((x) => x.routeReflectorClient);
    assert.equal(clients.length, 6);
    assert.ok(clients.every((x) => x.clusterId === '244.0.0.1'));
    assert.deepEqual(rr.peers.filter((x) => !x.routeReflectorClient).map((x) => x.name), ['Node_10_20_0_2', 'Node_fd00_20__2']);
    const w = await plan('route-reflector.yaml', 'worker-1');
    assert.deepEqual(names(w), ['Node_10_20_0_1', 'Node_10_20_0_2', 'Node_fd00_20__1', 'Node_fd00_20__2']);
    assert.deepEqual(w.originate.map((o) => o.prefix), ['10.244.1.0/26', 'fd00:244:0:1::/122']);
  });

  it('tor-ebgp: one eBGP session per node to its rack ToR, with password, timers and the filter', async () => {
    const p = await plan('tor-ebgp.yaml', 'rack1-node1');
    assert.equal(p.asNumber, 65001);
    assert.deepEqual(names(p), ['Node_10_30_1_1']);
    const tor = p.peers[0]!;
    assert.deepEqual([tor.asNumber, tor.password, tor.gracefulRestartTime, tor.keepaliveTime, tor.multihop], [65101, true, 60, 20, 64]);
    assert.deepEqual(tor.exportFilters.map((f) => [f.name, f.rules.length]), [['tor-policy', 3]]);
    assert.deepEqual(tor.importFilters[0]!.rules[0], { action: 'accept', matchOperator: 'Equal', cidr: '0.0.0.0/0', prefixLength: null, source: null, interface: null, peerType: null, communities: null, asPathPrefix: null, priority: null, operations: [] });
    assert.deepEqual(p.kernelReject, ['10.96.0.0/12']);
    assert.ok(p.originate.some((o) => o.prefix === '10.96.0.0/12' && o.exported));
    assert.deepEqual(p.communities, [{ prefix: '172.16.0.0/16', communities: ['65001:100'], largeCommunities: [] }]);
    const r2 = await plan('tor-ebgp.yaml', 'rack2-node1');
    assert.deepEqual([names(r2), r2.peers[0]!.password], [['Node_10_30_2_1'], false]);
  });

  const encap: [string, string][] = [
    ['ipip-always.yaml', 'tunl0'],
    ['ipip-crosssubnet.yaml', 'crosssubnet'],
    ['vxlan.yaml', 'vxlan'],
    ['vxlan-crosssubnet.yaml', 'vxlan'],
    ['no-encap.yaml', 'nic'],
  ];
  for (const [file, kernel] of encap) {
    it(`${file}: routes into the pool are programmed via ${kernel}; the pending block is not originated`, async () => {
      const p = await plan(file, 'node-1');
      assert.deepEqual(names(p), ['Mesh_10_40_1_12', 'Mesh_10_40_2_13']);
      assert.deepEqual(p.pools.map((x) => x.kernel), [kernel]);
      assert.deepEqual(p.originate, [{ prefix: '192.168.1.0/26', blackhole: true, exported: true }]);
    });
  }

  it('plan reports an invalid datastore with the resource and field, and exits 1', async () => {
    const r = await petrel(['plan', '--node', 'node-1', '--datastore', `file:${fileURLToPath(new URL('./support/invalid-datastore.yaml', import.meta.url))}`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /BGPPeer "broken" \(.*invalid-datastore.yaml:\d+\): spec.peerIP: "10.1.2" is not an IP address/);
    assert.match(r.stderr, /IPPool "bad-pool" .*spec.ipipMode: "Sometimes" is not one of Always, CrossSubnet, Never/);
    assert.equal(r.stdout, '');
  });

  it('plan needs --node and --datastore, and names an unknown node', async () => {
    assert.match((await petrel(['plan', '--datastore', `file:${config('vxlan.yaml')}`])).stderr, /--node NAME is required/);
    assert.match((await petrel(['plan', '--node', 'x'])).stderr, /--datastore file:PATH \| kubernetes \| etcdv3:ENDPOINTS .*is required/);
    const r = await petrel(['plan', '--node', 'nope', '--datastore', `file:${config('vxlan.yaml')}`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Node "nope" is not in the datastore \(nodes: node-1, node-2, node-3\)/);
  });
});
