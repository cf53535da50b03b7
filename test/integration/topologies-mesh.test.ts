/**
 * Topology 1: Calico's node-to-node mesh of four real petrel daemons, each
 * in its own namespace on one LAN, all reading the same cluster datastore.
 * Every node's block reaches every other node directly from its owner (iBGP
 * split horizon: never through a third node); a released block is
 * withdrawn everywhere; a stopped node's routes leave every table at once
 * (Cease/Hard Reset, no graceful-restart hold), while a killed node's are
 * kept stale for nodeMeshMaxRestartTime and swept after it.
 */
import assert from 'node:assert/strict';
import { useLab, waitFor } from '../support/netns.js';
import { asPathOf, brief, clusterLab, clusterYaml, locPaths, locRib, waitForLoc, waitForNoLoc, type ClusterLab, type ClusterNode } from '../support/topology.js';

const AS = 64512;
const NODES = ['n1', 'n2', 'n3', 'n4'] as const;
const POOL = '10.244.0.0/16';
const blockOf = (i: number): string => `10.244.${i}.0/26`;
/** A second block of n1, released during the test. */
const RELEASED = '10.244.101.0/26';
/** A block n2 claims during the test. */
const CLAIMED = '10.244.102.0/26';
/** GR restart time of mesh sessions (nodeMeshMaxRestartTime): how long a killed node's routes stay. */
const MESH_RESTART_S = 6;

