/**
 * `petrel lab` end to end, every variant: the cluster comes up in network
 * namespaces with one real petrel per node (--fib kernel), sessions reach
 * Established, the kernel holds the routes Calico's BIRD would write,
 * pods ping each other across nodes and subnets as the variant allows, and
 * `lab down` leaves no namespace, process or file behind.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerInfo } from '../../src/api/index.js';
import { computeDesiredState, loadResources } from '../../src/calico/index.js';
import { labDatastore } from '../../src/lab/datastore.js';
import { kernelRoutes, type KernelRoute } from '../../src/lab/converge.js';
import { labDown, labNamespaces } from '../../src/lab/down.js';
import type { LabReport } from '../../src/lab/report.js';
import { formatReport } from '../../src/lab/report.js';
import { inNs } from '../../src/lab/shell.js';
import { labNodes, ROUTER_AS, ROUTER_NS, SUBNETS, VARIANTS, VXLAN_DEVICE, type LabNode, type LabVariant } from '../../src/lab/topology.js';
import { labUp } from '../../src/lab/up.js';

const labDir = mkdtempSync(join(tmpdir(), 'petrel-lab-test-'));
process.env['PETREL_LAB_DIR'] = labDir;

const nodes = labNodes();
const byName = (name: string): LabNode => nodes.find((n) => n.name === name)!;
const ctr = byName('k8s-ctr');
const w1 = byName('k8s-w1');
const w2 = byName('k8s-w2');
const w0 = byName('k8s-w0');

function route(table: readonly KernelRoute[], dst: string, where: string): KernelRoute {
  const r = table.find((x) => x.dst === dst);
  assert.ok(r, `${where}: no kernel route for ${dst}; table: ${JSON.stringify(table)}`);
  return r;
}

/** `<block> via <gw> dev <dev> proto bird [onlink]`. */
function assertVia(table: readonly KernelRoute[], dst: string, gateway: string, dev: string, onlink: boolean, where: string): void {
  const r = route(table, dst, where);
  const got = { gateway: r.gateway, dev: r.dev, protocol: r.protocol, onlink: (r.flags ?? []).includes('onlink') };
  assert.deepEqual(got, { gateway, dev, protocol: 'bird', onlink }, `${where}: route for ${dst}`);
}

function assertBlackhole(table: readonly KernelRoute[], n: LabNode): void {
  const r = route(table, n.block, n.name);
  assert.deepEqual({ type: r.type, protocol: r.protocol }, { type: 'blackhole', protocol: 'bird' }, `${n.name}: own block ${n.block}`);
}

function established(r: LabReport, n: LabNode): PeerInfo[] {
  const peers = r.nodes.find((x) => x.node.name === n.name)!.peers;
  for (const p of peers) assert.equal(p.state, 'Established', `${n.name}: session ${p.name} (${p.address})`);
  return peers;
}

function assertPeers(variant: LabVariant, r: LabReport): void {
  for (const n of nodes) {
    const peers = established(r, n);
    const addrs = peers.map((p) => p.address).sort();
    if (variant === 'tor') {
      assert.deepEqual(addrs, [SUBNETS[n.subnet].gateway], `${n.name}: peers`);
      assert.equal(peers[0]!.peerAs, ROUTER_AS, `${n.name}: the router's AS`);
    } else if (variant === 'rr') {
      const want = n === ctr ? nodes.filter((o) => o !== ctr).map((o) => o.address) : [ctr.address];
      assert.deepEqual(addrs, want.sort(), `${n.name}: peers (k8s-ctr reflects)`);
    } else {
      assert.deepEqual(addrs, nodes.filter((o) => o !== n).map((o) => o.address).sort(), `${n.name}: mesh peers`);
      assert.ok(peers.every((p) => p.type === 'mesh'), `${n.name}: every peer is a mesh peer`);
    }
  }
}

