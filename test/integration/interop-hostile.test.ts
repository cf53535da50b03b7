/**
 * Hostile input against a running petrel (rows of
 * ../shared/reference/bgp-robustness.md §2): a raw BGP speaker
 * (test/support/peers/raw.ts) per row, each from its own address, and
 * ExaBGP raw attributes for the treat-as-withdraw rows. petrel must answer
 * each exactly as the RFCs say, while its session to BIRD 2 stays
 * Established with its uptime unchanged (seen by both petrel and BIRD).
 */
import assert from 'node:assert/strict';
import { useLab, waitFor } from '../support/netns.js';
import { buildOpen, frame, RawSpeaker, startBird2, startExabgp, type ExaPeer, type Peer } from '../support/peers/index.js';
import { BLOCK4, nodeDatastore, parseLog, petrelLan, PETREL_AS, POOL4, startPetrel, type LanHost, type Petrel, type PetrelLan } from '../support/petrel.js';

const RAW_AS = 65010;
const EXA_AS = 65020;
const BIRD_AS = 65030;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const u16 = (n: number): string => n.toString(16).padStart(4, '0');
const ipHex = (ip: string): string => ip.split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join('');

/** An UPDATE from hex pieces: withdrawn routes, path attributes, NLRI. */
function update(attrs: string, nlri: string, withdrawn = ''): Uint8Array {
  const body = `${u16(withdrawn.length / 2)}${withdrawn}${u16(attrs.length / 2)}${attrs}${nlri}`;
  return frame(2, Buffer.from(body, 'hex'));
}

/** ORIGIN IGP, AS_PATH [RAW_AS] (4-octet), NEXT_HOP: a valid eBGP attribute set. */
function validAttrs(nextHop: string): string {
  return `40010100` + `400206` + `0201${RAW_AS.toString(16).padStart(8, '0')}` + `400304${ipHex(nextHop)}`;
}

