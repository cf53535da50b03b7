/**
 * Topologies 2 and 3: route reflection between petrel and other
 * implementations, configured as Calico does it, each in its own
 * namespaces on one LAN.
 *
 * 2. petrel reflects (a node with routeReflectorClusterID, BGPPeers with
 *    selectors and peerIPs) for a BIRD 2 client, an FRR client and a petrel
 *    client: each client gets the others' routes with ORIGINATOR_ID and
 *    CLUSTER_LIST, next hop unchanged, as each client's own table shows.
 * 3. petrel nodes (mesh off) are clients of a BIRD 2 route reflector
 *    through a global BGPPeer: blocks travel between them via BIRD.
 */
import assert from 'node:assert/strict';
import { useLab } from '../support/netns.js';
import { startBird2, startFrr, type Peer, type RouteInfo } from '../support/peers/index.js';
import { brief, bgpPeerDoc, clusterLab, clusterYaml, locPaths, routeText, waitForLoc, waitForNoLoc, type ClusterLab } from '../support/topology.js';

const AS = 64512;
const POOL = '10.244.0.0/16';
const CLUSTER_ID = '224.0.0.1';
/** Calico's LOCAL_PREF for a node's own blocks (2^31 - 1 - ipv4NormalRoutePriority). */
const CALICO_LOCAL_PREF = 2147483647 - 1024;

