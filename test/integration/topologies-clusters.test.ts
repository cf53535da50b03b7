/**
 * Topologies 4 and 6: several petrel route reflectors, in namespaces on one
 * LAN, configured with Calico's labels and selectors.
 *
 * 4. Two reflectors in one cluster (same routeReflectorClusterID, plain iBGP
 *    between them), clients (two petrel nodes and BIRD 2) peering with both:
 *    every route reaches every client twice, the reflectors drop what the
 *    other reflects back to them (their cluster id in CLUSTER_LIST), and
 *    with one reflector stopped the clients keep every route via the other
 *    without a gap.
 * 6. Two reflectors in different clusters (each the other's client, as
 *    Calico configures it): a route crosses both and arrives with both
 *    cluster ids in CLUSTER_LIST.
 */
import assert from 'node:assert/strict';
import type { PathInfo } from '../../src/api/provider.js';
import { sleep, useLab, waitFor } from '../support/netns.js';
import { startBird2, type Peer } from '../support/peers/index.js';
import { brief, bgpPeerDoc, clusterLab, clusterYaml, locPaths, routeText, waitForLoc, type ClusterLab } from '../support/topology.js';

const AS = 64512;
const POOL = '10.244.0.0/16';

describe('topology: two petrel route reflectors in one cluster', function () {
  this.timeout(60_000);
  useLab();
  const CLUSTER_ID = '224.0.0.1';
  const RRS = ['rr1', 'rr2'] as const;
  const CLIENTS = ['c1', 'c2'] as const;
  const BLOCK: Record<string, string> = { c1: '10.244.1.0/26', c2: '10.244.2.0/26', bird: '10.244.3.0/26' };
  /** Every client's route, by owner. */
  const OWNERS = ['c1', 'c2', 'bird'] as const;
  /** maxRestartTime of the client sessions (seconds). */
  const RESTART_S = 4;
  let lab: ClusterLab;
  let bird: Peer;

  /**
   * Sample every client's table until `done` settles: each time a client
   * lacks another member's route is a gap. A query that fails on a loaded
   * machine is no sample, not a gap.
   */
  const withoutGaps = async (done: () => Promise<void>): Promise<void> => {
    const gaps: string[] = [];
    let sampling = true;
    let samples = 0;
    const t0 = Date.now();
    const sampler = (async () => {
      while (sampling) {
        try {
          for (const c of CLIENTS) {
            const have = new Set((await lab.petrel(c).routes('loc', '')).map((p) => p.prefix));
            for (const owner of OWNERS) if (owner !== c && !have.has(BLOCK[owner]!)) gaps.push(`${c} lacked ${owner}'s block at +${Date.now() - t0} ms`);
          }
          const inBird = new Set((await bird.routes('ipv4')).map((r) => r.prefix));
          for (const owner of CLIENTS) if (!inBird.has(BLOCK[owner]!)) gaps.push(`BIRD lacked ${owner}'s block at +${Date.now() - t0} ms`);
          samples++;
        } catch {
          /* no sample */
        }
        await sleep(50);
      }
    })();
    try {
      await done();
      // A few more samples after convergence.
      await sleep(300);
    } finally {
      sampling = false;
      await sampler;
    }
    assert.ok(samples >= 3, `only ${samples} samples`);
    assert.deepEqual(gaps, [], 'routes missing while a reflector went away');
  };

  /** Every client has every other member's route through exactly the reflectors `via`, next hop the owner. */
  const convergedVia = async (via: readonly string[], what: string, match: (p: PathInfo) => boolean = () => true): Promise<void> => {
    const want = via.map((r) => lab.ip(r)).sort();
    for (const c of CLIENTS) {
      for (const owner of OWNERS.filter((o) => o !== c)) {
        const paths = await waitForLoc(lab.petrel(c), BLOCK[owner]!, what, (ps) => ps.length === via.length && ps.every(match) && JSON.stringify(ps.map((p) => p.sourceAddress).sort()) === JSON.stringify(want), 30_000);
        for (const p of paths) assert.deepEqual(p.nextHops, [lab.ip(owner)], `${c}: ${JSON.stringify(brief(p))}`);
      }
    }
    for (const owner of CLIENTS) {
      await waitFor(`BIRD: ${owner}'s block ${what}`, 30_000, async () => {
        const rs = (await bird.routes('ipv4')).filter((r) => r.prefix === BLOCK[owner]);
        return JSON.stringify(rs.map((r) => r.from).sort()) === JSON.stringify(want) ? true : undefined;
      });
    }
  };

  before(async function () {
    this.timeout(120_000);
    lab = await clusterLab('rr2', [...RRS, ...CLIENTS, 'bird']);
    const rr = { 'route-reflector': 'true' };
    const yaml = clusterYaml({
      asNumber: AS,
      mesh: false,
      len4: lab.len4,
      pools: [POOL],
      nodes: [
        ...RRS.map((name) => ({ name, ipv4: lab.ip(name), labels: rr, rrClusterId: CLUSTER_ID })),
        ...CLIENTS.map((name) => ({ name, ipv4: lab.ip(name), blocks: [BLOCK[name]!] })),
      ],
      peers: [
        // A short graceful-restart time on the client sessions: a crashed reflector's paths are swept quickly.
        bgpPeerDoc({ name: 'peer-with-route-reflectors', nodeSelector: '!has(route-reflector)', peerSelector: 'has(route-reflector)', maxRestartTime: `${RESTART_S}s` }),
        // The reflectors peer with each other too: same cluster, so plain iBGP (not as clients).
        bgpPeerDoc({ name: 'route-reflector-mesh', nodeSelector: 'has(route-reflector)', peerSelector: 'has(route-reflector)' }),
        // BIRD helps a restarting peer by default (graceful restart aware): the same short restart time.
        bgpPeerDoc({ name: 'rr-to-bird', nodeSelector: 'has(route-reflector)', peerIP: lab.ip('bird'), asNumber: AS, maxRestartTime: `${RESTART_S}s` }),
      ],
    });
    [bird] = await Promise.all([
      startBird2({
        ns: lab.host('bird').ns,
        routerId: lab.ip('bird'),
        as: AS,
        listen: [lab.ip('bird')],
        neighbors: RRS.map((r) => ({ address: lab.ip(r), as: AS })),
        routes: [{ prefix: BLOCK['bird']! }],
      }),
      lab.startPetrels([...RRS, ...CLIENTS], yaml),
    ]);
  });

  it('the reflectors peer with each other as non-clients and with every client as RR clients', async function () {
    for (const r of RRS) {
      const other = r === 'rr1' ? 'rr2' : 'rr1';
      await Promise.all([other, ...CLIENTS, 'bird'].map((x) => lab.petrel(r).waitForState(lab.ip(x), 'Established', 40_000)));
    }
    await Promise.all(RRS.map((r) => bird.waitForSession(lab.ip(r), 'Established', 20_000)));
    for (const c of CLIENTS) assert.deepEqual((await lab.petrel(c).status()).map((p) => p.address).sort(), RRS.map((r) => lab.ip(r)).sort(), `${c}'s peers`);
  });

  it('every client gets every other client\'s route via both reflectors, next hop the owner', async function () {
    for (const c of CLIENTS) {
      for (const owner of OWNERS.filter((o) => o !== c)) {
        const paths = await waitForLoc(lab.petrel(c), BLOCK[owner]!, 'via both reflectors', (ps) => ps.length === 2, 20_000);
        assert.deepEqual(paths.map((p) => p.sourceAddress).sort(), RRS.map((r) => lab.ip(r)).sort(), `${c}: ${JSON.stringify(paths.map(brief))}`);
        for (const p of paths) {
          assert.deepEqual(p.nextHops, [lab.ip(owner)], `${c}: ${JSON.stringify(brief(p))}`);
          assert.equal(p.originatorId, lab.ip(owner));
          assert.deepEqual(p.clusterList, [CLUSTER_ID]);
        }
        assert.equal(paths.filter((p) => p.best).length, 1);
      }
    }
    for (const owner of CLIENTS) {
      let seen: string = '';
      const routes = await bird.waitForRoute('ipv4', BLOCK[owner]!, undefined, 20_000).then(async () => {
        const rs = (await bird.routes('ipv4')).filter((r) => r.prefix === BLOCK[owner]);
        seen = routeText(rs);
        return rs;
      });
      assert.deepEqual(routes.map((r) => r.from).sort(), RRS.map((r) => lab.ip(r)).sort(), `BIRD's paths of ${owner}'s block: ${seen}`);
      for (const r of routes) {
        assert.equal(r.nextHop, lab.ip(owner), seen);
        assert.equal(r.originatorId, lab.ip(owner), seen);
        assert.deepEqual(r.clusterList, [CLUSTER_ID], seen);
      }
    }
  });

  it('loop prevention: a reflector drops the routes the other reflects to it (its own cluster id in CLUSTER_LIST)', async function () {
    for (const r of RRS) {
      const other = r === 'rr1' ? 'rr2' : 'rr1';
      // The other reflector does send them (a client's route goes to non-clients too, RFC 4456 §8) ...
      const out = await lab.petrel(other).routes('out', lab.ip(r));
      for (const owner of OWNERS) {
        const sent = out.find((p) => p.prefix === BLOCK[owner]);
        assert.ok(sent, `${other} advertises ${owner}'s block to ${r}: ${JSON.stringify(out.map(brief))}`);
        assert.deepEqual(sent.clusterList, [CLUSTER_ID], `${other} -> ${r}: ${JSON.stringify(brief(sent))}`);
      }
      // ... and the receiving reflector keeps only the client's own path.
      for (const owner of OWNERS) {
        const paths = await locPaths(lab.petrel(r), BLOCK[owner]!);
        assert.deepEqual(paths.map((p) => p.sourceAddress), [lab.ip(owner)], `${r}'s Loc-RIB for ${owner}'s block: ${JSON.stringify(paths.map(brief))}`);
      }
    }
  });

  it('with one reflector stopped, every client keeps every route via the other, without a gap', async function () {
    await withoutGaps(async () => {
      await lab.petrel('rr1').stop();
      await convergedVia(['rr2'], 'via rr2 only', (p) => p.best);
      await bird.waitForSessionDown(lab.ip('rr1'), 10_000);
    });
    for (const owner of CLIENTS) {
      const rs = (await bird.routes('ipv4')).filter((r) => r.prefix === BLOCK[owner]);
      assert.deepEqual(rs.map((r) => r.from), [lab.ip('rr2')], `BIRD: ${routeText(rs)}`);
    }
  });

  it('the stopped reflector back: every route via both again; then the other crashes: kept stale, swept after maxRestartTime, still without a gap', async function () {
    await lab.petrel('rr1').restart();
    await convergedVia(RRS, 'via both reflectors again');
    const rr2 = lab.petrel('rr2');
    let t0 = 0;
    await withoutGaps(async () => {
      await rr2.kill();
      t0 = Date.now();
      // No NOTIFICATION: the petrel clients keep rr2's paths as stale (RFC 4724) beside rr1's fresh ones ...
      await convergedVia(RRS, 'with rr2\'s paths stale', (p) => p.sourceAddress !== lab.ip('rr2') || p.stale);
      for (const c of CLIENTS) {
        for (const owner of OWNERS.filter((o) => o !== c)) {
          const best = (await locPaths(lab.petrel(c), BLOCK[owner]!)).find((p) => p.best);
          assert.equal(best?.stale, false, `${c}: a fresh path wins over a stale one for ${owner}'s block`);
        }
      }
      // ... until the restart time runs out.
      await convergedVia(['rr1'], 'via rr1 only after the restart time');
    });
    const sweptAfter = Date.now() - t0;
    assert.ok(sweptAfter >= (RESTART_S - 1.5) * 1000, `stale paths swept after ${sweptAfter} ms, before the ${RESTART_S} s restart time`);
  });
});

