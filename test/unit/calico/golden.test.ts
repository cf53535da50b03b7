/**
 * Calico's own confd scenarios as petrel tests: for node kube-master, the plan
 * petrel computes must mean what confd's rendered BIRD config means: the same
 * sessions with the same options, the same BGPFilter rules in order, the same
 * export chain, the same kernel programming per pool, the same originated
 * blackholes and communities. The BIRD text is parsed, never compared.
 */
import assert from 'node:assert/strict';
import { parseCidr } from '../../../src/calico/address.js';
import {
  computeDesiredState,
  evaluateExport,
  loadResourceLayers,
  toPlanJson,
  type DesiredState,
  type ExportRule,
  type KernelMode,
} from '../../../src/calico/index.js';
import { birdFamily, type BirdFamily, type KernelStatement } from './support/bird-semantics.js';
import { goldenScenarios, LOCAL_NODE } from './support/golden.js';

const scenarios = goldenScenarios();

function stripReason(rules: readonly ExportRule[]): unknown[] {
  return rules.map((r) => (r.rule === 'acceptPrefix' ? { rule: r.rule, prefix: r.prefix } : r));
}

/** What confd's kernel filter does with a BGP route inside `prefix` (first match wins; the end accepts). */
function kernelDisposition(chain: KernelStatement[], prefix: string): KernelStatement | null {
  const route = parseCidr(prefix)!;
  for (const s of chain) {
    if (s.kind === 'rejectNextHop') continue;
    const p = parseCidr(s.prefix)!;
    const inside = route.family === p.family && route.prefix.len >= p.prefix.len && parseCidr(`${prefix.split('/')[0]}/${p.prefix.len}`)!.text === p.text;
    if (inside) return s;
  }
  return null;
}

function expectedKernelMode(chain: KernelStatement[], pool: { cidr: string; vxlanMode: string }): KernelMode {
  const s = kernelDisposition(chain, pool.cidr);
  if (s === null || (s.kind === 'accept' && s.tunnel === null)) return 'nic';
  if (s.kind === 'reject') return pool.vxlanMode !== 'Never' ? 'vxlan' : 'felix';
  if (s.kind === 'accept') return s.tunnel === 'tunl0' ? 'tunl0' : 'crosssubnet';
  throw new Error('unreachable');
}