describe('topology: a four-node iBGP full mesh of petrel daemons (Calico nodeToNodeMesh)', function () {
  this.timeout(60_000);
  useLab();
  let lab: ClusterLab;

  const yaml = (blocks: Record<string, readonly string[]>): string =>
    clusterYaml({
      asNumber: AS,
      mesh: true,
      len4: lab.len4,
      pools: [POOL],
      config: { nodeMeshMaxRestartTime: `${MESH_RESTART_S}s` },
      nodes: NODES.map((name): ClusterNode => ({ name, ipv4: lab.ip(name), blocks: blocks[name] ?? [] })),
    });
  const initial: Record<string, string[]> = { n1: [blockOf(1), RELEASED], n2: [blockOf(2)], n3: [blockOf(3)], n4: [blockOf(4)] };

  before(async function () {
    this.timeout(120_000);
    lab = await clusterLab('mesh', NODES);
    await lab.startPetrels(NODES, yaml(initial));
  });

  it('peers every node with the three others over Mesh_ sessions, all Established', async function () {
    for (const me of NODES) {
      const others = NODES.filter((n) => n !== me);
      await Promise.all(others.map((o) => lab.petrel(me).waitForState(lab.ip(o), 'Established', 40_000)));
      const peers = await lab.petrel(me).status();
      assert.deepEqual(
        peers.map((p) => [p.name, p.type, p.peerAs]).sort(),
        others.map((o) => [`Mesh_${lab.ip(o).replaceAll('.', '_')}`, 'mesh', AS]).sort(),
        `${me}'s peers`,
      );
    }
  });

  it('gives every node every other node\'s block, learnt from its owner with the owner as next hop', async function () {
    for (const me of NODES) {
      const p = lab.petrel(me);
      for (const [i, owner] of NODES.entries()) {
        if (owner === me) continue;
        const paths = await waitForLoc(p, blockOf(i + 1), `from ${owner}`, (ps) => ps.some((x) => x.best && x.sourceAddress === lab.ip(owner)));
        // iBGP split horizon: n3 never re-advertises n1's block to n2, so there is one path only.
        assert.equal(paths.length, 1, `${me}: paths of ${owner}'s block: ${JSON.stringify(paths.map(brief))}`);
        const best = paths[0]!;
        assert.deepEqual(best.nextHops, [lab.ip(owner)], `${me}: next hop of ${owner}'s block`);
        assert.deepEqual(asPathOf(best), [], `${me}: AS path of ${owner}'s block (iBGP)`);
        // Calico's krt_metric <-> local_pref mapping: 2^31 - 1 - ipv4NormalRoutePriority (1024).
        assert.equal(best.localPref, 2147483647 - 1024, `${me}: LOCAL_PREF of ${owner}'s block`);
        assert.equal(best.originatorId, undefined, 'no reflection in a mesh');
        assert.deepEqual(best.clusterList, []);
      }
      // Its own blocks are local (the static blackholes), not learnt.
      const own = (await locRib(p)).filter((x) => x.source === 'static1').map((x) => x.prefix).sort();
      assert.deepEqual(own, [...initial[me]!].sort(), `${me}'s own blocks`);
    }
    // n1's second block too.
    for (const me of ['n2', 'n3', 'n4']) await waitForLoc(lab.petrel(me), RELEASED, 'from n1', (ps) => ps.some((x) => x.best && x.nextHops[0] === lab.ip('n1')));
  });

  it('withdraws a block released on one node everywhere, and spreads a newly claimed one', async function () {
    lab.apply(yaml({ ...initial, n1: [blockOf(1)], n2: [blockOf(2), CLAIMED] }));
    await Promise.all(NODES.map((n) => waitForNoLoc(lab.petrel(n), RELEASED, 20_000)));
    await Promise.all(
      NODES.filter((n) => n !== 'n2').map((n) => waitForLoc(lab.petrel(n), CLAIMED, 'from n2', (ps) => ps.length === 1 && ps[0]!.best && ps[0]!.nextHops[0] === lab.ip('n2'), 20_000)),
    );
    // Nothing else moved: every other block is still where it was.
    for (const me of NODES) {
      for (const [i, owner] of NODES.entries()) {
        if (owner === me) continue;
        assert.equal((await locPaths(lab.petrel(me), blockOf(i + 1))).length, 1, `${me} still has ${owner}'s block`);
      }
    }
  });

  it('keeps a killed node\'s block stale for nodeMeshMaxRestartTime (graceful restart), then sweeps it', async function () {
    const n3 = lab.petrel('n3');
    await n3.kill();
    const t0 = Date.now();
    const survivors = NODES.filter((n) => n !== 'n3');
    // The TCP connection closes without a NOTIFICATION: RFC 4724 keeps the routes, marked stale.
    await Promise.all(
      survivors.map((n) => waitForLoc(lab.petrel(n), blockOf(3), 'kept stale', (ps) => ps.length === 1 && ps[0]!.stale && ps[0]!.best, 10_000)),
    );
    await Promise.all(survivors.map((n) => waitForNoLoc(lab.petrel(n), blockOf(3), 30_000)));
    const sweptAfter = Date.now() - t0;
    assert.ok(sweptAfter >= (MESH_RESTART_S - 1.5) * 1000, `swept after ${sweptAfter} ms, before the ${MESH_RESTART_S} s restart time`);
    // The other blocks never moved.
    for (const me of survivors) for (const [i, owner] of NODES.entries()) if (owner !== me && owner !== 'n3') assert.equal((await locPaths(lab.petrel(me), blockOf(i + 1))).length, 1);
  });

  it('removes a stopped node\'s routes from every other node at once (Cease, not a graceful restart)', async function () {
    const n4 = lab.petrel('n4');
    await n4.stop();
    const t0 = Date.now();
    const survivors = ['n1', 'n2'];
    // Well inside the restart time: a Hard Reset (RFC 8538) ends the graceful-restart hold.
    await Promise.all(survivors.map((n) => waitForNoLoc(lab.petrel(n), blockOf(4), (MESH_RESTART_S - 2) * 1000)));
    assert.ok(Date.now() - t0 < MESH_RESTART_S * 1000);
    for (const n of survivors) {
      const p = await lab.petrel(n).peer(lab.ip('n4'));
      assert.notEqual(p.state, 'Established', `${n}'s session with the stopped node`);
      assert.equal(p.counters.prefixesReceived, 0, `${n} keeps nothing from the stopped node`);
    }
    // The two survivors still exchange their blocks.
    await waitFor('n1 and n2 still exchange blocks', 5000, async () =>
      (await locPaths(lab.petrel('n1'), blockOf(2))).length === 1 && (await locPaths(lab.petrel('n2'), blockOf(1))).length === 1 ? true : undefined,
    );
  });
});