async function assertKernel(variant: LabVariant): Promise<void> {
  const t1 = await kernelRoutes(w1.ns);
  const t0 = await kernelRoutes(w0.ns);
  for (const n of nodes) assertBlackhole(await kernelRoutes(n.ns), n);
  // Felix's workload route stays as it was (not petrel's to touch).
  const pod = route(t1, w1.pod.address, 'k8s-w1');
  assert.equal(pod.dev, w1.pod.hostIface, 'k8s-w1: workload route device');
  switch (variant) {
    case 'mesh':
    case 'rr':
      // Same subnet: straight to the node over the NIC.
      assertVia(t1, w2.block, w2.address, 'eth1', false, 'k8s-w1');
      assertVia(t1, ctr.block, ctr.address, 'eth1', false, 'k8s-w1');
      // The other subnet: the next hop (the node) is off-link, so through the static route's
      // router, as BIRD's gateway recursive writes it (the router knows no blocks: pings fail).
      assertVia(t1, w0.block, SUBNETS.lan10.gateway, 'eth1', false, 'k8s-w1');
      assertVia(t0, w1.block, SUBNETS.lan20.gateway, 'eth1', false, 'k8s-w0');
      break;
    case 'tor': {
      // Learnt from the router: the other subnet's block via the router.
      assertVia(t1, w0.block, SUBNETS.lan10.gateway, 'eth1', false, 'k8s-w1');
      assertVia(t0, w1.block, SUBNETS.lan20.gateway, 'eth1', false, 'k8s-w0');
      const router = await kernelRoutes(ROUTER_NS);
      for (const n of nodes) {
        const r = route(router, n.block, 'router');
        assert.deepEqual({ gateway: r.gateway, protocol: r.protocol }, { gateway: n.address, protocol: 'bgp' }, `router: FRR's route for ${n.block}`);
      }
      break;
    }
    case 'crosssubnet':
      assertVia(t1, w2.block, w2.address, 'eth1', false, 'k8s-w1');
      assertVia(t1, w0.block, w0.vtepAddress, VXLAN_DEVICE, true, 'k8s-w1');
      assertVia(t0, w1.block, w1.vtepAddress, VXLAN_DEVICE, true, 'k8s-w0');
      await assertVtepEntries(w1, [w0]);
      break;
    case 'vxlan':
      assertVia(t1, w2.block, w2.vtepAddress, VXLAN_DEVICE, true, 'k8s-w1');
      assertVia(t1, w0.block, w0.vtepAddress, VXLAN_DEVICE, true, 'k8s-w1');
      await assertVtepEntries(w1, [ctr, w2, w0]);
      break;
  }
  if (variant !== 'tor') {
    const router = await kernelRoutes(ROUTER_NS);
    assert.ok(!router.some((r) => r.dst.startsWith('172.16.')), `router: knows no pod routes without BGP: ${JSON.stringify(router)}`);
  }
}

/** The permanent neighbour (VTEP IP -> MAC) and FDB (MAC -> node IP) entries for each remote node. */
async function assertVtepEntries(n: LabNode, remotes: readonly LabNode[]): Promise<void> {
  const neigh = JSON.parse((await inNs(n.ns, 'ip', ['-json', 'neigh', 'show', 'dev', VXLAN_DEVICE])).stdout || '[]') as { dst: string; lladdr?: string; state?: string[] }[];
  const fdb = JSON.parse((await inNs(n.ns, 'bridge', ['-json', 'fdb', 'show', 'dev', VXLAN_DEVICE])).stdout || '[]') as { mac: string; dst?: string }[];
  for (const o of remotes) {
    const e = neigh.find((x) => x.dst === o.vtepAddress);
    assert.deepEqual({ lladdr: e?.lladdr, permanent: e?.state?.includes('PERMANENT') }, { lladdr: o.vtepMac, permanent: true }, `${n.name}: neighbour entry for ${o.name}'s VTEP`);
    assert.ok(fdb.some((f) => f.mac === o.vtepMac && f.dst === o.address), `${n.name}: FDB entry ${o.vtepMac} -> ${o.address}; fdb: ${JSON.stringify(fdb)}`);
  }
}