describe('topology: petrel as route reflector for BIRD 2, FRR and petrel clients', function () {
  this.timeout(60_000);
  useLab();
  let lab: ClusterLab;
  let bird: Peer;
  let frr: Peer;
  const BLOCK = { rr: '10.244.10.0/26', c1: '10.244.11.0/26', bird: '10.244.20.0/26', frr: '10.244.30.0/26' } as const;

  const yaml = (c1Blocks: readonly string[]): string =>
    clusterYaml({
      asNumber: AS,
      mesh: false,
      len4: lab.len4,
      pools: [POOL],
      nodes: [
        { name: 'rr', ipv4: lab.ip('rr'), labels: { 'route-reflector': 'true' }, rrClusterId: CLUSTER_ID, blocks: [BLOCK.rr] },
        { name: 'c1', ipv4: lab.ip('c1'), blocks: c1Blocks },
      ],
      peers: [
        // Calico's documented route-reflector setup: every other node peers with the reflectors (reverse peering is automatic).
        bgpPeerDoc({ name: 'peer-with-route-reflectors', nodeSelector: '!has(route-reflector)', peerSelector: 'has(route-reflector)' }),
        // Clients that are not Calico nodes: peerIP BGPPeers on the reflectors.
        bgpPeerDoc({ name: 'rr-to-bird', nodeSelector: 'has(route-reflector)', peerIP: lab.ip('bird'), asNumber: AS }),
        bgpPeerDoc({ name: 'rr-to-frr', nodeSelector: 'has(route-reflector)', peerIP: lab.ip('frr'), asNumber: AS }),
      ],
    });

  before(async function () {
    this.timeout(120_000);
    lab = await clusterLab('rr', ['rr', 'c1', 'bird', 'frr']);
    const rrIp = lab.ip('rr');
    [bird, frr] = await Promise.all([
      startBird2({ ns: lab.host('bird').ns, routerId: lab.ip('bird'), as: AS, listen: [lab.ip('bird')], neighbors: [{ address: rrIp, as: AS }], routes: [{ prefix: BLOCK.bird }] }),
      startFrr({ ns: lab.host('frr').ns, routerId: lab.ip('frr'), as: AS, listen: [lab.ip('frr')], neighbors: [{ address: rrIp, as: AS }], routes: [{ prefix: BLOCK.frr }] }),
      lab.startPetrels(['rr', 'c1'], yaml([BLOCK.c1])),
    ]);
  });

  it('the reflector has a Node_ session with each client (BIRD, FRR, petrel); the petrel client peers with the reflector only', async function () {
    const rr = lab.petrel('rr');
    await Promise.all(['c1', 'bird', 'frr'].map((c) => rr.waitForState(lab.ip(c), 'Established', 40_000)));
    await Promise.all([bird.waitForSession(lab.ip('rr'), 'Established', 20_000), frr.waitForSession(lab.ip('rr'), 'Established', 20_000)]);
    assert.deepEqual(
      (await rr.status()).map((p) => [p.name, p.peerAs]).sort(),
      [[`Node_${lab.ip('c1').replaceAll('.', '_')}`, AS], [`Node_${lab.ip('bird').replaceAll('.', '_')}`, AS], [`Node_${lab.ip('frr').replaceAll('.', '_')}`, AS]].sort(),
    );
    assert.deepEqual((await lab.petrel('c1').status()).map((p) => p.address), [lab.ip('rr')]);
  });

  /** A client's copy of another member's route: reflected by rr, attributes as RFC 4456 says. */
  const assertReflected = (who: string, r: RouteInfo, owner: string): void => {
    const what = `${who}: ${r.prefix} (${routeText(r)})`;
    assert.equal(r.nextHop, lab.ip(owner), `${what}: next hop unchanged (the owner)`);
    assert.deepEqual(r.asPath, [], `${what}: AS path`);
    assert.equal(r.originatorId, lab.ip(owner), `${what}: ORIGINATOR_ID is the owner's router id`);
    assert.deepEqual(r.clusterList, [CLUSTER_ID], `${what}: CLUSTER_LIST`);
    assert.equal(r.from, lab.ip('rr'), `${what}: learnt from the reflector`);
  };

  it('BIRD 2 (client) gets the FRR and petrel clients\' routes with ORIGINATOR_ID and CLUSTER_LIST, next hop unchanged', async function () {
    assertReflected('BIRD', await bird.waitForRoute('ipv4', BLOCK.frr, undefined, 20_000), 'frr');
    assertReflected('BIRD', await bird.waitForRoute('ipv4', BLOCK.c1, undefined, 20_000), 'c1');
    // The reflector's own block is its own route: not reflected, no RFC 4456 attributes.
    const own = await bird.waitForRoute('ipv4', BLOCK.rr, undefined, 20_000);
    assert.equal(own.nextHop, lab.ip('rr'));
    assert.equal(own.originatorId, undefined, routeText(own));
    assert.equal(own.clusterList, undefined, routeText(own));
    assert.equal(own.localPref, CALICO_LOCAL_PREF);
    const show = await bird.cli(`show route ${BLOCK.c1} all`);
    assert.match(show, new RegExp(`BGP\\.originator_id: ${lab.ip('c1').replaceAll('.', '\\.')}`), show);
    assert.match(show, /BGP\.cluster_list: 224\.0\.0\.1/, show);
  });

  it('FRR (client) gets the BIRD and petrel clients\' routes with ORIGINATOR_ID and CLUSTER_LIST, next hop unchanged', async function () {
    assertReflected('FRR', await frr.waitForRoute('ipv4', BLOCK.bird, undefined, 20_000), 'bird');
    assertReflected('FRR', await frr.waitForRoute('ipv4', BLOCK.c1, undefined, 20_000), 'c1');
    const own = await frr.waitForRoute('ipv4', BLOCK.rr, undefined, 20_000);
    assert.equal(own.nextHop, lab.ip('rr'));
    assert.equal(own.originatorId, undefined, routeText(own));
    // vtysh's JSON is what the parser read: check the raw text names the attributes too.
    const raw = JSON.parse(await frr.cli(`show bgp ipv4 unicast ${BLOCK.c1} json`)) as { paths?: { originatorId?: string; clusterList?: { list?: string[] } }[] };
    assert.equal(raw.paths?.[0]?.originatorId, lab.ip('c1'), JSON.stringify(raw));
    assert.deepEqual(raw.paths?.[0]?.clusterList?.list, [CLUSTER_ID], JSON.stringify(raw));
  });

  it('the petrel client gets the BIRD and FRR routes with ORIGINATOR_ID and CLUSTER_LIST, next hop unchanged', async function () {
    const c1 = lab.petrel('c1');
    for (const owner of ['bird', 'frr'] as const) {
      const [p] = await waitForLoc(c1, BLOCK[owner], `from ${owner} via rr`, (ps) => ps.length === 1 && ps[0]!.best, 20_000);
      assert.deepEqual(p!.nextHops, [lab.ip(owner)], JSON.stringify(brief(p!)));
      assert.equal(p!.originatorId, lab.ip(owner));
      assert.deepEqual(p!.clusterList, [CLUSTER_ID]);
      assert.equal(p!.sourceAddress, lab.ip('rr'));
    }
    // The client's own block never comes back (the reflector does not send a route to the client it came from).
    const own = await locPaths(c1, BLOCK.c1);
    assert.deepEqual(own.map((x) => x.source), ['static1'], JSON.stringify(own.map(brief)));
  });

  it('a client\'s withdrawal is reflected: a released petrel block and a withdrawn FRR route leave BIRD and the others', async function () {
    const NEW = '10.244.12.0/26';
    lab.apply(yaml([NEW]));
    await frr.withdraw(BLOCK.frr);
    await Promise.all([bird.waitForNoRoute('ipv4', BLOCK.c1, 20_000), frr.waitForNoRoute('ipv4', BLOCK.c1, 20_000), bird.waitForNoRoute('ipv4', BLOCK.frr, 20_000)]);
    await waitForNoLoc(lab.petrel('c1'), BLOCK.frr, 20_000);
    await waitForNoLoc(lab.petrel('rr'), BLOCK.frr, 20_000);
    assertReflected('BIRD', await bird.waitForRoute('ipv4', NEW, undefined, 20_000), 'c1');
    assertReflected('FRR', await frr.waitForRoute('ipv4', NEW, undefined, 20_000), 'c1');
  });
});

