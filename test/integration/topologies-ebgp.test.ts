/**
 * Topology 5: eBGP to a top-of-rack router. Two petrel nodes (a mesh
 * between them) peer through a global BGPPeer with FRR in another AS, all
 * in namespaces on one LAN. FRR originates the default route and receives
 * the pod blocks: its own table shows each block with AS path [node AS] and
 * the owning node as next hop; petrel's Loc-RIB has the default route with
 * FRR as next hop, and keeps it to itself (it is not in an IP pool).
 */
import assert from 'node:assert/strict';
import { useLab, waitFor } from '../support/netns.js';
import { startFrr, type Peer } from '../support/peers/index.js';
import { bgpMessages, captureBgp, type TcpSegment } from '../support/petrel.js';
import { asPathOf, brief, bgpPeerDoc, clusterLab, clusterYaml, locPaths, routeText, waitForLoc, waitForNoLoc, type ClusterLab } from '../support/topology.js';

const NODE_AS = 64512;
const TOR_AS = 65001;
const POOL = '10.244.0.0/16';
const DEFAULT = '0.0.0.0/0';
const NODES = ['n1', 'n2'] as const;
const BLOCK = { n1: '10.244.1.0/26', n2: '10.244.2.0/26' } as const;

describe('topology: petrel nodes in eBGP with an FRR top-of-rack router', function () {
  this.timeout(60_000);
  useLab();
  let lab: ClusterLab;
  let tor: Peer;

  before(async function () {
    this.timeout(120_000);
    lab = await clusterLab('tor', ['tor', ...NODES]);
    const yaml = clusterYaml({
      asNumber: NODE_AS,
      mesh: true,
      len4: lab.len4,
      pools: [POOL],
      nodes: NODES.map((name) => ({ name, ipv4: lab.ip(name), blocks: [BLOCK[name]] })),
      // A global BGPPeer: every node peers with the ToR.
      peers: [bgpPeerDoc({ name: 'tor', peerIP: lab.ip('tor'), asNumber: TOR_AS })],
    });
    [tor] = await Promise.all([
      startFrr({
        ns: lab.host('tor').ns,
        name: 'tor',
        routerId: lab.ip('tor'),
        as: TOR_AS,
        listen: [lab.ip('tor')],
        neighbors: NODES.map((n) => ({ address: lab.ip(n), as: NODE_AS })),
        routes: [{ prefix: DEFAULT }],
      }),
      lab.startPetrels(NODES, yaml),
    ]);
  });

  it('every node has an eBGP session with the ToR beside its mesh session', async function () {
    for (const n of NODES) {
      const p = await lab.petrel(n).waitForState(lab.ip('tor'), 'Established', 40_000);
      assert.equal(p.name, `Global_${lab.ip('tor').replaceAll('.', '_')}`);
      assert.equal(p.peerAs, TOR_AS);
      const s = await tor.waitForSession(lab.ip(n), 'Established', 20_000);
      assert.equal(s.remoteAs, NODE_AS);
    }
    await lab.petrel('n1').waitForState(lab.ip('n2'), 'Established', 40_000);
  });

  it('FRR\'s table has each node\'s block with AS path [node AS] and the node as next hop', async function () {
    for (const n of NODES) {
      const other = n === 'n1' ? 'n2' : 'n1';
      const fromOwner = await tor.waitForRoute('ipv4', BLOCK[n], (r) => r.from === lab.ip(n), 20_000);
      assert.deepEqual(fromOwner.asPath, [NODE_AS], routeText(fromOwner));
      assert.equal(fromOwner.nextHop, lab.ip(n), routeText(fromOwner));
      // The other node re-exports the block it learnt over the mesh (Calico exports every pool route to
      // eBGP peers), with itself as next hop: what BIRD 1.6 and BIRD 2 send too over Calico's multihop sessions.
      const viaOther = await tor.waitForRoute('ipv4', BLOCK[n], (r) => r.from === lab.ip(other), 20_000);
      assert.deepEqual(viaOther.asPath, [NODE_AS], routeText(viaOther));
      assert.equal(viaOther.nextHop, lab.ip(other), routeText(viaOther));
      const all = (await tor.routes('ipv4')).filter((r) => r.prefix === BLOCK[n]);
      assert.equal(all.length, 2, routeText(all));
      assert.equal(all.filter((r) => r.best).length, 1, routeText(all));
    }
    // Nothing outside the pool leaves the nodes, and FRR's own default route does not come back.
    const fromNodes = (await tor.routes('ipv4')).filter((r) => r.from !== undefined);
    assert.deepEqual([...new Set(fromNodes.map((r) => r.prefix))].sort(), [BLOCK.n1, BLOCK.n2], routeText(fromNodes));
    assert.deepEqual((await tor.routes('ipv4')).filter((r) => r.prefix === DEFAULT).map((r) => r.from), [undefined], 'FRR\'s default route is its own only');
  });

  it('petrel\'s Loc-RIB has the default route with FRR as next hop, not re-advertised over the mesh', async function () {
    for (const n of NODES) {
      const paths = await waitForLoc(lab.petrel(n), DEFAULT, 'from the ToR', (ps) => ps.some((p) => p.best), 20_000);
      // One path only: the other node does not pass it on (not in an IP pool: Calico's export rules).
      assert.equal(paths.length, 1, `${n}: ${JSON.stringify(paths.map(brief))}`);
      const p = paths[0]!;
      assert.deepEqual(p.nextHops, [lab.ip('tor')], JSON.stringify(brief(p)));
      assert.deepEqual(asPathOf(p), [TOR_AS]);
      assert.equal(p.sourceAddress, lab.ip('tor'));
      // The other node's block: over the mesh only. FRR's copy carries NODE_AS (AS_PATH loop, RFC 4271 §9.1.2).
      const other = n === 'n1' ? 'n2' : 'n1';
      const blockPaths = await locPaths(lab.petrel(n), BLOCK[other]);
      assert.deepEqual(blockPaths.map((x) => x.sourceAddress), [lab.ip(other)], `${n}: ${JSON.stringify(blockPaths.map(brief))}`);
    }
  });

  it('FRR withdrawing the default route removes it from every node; announcing it again brings it back', async function () {
    await tor.withdraw(DEFAULT);
    await Promise.all(NODES.map((n) => waitForNoLoc(lab.petrel(n), DEFAULT, 20_000)));
    await tor.announce({ prefix: DEFAULT });
    await Promise.all(NODES.map((n) => waitForLoc(lab.petrel(n), DEFAULT, 'again', (ps) => ps.length === 1 && ps[0]!.nextHops[0] === lab.ip('tor'), 20_000)));
  });

  it('a stopped node sends FRR an RFC 8538 Hard Reset; its block leaves FRR\'s table, the other node\'s stays', async function () {
    const n2 = lab.petrel('n2');
    const cap = await captureBgp(n2.ns, 'lan0', `host ${lab.ip('tor')} and tcp port 179`, n2.dir);
    const notesIn = (wire: readonly TcpSegment[]): string[] =>
      bgpMessages(wire)
        .filter((m) => m.src === lab.ip('n2') && m.bytes[18] === 3)
        .map((m) => Buffer.from(m.bytes.subarray(19)).toString('hex'));
    let wire: TcpSegment[];
    try {
      // SIGTERM: petrel sends its NOTIFICATIONs before it exits.
      await n2.stop();
      await waitFor('the NOTIFICATION the stopped node sent FRR, on the wire', 5000, async () => (notesIn(cap.segments()).length > 0 ? true : undefined), 100).catch(() => undefined);
    } finally {
      wire = await cap.stop();
    }
    const notes = notesIn(wire);
    // FRR negotiated the GR N bit, so petrel wraps its Cease/Administrative Shutdown in a Hard Reset (6/9), the
    // wrapped NOTIFICATION encoded as RFC 8538 §3 says: ErrCode, Subcode, Data (06 09 | 06 02). With the subcode
    // alone (06 09 | 02, as petrel once sent) FRR 8.4's bgpd reads past the end and aborts: the ToR's BGP dies.
    assert.deepEqual(notes, ['06090602'], 'NOTIFICATIONs (code, subcode, data) the stopped node sent FRR');
    assert.ok(tor.daemons.every((d) => d.alive), `FRR's bgpd survives the node's shutdown:\n${tor.log().slice(-3000)}`);
    await tor.waitForSessionDown(lab.ip('n2'), 10_000);
    await tor.waitForNoRoute('ipv4', BLOCK.n2, 20_000);
    const left = (await tor.routes('ipv4')).filter((r) => r.prefix === BLOCK.n1);
    assert.deepEqual(left.map((r) => [r.from, r.nextHop]), [[lab.ip('n1'), lab.ip('n1')]], routeText(left));
  });
});