describe('interop: hostile input against petrel (raw speaker and ExaBGP) while BIRD 2 stays up', function () {
  this.timeout(60_000);
  useLab();

  let lan: PetrelLan;
  let petrel: Petrel;
  let bird: Peer;
  let exa: ExaPeer;
  let birdHost: LanHost;
  let exaHost: LanHost;
  const raws = new Map<string, LanHost>();
  const ROWS = ['wellknown', 'prefix33', 'marker', 'length', 'hold1', 'early', 'idle'] as const;
  type Row = (typeof ROWS)[number];
  /** BIRD 2 session as both sides saw it before the hostile rows. */
  let witness: { petrelSince: number | null; birdStart: number };

  before(async function () {
    lan = await petrelLan('petrel');
    [birdHost, exaHost] = await Promise.all([lan.member('bird2'), lan.member('exabgp')]);
    const rawHost = await lan.member('raw');
    for (const row of ROWS) raws.set(row, await lan.extraAddress(rawHost));
    const otherNodes = Object.fromEntries([...raws].map(([row, h]) => [`raw-${row.toLowerCase()}`, { ipv4Address: `${h.v4}/${lan.len4}` }]));
    const yaml = nodeDatastore({
      node: 'petrel-node',
      asNumber: PETREL_AS,
      ipv4Address: `${lan.petrel.v4}/${lan.len4}`,
      pools: [POOL4],
      blocks: [BLOCK4],
      peers: [
        { name: 'bird2', peerIP: birdHost.v4, asNumber: BIRD_AS },
        { name: 'exabgp', peerIP: exaHost.v4, asNumber: EXA_AS },
        // The raw speakers connect: petrel is passive towards them (they are "Calico nodes" sorting after it).
        ...[...raws].map(([row, h]) => ({ name: `raw-${row.toLowerCase()}`, peerIP: h.v4, asNumber: RAW_AS })),
      ],
      otherNodes,
    });
    [petrel, bird, exa] = await Promise.all([
      startPetrel({ ns: lan.petrel.ns, node: 'petrel-node', yaml }),
      startBird2({ ns: birdHost.ns, routerId: birdHost.v4, as: BIRD_AS, listen: [birdHost.v4], neighbors: [{ address: lan.petrel.v4, as: PETREL_AS }], routes: [{ prefix: '10.30.0.0/24' }] }),
      startExabgp({
        ns: exaHost.ns,
        routerId: exaHost.v4,
        as: EXA_AS,
        listen: [exaHost.v4],
        neighbors: [{ address: lan.petrel.v4, as: PETREL_AS }],
        routes: [{ prefix: '10.20.1.0/24' }, { prefix: '10.20.2.0/24' }],
      }),
    ]);
    await Promise.all([petrel.waitForState(birdHost.v4), bird.waitForSession(lan.petrel.v4), petrel.waitForState(exaHost.v4), exa.waitForSession(lan.petrel.v4)]);
    await petrel.waitForRoute('in', birdHost.v4, '10.30.0.0/24');
    await bird.waitForRoute('ipv4', BLOCK4);
    const ps = await petrel.peer(birdHost.v4);
    const bs = (await bird.sessions()).find((s) => s.neighbor === lan.petrel.v4);
    witness = { petrelSince: ps.since, birdStart: Date.now() - (bs?.uptime ?? 0) * 1000 };
    for (const h of raws.values()) await petrel.waitForState(h.v4, 'Active');
  });

  /** A raw session for a row: TCP to petrel from the row's address. */
  const connect = (row: Row): Promise<RawSpeaker> => RawSpeaker.connect({ ns: raws.get(row)!.ns, address: lan.petrel.v4, localAddress: raws.get(row)!.v4 });

  /** Handshake, send `bad`, and return petrel's NOTIFICATION; the connection must close. */
  async function afterHandshake(row: Row, bad: (from: string) => Uint8Array): Promise<{ code: number; subcode: number; data: string }> {
    const raw = await connect(row);
    try {
      const open = await raw.handshake({ as: RAW_AS, bgpId: raws.get(row)!.v4, holdTime: 30 });
      assert.equal(open.myAs, PETREL_AS);
      await petrel.waitForState(raws.get(row)!.v4, 'Established', 10_000);
      raw.write(bad(raws.get(row)!.v4));
      const n = await raw.notification(10_000);
      await raw.waitClosed(10_000);
      return { code: n.code, subcode: n.subcode, data: hex(n.data) };
    } finally {
      await raw.close();
    }
  }

  /** petrel's status for the row's peer: down, with the NOTIFICATION named in lastError. */
  async function petrelSaw(row: Row, text: RegExp): Promise<void> {
    await petrel.waitForPeer(raws.get(row)!.v4, `down naming ${text}`, (p) => p.state !== 'Established' && text.test(p.lastError ?? ''), 10_000);
  }

  it('§2 #13 unknown well-known attribute 0x7f: NOTIFICATION 3/2 with the attribute as data', async function () {
    const n = await afterHandshake('wellknown', (nh) => update(validAttrs(nh) + '407f0100', '180a0a0a'));
    assert.deepEqual(n, { code: 3, subcode: 2, data: '407f0100' });
    await petrelSaw('wellknown', /Unrecognized Well-known Attribute/i);
  });

  it('§2 #10 IPv4 prefix length 33: NOTIFICATION 3/10', async function () {
    const n = await afterHandshake('prefix33', (nh) => update(validAttrs(nh), '210a0a0a0a00'));
    assert.deepEqual([n.code, n.subcode], [3, 10]);
    await petrelSaw('prefix33', /Invalid Network Field/i);
  });

  it('§2 #1 marker not all ones: NOTIFICATION 1/1', async function () {
    const n = await afterHandshake('marker', () => frame(4, new Uint8Array(0), 19, 0x00));
    assert.deepEqual([n.code, n.subcode], [1, 1]);
    await petrelSaw('marker', /Connection Not Synchronized|Not Synchronized/i);
  });

  it('§2 #2 header length 5000 without extended messages: NOTIFICATION 1/2, data 0x1388', async function () {
    const n = await afterHandshake('length', () => frame(2, new Uint8Array([0, 0, 0, 0]), 5000));
    assert.deepEqual(n, { code: 1, subcode: 2, data: '1388' });
    await petrelSaw('length', /Bad Message Length/i);
  });

  it('§2 #4 OPEN with hold time 1: NOTIFICATION 2/6', async function () {
    const raw = await connect('hold1');
    try {
      raw.write(buildOpen({ as: RAW_AS, bgpId: raws.get('hold1')!.v4, holdTime: 1 }));
      const n = await raw.notification(10_000);
      assert.deepEqual([n.code, n.subcode], [2, 6]);
      await raw.waitClosed(10_000);
      // No KEEPALIVE: the session never got past OpenSent.
      assert.ok(!raw.messages.some((m) => m.type === 4), 'petrel sent a KEEPALIVE to an OPEN it rejected');
    } finally {
      await raw.close();
    }
    await petrelSaw('hold1', /Unacceptable Hold Time/i);
  });

  it('§2 #8 UPDATE before the OPEN exchange completes: NOTIFICATION 5/1, data = the message type (RFC 6608 §4)', async function () {
    const raw = await connect('early');
    try {
      // petrel sends its OPEN on accepting (OpenSent); the UPDATE comes instead of ours.
      await raw.waitForMessage(1, 10_000);
      raw.write(frame(2, new Uint8Array([0, 0, 0, 0])));
      const n = await raw.notification(10_000);
      await raw.waitClosed(10_000);
      assert.deepEqual([n.code, n.subcode], [5, 1]);
      await petrelSaw('early', /OpenSent/i);
      assert.equal(hex(n.data), '02', 'RFC 6608 §4: the Data field is the type of the unexpected message');
    } finally {
      await raw.close();
    }
  });

  it('RFC 4486: a connection while the session waits in Idle after an error is rejected (Cease 6/5 or a plain close), not called a collision (6/7)', async function () {
    // An error first: petrel's session to this address goes Idle for its idle hold (5 s).
    const first = await afterHandshake('idle', () => frame(4, new Uint8Array(0), 19, 0x00));
    assert.deepEqual([first.code, first.subcode], [1, 1]);
    await petrelSaw('idle', /Not Synchronized/i);
    assert.equal((await petrel.peer(raws.get('idle')!.v4)).state, 'Idle');
    const raw = await connect('idle');
    try {
      await raw.waitClosed(10_000);
      const n = raw.messages.find((m) => m.type === 3);
      if (n) {
        const code = [n.raw[19], n.raw[20]];
        assert.deepEqual(code, [6, 5], `petrel answered a connection it refuses (session Idle) with NOTIFICATION ${code.join('/')}; RFC 4486 §4: Cease 6/5 Connection Rejected`);
      }
      assert.ok(!raw.messages.some((m) => m.type === 1), 'petrel sent an OPEN on a connection it should refuse');
    } finally {
      await raw.close();
    }
  });

  // ExaBGP raw attributes: treat-as-withdraw, the session stays up.
  const malformedCount = (): number => parseLog(petrel.log()).filter((r) => r.msg.startsWith('UPDATE with malformed attributes')).length;

  /** Announce through ExaBGP; wait until petrel has logged one more malformed UPDATE. */
  async function hostile(announce: Parameters<ExaPeer['announce']>[0]): Promise<void> {
    const before = malformedCount();
    await exa.announce(announce);
    await waitFor('petrel to log the malformed UPDATE', 10_000, async () => (malformedCount() > before ? true : undefined));
  }

  it('§2 #15 (ExaBGP) ORIGIN value 3 on a known prefix: the prefix is withdrawn, the session stays up', async function () {
    const since = (await petrel.peer(exaHost.v4)).since;
    await petrel.waitForRoute('in', exaHost.v4, '10.20.1.0/24');
    await hostile({ prefix: '10.20.1.0/24', attributes: [{ code: 0x01, flags: 0x40, hex: '03' }] });
    await petrel.waitForNoRoute('in', exaHost.v4, '10.20.1.0/24', 5000);
    const rec = parseLog(petrel.log()).filter((r) => r.msg.startsWith('UPDATE with malformed attributes')).pop();
    assert.equal(rec?.['action'], 'treat-as-withdraw');
    // A new prefix announced only with the bad ORIGIN never appears.
    await hostile({ prefix: '10.20.3.0/24', attributes: [{ code: 0x01, flags: 0x40, hex: '03' }] });
    const p = await petrel.peer(exaHost.v4);
    assert.equal(p.state, 'Established');
    assert.equal(p.since, since, 'petrel: the ExaBGP session was reset');
    const rib = (await petrel.routes('in', exaHost.v4)).map((r) => r.prefix).sort();
    assert.deepEqual(rib, ['10.20.2.0/24']);
    assert.equal((await exa.sessions()).find((s) => s.neighbor === lan.petrel.v4)?.state, 'Established', 'ExaBGP: session');
    // ExaBGP saw no NOTIFICATION.
    assert.ok(!exa.events().some((e) => e['type'] === 'notification'), 'petrel sent ExaBGP a NOTIFICATION');
  });

  it('§2 #20 (ExaBGP) COMMUNITIES of length 5: treat-as-withdraw, the session stays up', async function () {
    const since = (await petrel.peer(exaHost.v4)).since;
    await petrel.waitForRoute('in', exaHost.v4, '10.20.2.0/24');
    await hostile({ prefix: '10.20.2.0/24', attributes: [{ code: 0x08, flags: 0xc0, hex: 'ffff000100' }] });
    await petrel.waitForNoRoute('in', exaHost.v4, '10.20.2.0/24', 5000);
    const p = await petrel.peer(exaHost.v4);
    assert.equal(p.state, 'Established');
    assert.equal(p.since, since, 'petrel: the ExaBGP session was reset');
    // And a well-formed announcement afterwards is accepted again.
    await exa.announce({ prefix: '10.20.2.0/24', communities: ['65020:1'] });
    const r = await petrel.waitForRoute('in', exaHost.v4, '10.20.2.0/24', undefined, 10_000);
    assert.deepEqual(r.communities, ['65020:1']);
  });

  it('meanwhile petrel\'s session to BIRD 2 stayed Established, uptime unchanged (petrel and BIRD agree)', async function () {
    const ps = await petrel.peer(birdHost.v4);
    assert.equal(ps.state, 'Established', 'petrel: BIRD 2 session');
    assert.equal(ps.since, witness.petrelSince, 'petrel: BIRD 2 session since (uptime) changed');
    const bs = (await bird.sessions()).find((s) => s.neighbor === lan.petrel.v4);
    assert.equal(bs?.state, 'Established', 'BIRD 2: session with petrel');
    const start = Date.now() - (bs?.uptime ?? 0) * 1000;
    assert.ok(Math.abs(start - witness.birdStart) < 2500, `BIRD 2: session restarted (since moved by ${start - witness.birdStart} ms)`);
  });
});