describe('topology: petrel route reflectors in two clusters', function () {
  this.timeout(60_000);
  useLab();
  const CLUSTER = { a: '224.0.0.1', b: '224.0.0.2' } as const;
  const BLOCK = { ca: '10.244.1.0/26', cb: '10.244.2.0/26' } as const;
  let lab: ClusterLab;

  before(async function () {
    this.timeout(120_000);
    lab = await clusterLab('rrab', ['rra', 'rrb', 'ca', 'cb']);
    const yaml = clusterYaml({
      asNumber: AS,
      mesh: false,
      len4: lab.len4,
      pools: [POOL],
      nodes: [
        { name: 'rra', ipv4: lab.ip('rra'), labels: { 'route-reflector': 'true', zone: 'a' }, rrClusterId: CLUSTER.a },
        { name: 'rrb', ipv4: lab.ip('rrb'), labels: { 'route-reflector': 'true', zone: 'b' }, rrClusterId: CLUSTER.b },
        { name: 'ca', ipv4: lab.ip('ca'), labels: { zone: 'a' }, blocks: [BLOCK.ca] },
        { name: 'cb', ipv4: lab.ip('cb'), labels: { zone: 'b' }, blocks: [BLOCK.cb] },
      ],
      peers: [
        bgpPeerDoc({ name: 'zone-a', nodeSelector: "zone == 'a' && !has(route-reflector)", peerSelector: "zone == 'a' && has(route-reflector)" }),
        bgpPeerDoc({ name: 'zone-b', nodeSelector: "zone == 'b' && !has(route-reflector)", peerSelector: "zone == 'b' && has(route-reflector)" }),
        // Reflectors of different clusters: Calico makes each the other's RR client.
        bgpPeerDoc({ name: 'route-reflector-mesh', nodeSelector: 'has(route-reflector)', peerSelector: 'has(route-reflector)' }),
      ],
    });
    await lab.startPetrels(['rra', 'rrb', 'ca', 'cb'], yaml);
  });

  it('a client\'s block crosses both reflectors and arrives with both cluster ids in CLUSTER_LIST, next hop unchanged', async function () {
    await Promise.all([
      lab.petrel('rra').waitForState(lab.ip('rrb'), 'Established', 40_000),
      lab.petrel('ca').waitForState(lab.ip('rra'), 'Established', 40_000),
      lab.petrel('cb').waitForState(lab.ip('rrb'), 'Established', 40_000),
    ]);
    for (const [me, owner, near, far] of [
      ['cb', 'ca', 'b', 'a'],
      ['ca', 'cb', 'a', 'b'],
    ] as const) {
      const [p] = await waitForLoc(lab.petrel(me), BLOCK[owner], `from ${owner} via both reflectors`, (ps) => ps.length === 1, 20_000);
      const what = `${me}: ${JSON.stringify(brief(p!))}`;
      assert.deepEqual(p!.nextHops, [lab.ip(owner)], what);
      assert.equal(p!.originatorId, lab.ip(owner), what);
      // RFC 4456 §8: each reflector prepends its own cluster id.
      assert.deepEqual(p!.clusterList, [CLUSTER[near], CLUSTER[far]], what);
      assert.equal(p!.sourceAddress, lab.ip(`rr${near}`), what);
    }
    // Each reflector holds the other zone's block from the other reflector, with that reflector's cluster id.
    const [atA] = await waitForLoc(lab.petrel('rra'), BLOCK.cb, 'from rrb', (ps) => ps.length === 1, 20_000);
    assert.deepEqual(atA!.clusterList, [CLUSTER.b], JSON.stringify(brief(atA!)));
    // A client never gets its own block back through the other cluster.
    for (const c of ['ca', 'cb'] as const) assert.deepEqual((await locPaths(lab.petrel(c), BLOCK[c])).map((x) => x.source), ['static1']);
  });
});