function assertPings(variant: LabVariant, r: LabReport): void {
  assert.equal(r.pings.length, nodes.length * (nodes.length - 1), 'one ping per ordered pair of pods on different nodes');
  const wrong = r.pings.filter((p) => p.ok !== p.expected).map((p) => `${p.from.name} -> ${p.to.name}: ${p.ok ? 'answered' : `no answer (${p.detail}; path ${p.path})`}, expected ${p.expected ? 'an answer' : 'none'}`);
  assert.deepEqual(wrong, [], `${variant}: pings`);
  const crossSubnet = r.pings.filter((p) => p.from.subnet !== p.to.subnet);
  const sameSubnet = r.pings.filter((p) => p.from.subnet === p.to.subnet);
  assert.ok(sameSubnet.every((p) => p.ok), `${variant}: pods on different nodes of one subnet reach each other`);
  const crossOk = variant !== 'mesh' && variant !== 'rr';
  assert.ok(crossSubnet.every((p) => p.ok === crossOk), `${variant}: pods across subnets ${crossOk ? 'reach' : 'do not reach'} each other`);
}

function ourProcesses(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(labDir)) out.push(`${pid} ${cmd}`);
    } catch {
      /* gone */
    }
  }
  return out;
}

async function assertNothingLeft(): Promise<void> {
  assert.deepEqual(await labNamespaces(), [], 'petrel-lab-* namespaces after lab down');
  assert.deepEqual(ourProcesses(), [], 'lab processes after lab down');
  assert.equal(existsSync(labDir), false, `${labDir} after lab down`);
  // Nothing in the root namespace: no lab interface ever lands there.
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  assert.ok(!/\b(br-lan\d+|cali[0-9a-f]{11}|vxlan\.calico|k8s-\w+@)/.test(links), `root namespace links: ${links}`);
}

describe('petrel lab datastore', function () {
  for (const variant of VARIANTS) {
    it(`${variant}: Calico reads it without warnings; each node's peers are the variant's`, function () {
      const res = loadResources(labDatastore(variant, nodes), `${variant}.yaml`);
      assert.deepEqual(res.warnings, [], 'warnings');
      for (const n of nodes) {
        const st = computeDesiredState(res, n.name);
        assert.deepEqual(st.warnings, [], `${n.name}: warnings`);
        const want = variant === 'tor' ? [SUBNETS[n.subnet].gateway] : variant === 'rr' && n !== ctr ? [ctr.address] : nodes.filter((o) => o !== n).map((o) => o.address);
        assert.deepEqual(st.peers.map((p) => p.address).sort(), want.sort(), `${n.name}: peers`);
        assert.equal(st.peers.every((p) => p.routeReflectorClient), variant === 'rr' && n === ctr, `${n.name}: route reflector clients`);
        assert.deepEqual(st.originate.map((o) => o.prefix), [n.block], `${n.name}: originated blocks`);
        assert.equal(st.vxlanTunnels.length, variant === 'vxlan' || variant === 'crosssubnet' ? nodes.length - 1 : 0, `${n.name}: remote VTEPs`);
      }
    });
  }
});

describe('petrel lab', function () {
  this.timeout(180_000);

  before(async () => {
    await labDown();
  });
  after(async () => {
    await labDown();
  });

  for (const variant of VARIANTS) {
    it(`${variant}: up, sessions, kernel routes, pod-to-pod pings across nodes and subnets, then down leaves nothing`, async function () {
      const report = await labUp({ variant, fib: 'kernel', convergeTimeoutMs: 60_000 });
      try {
        assert.deepEqual(report.convergence?.missing, [], `${variant}: converged`);
        assertPeers(variant, report);
        await assertKernel(variant);
        assertPings(variant, report);
        const text = formatReport(report);
        for (const n of nodes) assert.ok(text.includes(`${n.name} (${n.address}) $ ip route`), `the report shows ${n.name}'s route table`);
      } catch (e) {
        // The whole report helps more than one assertion.
        console.error(formatReport(report));
        throw e;
      } finally {
        const down = await labDown();
        assert.ok(down.namespaces.length >= 9, `lab down deleted ${down.namespaces.length} namespaces`);
      }
      await assertNothingLeft();
      // Twice is fine.
      await labDown();
    });
  }
});
