/**
 * Proves the interop harness (test/support/netns.ts, test/support/peers/)
 * by peering real BGP implementations with each other in network
 * namespaces: sessions, routes both ways, MD5, hold-timer expiry by
 * SIGSTOP, a raw attribute from ExaBGP, hostile bytes from the raw speaker,
 * and cleanup. Every peer binary must be installed (.ci/run does it): a
 * missing one fails the test that needs it, nothing is skipped.
 */
import assert from 'node:assert/strict';
import {
  addAddrs,
  cleanupAll,
  createLan,
  createNs,
  listNs,
  nextSubnet,
  pointToPoint,
  RUN_PREFIX,
  useLab,
  waitFor,
  type Host,
} from '../support/netns.js';
import {
  frame,
  RawSpeaker,
  startBird1,
  startBird2,
  startExabgp,
  startFrr,
  startGobgp,
  type Peer,
} from '../support/peers/index.js';

const P4_BIRD = '198.51.100.0/24';
const P4_FRR = '203.0.113.0/24';

function pids(peers: readonly Peer[]): number[] {
  return peers.flatMap((p) => p.daemons.map((d) => d.pid));
}

describe('interop harness: real BGP implementations in namespaces', function () {
  this.timeout(60_000);
  useLab();
  const started: Peer[] = [];
  const keep = <T extends Peer>(p: T): T => {
    started.push(p);
    return p;
  };

  describe('BIRD 2 <-> FRR, eBGP over IPv4', function () {
    let bird: Peer;
    let frr: Peer;
    let a: Host;
    let b: Host;

    before(async function () {
      [a, b] = await pointToPoint('bird2', 'frr');
      [bird, frr] = await Promise.all([
        startBird2({
          ns: a.ns,
          routerId: a.v4,
          as: 65001,
          listen: [a.v4],
          neighbors: [{ address: b.v4, as: 65002, holdTime: 3 }],
          routes: [{ prefix: P4_BIRD, communities: ['65001:100'], med: 11 }],
        }).then(keep),
        startFrr({
          ns: b.ns,
          routerId: b.v4,
          as: 65002,
          listen: [b.v4],
          neighbors: [{ address: a.v4, as: 65001, holdTime: 3 }],
          routes: [{ prefix: P4_FRR, communities: ['65002:200'], med: 22, largeCommunities: ['65002:1:2'] }],
        }).then(keep),
      ]);
    });

    it('establishes and carries a route each way, seen in both CLIs', async function () {
      const [sb, sf] = await Promise.all([bird.waitForSession(b.v4, 'Established', 20_000), frr.waitForSession(a.v4, 'Established', 20_000)]);
      assert.equal(sb.remoteAs, 65002);
      assert.equal(sf.remoteAs, 65001);

      const inBird = await bird.waitForRoute('ipv4', P4_FRR, undefined, 15_000);
      assert.equal(inBird.nextHop, b.v4);
      assert.deepEqual(inBird.asPath, [65002]);
      assert.deepEqual(inBird.communities, ['65002:200']);
      assert.deepEqual(inBird.largeCommunities, ['65002:1:2']);
      assert.equal(inBird.med, 22);
      assert.ok(inBird.best);

      const inFrr = await frr.waitForRoute('ipv4', P4_BIRD, (r) => r.asPath.length > 0, 15_000);
      assert.equal(inFrr.nextHop, a.v4);
      assert.deepEqual(inFrr.asPath, [65001]);
      assert.deepEqual(inFrr.communities, ['65001:100']);
      assert.equal(inFrr.med, 11);

      // Originated routes are in their own tables too, and the connected subnet is not exported.
      assert.ok((await bird.routes('ipv4')).some((r) => r.prefix === P4_BIRD));
      assert.ok(!(await frr.routes('ipv4')).some((r) => r.prefix === `${a.v4.replace(/\.\d+$/, '.0')}/24`));
    });

    it('announces and withdraws at run time', async function () {
      await frr.announce({ prefix: '203.0.113.128/25', localPref: 300, asPathPrepend: [64999] });
      const r = await bird.waitForRoute('ipv4', '203.0.113.128/25', undefined, 15_000);
      assert.deepEqual(r.asPath, [65002, 64999]);
      await bird.announce({ prefix: '198.51.100.128/25', communities: ['65001:5'] });
      await frr.waitForRoute('ipv4', '198.51.100.128/25', (x) => x.communities.includes('65001:5'), 15_000);
      await frr.withdraw('203.0.113.128/25');
      await bird.waitForNoRoute('ipv4', '203.0.113.128/25', 15_000);
      await bird.withdraw('198.51.100.128/25');
      await frr.waitForNoRoute('ipv4', '198.51.100.128/25', 15_000);
    });

    it('hold timer: BIRD drops the session when FRR is SIGSTOPped, and recovers after SIGCONT', async function () {
      await bird.waitForSession(b.v4, 'Established', 15_000);
      const t0 = Date.now();
      frr.pause();
      try {
        await bird.waitForSessionDown(b.v4, 12_000);
        const downAfter = Date.now() - t0;
        assert.ok(downAfter >= 1500, `session dropped after ${downAfter} ms: too early for a 3 s hold timer`);
        // With a GR/LLGR-capable neighbor BIRD takes hold expiry as a graceful restart: traced, not an error.
        assert.match(bird.log(), /n0: (Error: )?Hold timer expired/);
      } finally {
        frr.resume();
      }
      await Promise.all([bird.waitForSession(b.v4, 'Established', 30_000), frr.waitForSession(a.v4, 'Established', 30_000)]);
      await bird.waitForRoute('ipv4', P4_FRR, undefined, 15_000);
    });
  });

  describe('BIRD 1.6 <-> GoBGP', function () {
    it('iBGP over IPv6 with IPv6 routes both ways', async function () {
      const [a, b] = await pointToPoint('bird1', 'gobgp');
      const [b1, go] = await Promise.all([
        startBird1({
          ns: a.ns,
          routerId: a.v4,
          as: 65010,
          listen: [a.v6],
          neighbors: [{ address: b.v6, as: 65010 }],
          routes: [{ prefix: '2001:db8:aa::/48', communities: ['65010:1'], localPref: 250 }],
        }).then(keep),
        startGobgp({
          ns: b.ns,
          routerId: b.v4,
          as: 65010,
          listen: [b.v6],
          neighbors: [{ address: a.v6, as: 65010 }],
          routes: [{ prefix: '2001:db8:bb::/48', communities: ['65010:2'], med: 7 }],
        }).then(keep),
      ]);
      await Promise.all([b1.waitForSession(b.v6, 'Established', 20_000), go.waitForSession(a.v6, 'Established', 20_000)]);
      const inBird = await b1.waitForRoute('ipv6', '2001:db8:bb::/48', undefined, 15_000);
      assert.equal(inBird.nextHop, b.v6);
      assert.deepEqual(inBird.asPath, []);
      assert.deepEqual(inBird.communities, ['65010:2']);
      assert.equal(inBird.med, 7);
      const inGo = await go.waitForRoute('ipv6', '2001:db8:aa::/48', undefined, 15_000);
      assert.equal(inGo.nextHop, a.v6);
      assert.equal(inGo.localPref, 250);
      assert.deepEqual(inGo.communities, ['65010:1']);
      assert.match(await b1.cli('ipv6: show protocols all n0'), /Session:\s+internal/);
    });
  });

  describe('FRR <-> GoBGP with TCP MD5', function () {
    it('right password: Established; wrong password: never Established', async function () {
      const [[a, b], [c, d]] = await Promise.all([pointToPoint('frr-md5', 'gobgp-md5'), pointToPoint('frr-bad', 'gobgp-bad')]);
      const pair = (x: Host, y: Host, pw1: string, pw2: string): Promise<[Peer, Peer]> =>
        Promise.all([
          startFrr({ ns: x.ns, routerId: x.v4, as: 65020, listen: [x.v4], neighbors: [{ address: y.v4, as: 65021, password: pw1 }] }).then(keep),
          startGobgp({ ns: y.ns, routerId: y.v4, as: 65021, listen: [y.v4], neighbors: [{ address: x.v4, as: 65020, password: pw2 }], routes: [{ prefix: P4_FRR }] }).then(keep),
        ]);
      const [[frrOk, goOk], [frrBad, goBad]] = await Promise.all([pair(a, b, 'petrel-md5', 'petrel-md5'), pair(c, d, 'petrel-md5', 'not-the-same')]);
      await Promise.all([frrOk.waitForSession(b.v4, 'Established', 20_000), goOk.waitForSession(a.v4, 'Established', 20_000)]);
      await frrOk.waitForRoute('ipv4', P4_FRR, undefined, 15_000);
      // Both sides keep trying (connect retry 1 s); with mismatched keys the kernel drops every segment.
      await Promise.all([frrBad.assertNeverState(d.v4, 'Established', 6000), goBad.assertNeverState(c.v4, 'Established', 6000)]);
      const bad = (await goBad.sessions()).find((s) => s.neighbor === c.v4);
      assert.ok(bad, 'GoBGP lists the neighbor');
      assert.notEqual(bad.state, 'Established');
    });
  });

  describe('ExaBGP and the raw speaker against BIRD 2', function () {
    let bird: Peer;
    let a: Host;
    let b: Host;
    const rawAddr = { v4: '' };

    before(async function () {
      [a, b] = await pointToPoint('bird2-x', 'exabgp');
      rawAddr.v4 = b.v4.replace(/\.2$/, '.3');
      await addAddrs(b.ns, 'to-bird2-x', [`${rawAddr.v4}/24`]);
      bird = await startBird2({
        ns: a.ns,
        routerId: a.v4,
        as: 65001,
        listen: [a.v4],
        neighbors: [
          { address: b.v4, as: 65003 },
          { address: rawAddr.v4, as: 65004, passive: true },
        ],
      }).then(keep);
    });

    it('BIRD 2 shows the raw optional transitive attribute ExaBGP announced', async function () {
      const exa = keep(
        await startExabgp({
          ns: b.ns,
          routerId: b.v4,
          as: 65003,
          listen: [b.v4],
          neighbors: [{ address: a.v4, as: 65001 }],
          routes: [{ prefix: P4_FRR, communities: ['65003:1'], attributes: [{ code: 0x63, flags: 0xc0, hex: 'deadbeef' }] }],
        }),
      );
      await Promise.all([exa.waitForSession(a.v4, 'Established', 20_000), bird.waitForSession(b.v4, 'Established', 20_000)]);
      const r = await bird.waitForRoute('ipv4', P4_FRR, undefined, 15_000);
      assert.equal(r.unknownAttributes.get(0x63), 'deadbeef');
      assert.deepEqual(r.asPath, [65003]);
      assert.match(await bird.cli(`show route ${P4_FRR} all`), /BGP\.63 \[t\]: de ad be ef/);

      // Scripted at run time through the API pipe: ExaBGP sends the AS_PATH it is given.
      await exa.announce({ prefix: '192.0.2.0/24', asPath: [65003, 64512], attributes: [{ code: 0xf0, flags: 0xe0, hex: '0102' }] });
      const r2 = await bird.waitForRoute('ipv4', '192.0.2.0/24', undefined, 10_000);
      assert.deepEqual(r2.asPath, [65003, 64512]);
      assert.equal(r2.unknownAttributes.get(0xf0), '0102');
      await exa.withdraw('192.0.2.0/24');
      await bird.waitForNoRoute('ipv4', '192.0.2.0/24', 10_000);

      // Hostile: a raw attribute replaces ExaBGP's own ORIGIN, here with the invalid value 7.
      // BIRD applies RFC 7606 §7.1 (treat-as-withdraw) and keeps the session.
      await exa.announce({ prefix: '192.0.2.128/25', attributes: [{ code: 0x01, flags: 0x40, hex: '07' }] });
      await waitFor('BIRD to report the malformed ORIGIN', 10_000, async () => (/Malformed ORIGIN attribute/.test(bird.log()) ? true : undefined));
      assert.ok(!(await bird.routes('ipv4')).some((x) => x.prefix === '192.0.2.128/25'));
      assert.equal((await bird.sessions()).find((x) => x.neighbor === b.v4)?.state, 'Established');
    });

    it('the raw speaker handshakes, sends a lying length, and records the NOTIFICATION', async function () {
      const raw = await RawSpeaker.connect({ ns: b.ns, address: a.v4, localAddress: rawAddr.v4 });
      try {
        const open = await raw.handshake({ as: 65004, bgpId: rawAddr.v4, holdTime: 30 });
        assert.equal(open.myAs, 65001);
        await bird.waitForSession(rawAddr.v4, 'Established', 10_000);
        // An UPDATE whose header claims 5000 bytes (over the 4096 limit): RFC 4271 §6.1 Bad Message Length.
        raw.write(frame(2, new Uint8Array([0, 0, 0, 0]), 5000));
        const n = await raw.notification(10_000);
        assert.equal(n.code, 1, `NOTIFICATION ${n.code}/${n.subcode}`);
        assert.equal(n.subcode, 2);
        assert.deepEqual([...n.data], [0x13, 0x88]);
        await raw.waitClosed(10_000);
      } finally {
        await raw.close();
      }
    });
  });

  describe('a bridged LAN with BIRD 2 as route reflector', function () {
    it('reflects an FRR client route to a GoBGP client, next hop unchanged', async function () {
      const lan = await createLan('lan');
      const s = nextSubnet();
      const [rr, c1, c2] = await Promise.all([createNs('rr'), createNs('client-frr'), createNs('client-gobgp')]);
      await Promise.all([lan.join(rr, [`${s.v4(1)}/24`]), lan.join(c1, [`${s.v4(2)}/24`]), lan.join(c2, [`${s.v4(3)}/24`])]);
      const AS = 65100;
      const [bird, frr, go] = await Promise.all([
        startBird2({
          ns: rr,
          routerId: s.v4(1),
          as: AS,
          listen: [s.v4(1)],
          neighbors: [
            { address: s.v4(2), as: AS, routeReflectorClient: true },
            { address: s.v4(3), as: AS, routeReflectorClient: true },
          ],
        }).then(keep),
        startFrr({ ns: c1, routerId: s.v4(2), as: AS, listen: [s.v4(2)], neighbors: [{ address: s.v4(1), as: AS }], routes: [{ prefix: '198.51.100.0/25' }] }).then(keep),
        // GoBGP is passive: its own first connect comes only 5-10 s after start.
        startGobgp({ ns: c2, routerId: s.v4(3), as: AS, listen: [s.v4(3)], neighbors: [{ address: s.v4(1), as: AS, passive: true }] }).then(keep),
      ]);
      await Promise.all([bird.waitForSession(s.v4(2), 'Established', 20_000), bird.waitForSession(s.v4(3), 'Established', 20_000)]);
      const r = await go.waitForRoute('ipv4', '198.51.100.0/25', undefined, 15_000);
      assert.equal(r.nextHop, s.v4(2));
      assert.deepEqual(r.asPath, []);
      assert.ok((await frr.sessions()).every((x) => x.state === 'Established'));
    });
  });

  describe('harness', function () {
    it('a missing peer binary fails with a clear message', async function () {
      const saved = process.env.PETREL_BIRD1_DIR;
      process.env.PETREL_BIRD1_DIR = '/nonexistent/bird1';
      try {
        await assert.rejects(
          startBird1({ ns: 'unused', routerId: '198.18.0.1', as: 1, listen: ['198.18.0.1'], neighbors: [] }),
          /BIRD 1\.6 is needed in \/nonexistent\/bird1: run the install step of \.ci\/run/,
        );
      } finally {
        if (saved === undefined) delete process.env.PETREL_BIRD1_DIR;
        else process.env.PETREL_BIRD1_DIR = saved;
      }
    });

    it('cleans up: no namespace of this run is left and every daemon is gone', async function () {
      const before = (await listNs()).filter((n) => n.startsWith(RUN_PREFIX));
      assert.ok(before.length > 0, 'the tests above created namespaces');
      const daemonPids = pids(started);
      await cleanupAll();
      assert.deepEqual((await listNs()).filter((n) => n.startsWith(RUN_PREFIX)), []);
      for (const pid of daemonPids) {
        assert.throws(() => process.kill(pid, 0), `daemon ${pid} still running`);
      }
    });
  });
});