describe('topology: petrel nodes as clients of a BIRD 2 route reflector', function () {
  this.timeout(60_000);
  useLab();
  let lab: ClusterLab;
  let bird: Peer;
  const BLOCK = { c1: '10.244.1.0/26', c2: '10.244.2.0/26' } as const;

  const yaml = (blocks: Record<'c1' | 'c2', readonly string[]>): string =>
    clusterYaml({
      asNumber: AS,
      mesh: false,
      len4: lab.len4,
      pools: [POOL],
      nodes: [
        { name: 'c1', ipv4: lab.ip('c1'), blocks: blocks.c1 },
        { name: 'c2', ipv4: lab.ip('c2'), blocks: blocks.c2 },
      ],
      // Mesh off, one global BGPPeer: every node peers with the (non-Calico) reflector.
      peers: [bgpPeerDoc({ name: 'bird-rr', peerIP: lab.ip('bird'), asNumber: AS })],
    });

  before(async function () {
    this.timeout(120_000);
    lab = await clusterLab('birdrr', ['bird', 'c1', 'c2']);
    [bird] = await Promise.all([
      startBird2({
        ns: lab.host('bird').ns,
        routerId: lab.ip('bird'),
        as: AS,
        listen: [lab.ip('bird')],
        neighbors: ['c1', 'c2'].map((c) => ({ address: lab.ip(c), as: AS, routeReflectorClient: true })),
      }),
      lab.startPetrels(['c1', 'c2'], yaml({ c1: [BLOCK.c1], c2: [BLOCK.c2] })),
    ]);
  });

  it('each petrel node has one session, to BIRD (Global_ peer), and BIRD has both blocks from their owners', async function () {
    for (const c of ['c1', 'c2']) {
      const p = await lab.petrel(c).waitForState(lab.ip('bird'), 'Established', 40_000);
      assert.equal(p.name, `Global_${lab.ip('bird').replaceAll('.', '_')}`);
      assert.equal((await lab.petrel(c).status()).length, 1, `${c} peers only with the reflector`);
    }
    for (const c of ['c1', 'c2'] as const) {
      const r = await bird.waitForRoute('ipv4', BLOCK[c], undefined, 20_000);
      assert.equal(r.nextHop, lab.ip(c));
      assert.equal(r.from, lab.ip(c));
      assert.equal(r.localPref, CALICO_LOCAL_PREF, 'Calico\'s LOCAL_PREF as petrel set it');
    }
  });

  it('blocks flow between the two petrel clients via BIRD, with BIRD\'s cluster id and the owner as next hop', async function () {
    for (const [me, owner] of [['c1', 'c2'], ['c2', 'c1']] as const) {
      const [p] = await waitForLoc(lab.petrel(me), BLOCK[owner], `from ${owner} via BIRD`, (ps) => ps.length === 1 && ps[0]!.best, 20_000);
      assert.deepEqual(p!.nextHops, [lab.ip(owner)], `${me}: ${JSON.stringify(brief(p!))}`);
      assert.equal(p!.sourceAddress, lab.ip('bird'), 'learnt from the reflector');
      assert.equal(p!.originatorId, lab.ip(owner));
      // BIRD's cluster id defaults to its router id.
      assert.deepEqual(p!.clusterList, [lab.ip('bird')]);
      assert.equal(p!.localPref, CALICO_LOCAL_PREF, 'LOCAL_PREF kept through the reflector');
      // Its own block stays local.
      assert.deepEqual((await locPaths(lab.petrel(me), BLOCK[me])).map((x) => x.source), ['static1']);
    }
  });

  it('a block released on one client leaves the other client via BIRD; a new one arrives', async function () {
    const NEW = '10.244.3.0/26';
    lab.apply(yaml({ c1: [NEW], c2: [BLOCK.c2] }));
    await bird.waitForNoRoute('ipv4', BLOCK.c1, 20_000);
    await waitForNoLoc(lab.petrel('c2'), BLOCK.c1, 20_000);
    const [p] = await waitForLoc(lab.petrel('c2'), NEW, 'from c1 via BIRD', (ps) => ps.length === 1, 20_000);
    assert.deepEqual(p!.nextHops, [lab.ip('c1')]);
    assert.equal(p!.sourceAddress, lab.ip('bird'));
  });
});