function checkFamily(state: DesiredState, family: 'ipv4' | 'ipv6', bird: BirdFamily): void {
  const plan = toPlanJson(state);
  const label = family === 'ipv4' ? 'bird.cfg' : 'bird6.cfg';
  assert.equal(plan.routerId, bird.routerId, `${label}: router id`);
  assert.equal(state.listen.port, bird.listen.port, `${label}: listen port`);
  assert.equal(state.listen.addresses[family], bird.listen.address, `${label}: listen address`);
  assert.equal(state.nodeAddresses[family] !== null, bird.enabled, `${label}: family enabled on the node`);
  if (bird.enabled) assert.equal(plan.asNumber, bird.asNumber, `${label}: local AS`);

  // Sessions: names, neighbours and every option, filters as rule lists in order.
  const ours = state.peers.filter((p) => p.family === family);
  const planPeers = new Map(plan.peers.map((p) => [p.name, p]));
  assert.deepEqual(ours.map((p) => p.name), bird.peers.map((p) => p.name), `${label}: peer names`);
  for (const b of bird.peers) {
    const p = planPeers.get(b.name)!;
    const internal = ours.find((x) => x.name === b.name)!.internal;
    const { internal: birdInternal, ...birdOptions } = b;
    assert.deepEqual(
      {
        name: p.name,
        address: p.address,
        port: p.port,
        asNumber: p.asNumber,
        localAsNumber: p.localAsNumber,
        passive: p.passive,
        routeReflectorClient: p.routeReflectorClient,
        clusterId: p.clusterId,
        password: p.password,
        gracefulRestartTime: p.gracefulRestartTime,
        keepaliveTime: p.keepaliveTime,
        ttlSecurity: p.ttlSecurity,
        multihop: p.multihop,
        nextHop: p.nextHop,
        sourceAddress: p.sourceAddress,
        allowLocalAs: p.allowLocalAs,
        importFilters: p.importFilters,
        exportFilters: p.exportFilters,
      },
      birdOptions,
      `${label}: options of ${b.name}`,
    );
    assert.equal(internal, birdInternal, `${label}: iBGP export of ${b.name}`);
    const prefix = b.name.split('_')[0];
    const type = { Mesh: 'mesh', Global: 'global', Node: 'node', Local: 'localWorkload' }[prefix ?? ''];
    assert.equal(p.type, type, `${label}: type of ${b.name}`);
  }

  // Export chain, in order.
  assert.deepEqual(stripReason(state.exportPolicy[family]), stripReason(bird.exportChain), `${label}: calico_export_to_bgp_peers`);

  // Kernel programming: each pool's disposition, the service ranges never installed, WireGuard next hops.
  const pools = plan.pools.filter((p) => parseCidr(p.cidr)!.family === family);
  for (const pool of pools) {
    const want = bird.enabled ? expectedKernelMode(bird.kernelChain, pool) : 'none';
    assert.equal(pool.kernel, want, `${label}: kernel programming of pool ${pool.cidr}`);
    const s = kernelDisposition(bird.kernelChain, pool.cidr);
    if (s?.kind === 'accept' && s.tunnel === 'crosssubnet') {
      const rule = state.kernelPolicy[family].find((r) => r.rule === 'pool' && r.prefix === pool.cidr);
      assert.equal(rule?.rule === 'pool' ? rule.localSubnet : null, s.subnet, `${label}: CrossSubnet subnet of ${pool.cidr}`);
    }
  }
  const poolSet = new Set(pools.map((p) => p.cidr));
  const birdRejects = bird.kernelChain.filter((s) => s.kind === 'reject' && !poolSet.has(s.prefix)).map((s) => (s as { prefix: string }).prefix);
  assert.deepEqual(plan.kernelReject.filter((c) => parseCidr(c)!.family === family), birdRejects, `${label}: service ranges kept out of the kernel`);
  assert.deepEqual(
    state.kernelPolicy[family].filter((r) => r.rule === 'rejectNextHop').map((r) => (r as { nextHop: string }).nextHop),
    bird.kernelChain.filter((s) => s.kind === 'rejectNextHop').map((s) => (s as { nextHop: string }).nextHop),
    `${label}: WireGuard next hops`,
  );

  // Originated prefixes: blackholes from the static protocol, blocks from calico_aggr, and whether each is exported.
  const blocks = bird.exportChain.filter((r) => r.rule === 'block').map((r) => (r as { prefix: string }).prefix);
  const expectedOriginate = [...new Set([...blocks, ...bird.blackholes])].sort().map((prefix) => ({
    prefix,
    blackhole: bird.blackholes.includes(prefix),
    exported: evaluateExport(bird.exportChain, { prefix: parseCidr(prefix)!, internalPeer: true }, 1024, parseCidr) === 'accept',
  }));
  const actualOriginate = plan.originate.filter((o) => parseCidr(o.prefix)!.family === family).sort((a, b) => (a.prefix < b.prefix ? -1 : 1));
  assert.deepEqual(actualOriginate, expectedOriginate, `${label}: originated prefixes`);

  assert.deepEqual(
    plan.communities.filter((c) => parseCidr(c.prefix)!.family === family),
    bird.communities,
    `${label}: apply_communities`,
  );
  assert.deepEqual(state.staticRoutesVia.filter((r) => parseCidr(r.prefix)!.family === family), bird.staticVia, `${label}: reachableBy routes`);
}

describe('calico golden scenarios (confd compiled templates, node kube-master)', () => {
  it('finds every scenario and step', () => {
    assert.ok(scenarios.length >= 23, `found ${scenarios.length}`);
  });
  for (const sc of scenarios) {
    it(sc.name, () => {
      const resources = loadResourceLayers(sc.layers);
      const state = computeDesiredState(resources, LOCAL_NODE, sc.env);
      checkFamily(state, 'ipv4', birdFamily(sc.expected('bird.cfg'), sc.expected('bird_aggr.cfg'), sc.expected('bird_ipam.cfg')));
      checkFamily(state, 'ipv6', birdFamily(sc.expected('bird6.cfg'), sc.expected('bird6_aggr.cfg'), sc.expected('bird6_ipam.cfg')));
    });
  }
});
