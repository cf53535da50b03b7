import assert from 'node:assert/strict';
import { parseIpv4 } from '../../../src/lib/prefix.js';
import { createSession, defaultSessionConfig, step, type Session, type SessionConfig, type SessionInput, type SessionOutput } from '../../../src/session/index.js';
import { BgpError, KEEPALIVE, makeOpen, type Capability, type Decoded, type BgpMessage, type OpenMessage } from '../../../src/wire/index.js';

const ME = parseIpv4('192.168.10.101')!;
const PEER = parseIpv4('192.168.10.102')!;

const config = (o: Partial<SessionConfig> = {}) => defaultSessionConfig({ localAs: 64512, peerAs: 64512, routerId: ME, ...o });
const recv = (message: BgpMessage): SessionInput => ({ type: 'Received', decoded: { message, action: 'none', problems: [] } as Decoded });

function peerOpen(o: { as?: number; myAs?: number; hold?: number; id?: number; caps?: Capability[]; version?: number } = {}): OpenMessage {
  const as = o.as ?? 64512;
  const caps: Capability[] = o.caps ?? [
    { kind: 'MULTIPROTOCOL', afi: 1, safi: 1 },
    { kind: 'MULTIPROTOCOL', afi: 2, safi: 1 },
    { kind: 'ROUTE_REFRESH' },
    { kind: 'FOUR_OCTET_AS', asn: as },
    { kind: 'GRACEFUL_RESTART', flags: 0, restartTime: 90, families: [{ afi: 1, safi: 1, flags: 0x80 }] },
  ];
  const open = makeOpen({ myAs: o.myAs ?? (as > 0xffff ? 23456 : as), holdTime: o.hold ?? 240, bgpId: o.id ?? PEER, capabilities: caps });
  return o.version === undefined ? open : { ...open, version: o.version };
}

/** Feed inputs in order; return the final session and every output. */
function run(s: Session, inputs: SessionInput[]): { s: Session; out: SessionOutput[] } {
  const out: SessionOutput[] = [];
  for (const i of inputs) {
    const r = step(s, i);
    s = r.session;
    out.push(...r.outputs);
  }
  return { s, out };
}

const sent = (out: SessionOutput[]) => out.filter((o): o is Extract<SessionOutput, { type: 'Send' }> => o.type === 'Send').map((o) => o.message);
const timer = (out: SessionOutput[], name: string) => out.filter((o) => o.type === 'SetTimer' && o.timer === name).map((o) => (o as { ms: number }).ms);
const notifications = (out: SessionOutput[]) => sent(out).flatMap((m) => (m.type === 'NOTIFICATION' ? [`${m.code}/${m.subcode}`] : []));

const TO_OPENSENT: SessionInput[] = [{ type: 'Start' }, { type: 'TimerExpired', timer: 'ConnectRetry' }, { type: 'TcpConnected' }];
const TO_ESTABLISHED: SessionInput[] = [...TO_OPENSENT, recv(peerOpen()), recv(KEEPALIVE)];

describe('session: RFC 4271 FSM', () => {
  it('Start waits the connect delay (2 s, BIRD) in Active, then connects', () => {
    let r = run(createSession(config()), [{ type: 'Start' }]);
    assert.equal(r.s.state, 'Active');
    assert.deepEqual(timer(r.out, 'ConnectRetry'), [2000]);
    r = run(r.s, [{ type: 'TimerExpired', timer: 'ConnectRetry' }]);
    assert.equal(r.s.state, 'Connect');
    assert.ok(r.out.some((o) => o.type === 'Connect'));
    const [retry] = timer(r.out, 'ConnectRetry');
    assert.ok(retry! >= 3750 && retry! <= 5000, `jittered connect retry ${retry} within 75-100% of 5 s (RFC 4271 §10)`);
  });

  it('a passive session never connects out and waits in Active', () => {
    const r = run(createSession(config({ passive: true })), [{ type: 'Start' }, { type: 'TimerExpired', timer: 'ConnectRetry' }]);
    assert.equal(r.s.state, 'Active');
    assert.ok(!r.out.some((o) => o.type === 'Connect' || o.type === 'SetTimer'));
    const acc = run(r.s, [{ type: 'TcpAccepted' }]);
    assert.equal(acc.s.state, 'OpenSent');
    assert.equal(sent(acc.out)[0]!.type, 'OPEN');
  });

  it('sends OPEN on connection with a 4-minute hold timer, and retries a failed connect without back-off', () => {
    let r = run(createSession(config()), TO_OPENSENT);
    assert.equal(r.s.state, 'OpenSent');
    const open = sent(r.out)[0] as OpenMessage;
    assert.equal(open.holdTime, 240);
    assert.equal(open.myAs, 64512);
    assert.deepEqual(timer(r.out, 'Hold'), [240000]);
    r = run(createSession(config()), [{ type: 'Start' }, { type: 'TimerExpired', timer: 'ConnectRetry' }, { type: 'TcpFailed', reason: 'Connection refused' }]);
    assert.equal(r.s.state, 'Active');
    assert.equal(r.s.lastError, 'Socket: Connection refused', 'shown as BIRD shows it (calicoctl INFO column)');
    assert.equal(r.s.idleHoldMs, 5000, 'no error back-off for a refused connect');
  });

  it('accepts a valid OPEN: KEEPALIVE, negotiated hold and keepalive, OpenConfirm, then Established on KEEPALIVE', () => {
    let r = run(createSession(config()), [...TO_OPENSENT, recv(peerOpen({ hold: 90 }))]);
    assert.equal(r.s.state, 'OpenConfirm');
    assert.deepEqual(sent(r.out).map((m) => m.type), ['OPEN', 'KEEPALIVE']);
    assert.ok(r.out.some((o) => o.type === 'OpenReceived'));
    assert.deepEqual(timer(r.out, 'Hold').slice(-1), [90000]);
    const [ka] = timer(r.out, 'Keepalive');
    assert.ok(ka! >= 22500 && ka! <= 30000, 'keepalive = hold/3, jittered');
    r = run(r.s, [recv(KEEPALIVE)]);
    assert.equal(r.s.state, 'Established');
    const est = r.out.find((o) => o.type === 'Established');
    assert.ok(est && est.type === 'Established');
    assert.equal(est.negotiated.holdTime, 90);
    assert.equal(est.negotiated.keepaliveTime, 30);
    assert.ok(est.negotiated.fourOctetAs);
    assert.equal(est.negotiated.peerGracefulRestart?.restartTime, 90);
  });

  for (const [name, open, code] of [
    ['version 3 → 2/1', peerOpen({ version: 3 }), '2/1'],
    ['wrong peer AS → 2/2', peerOpen({ as: 64999 }), '2/2'],
    ['peer AS 0 → 2/2 (RFC 7607)', peerOpen({ as: 0, caps: [] }), '2/2'],
    ['BGP identifier 0 → 2/3', peerOpen({ id: 0 }), '2/3'],
    ['our own identifier on iBGP → 2/3 (RFC 6286)', peerOpen({ id: ME }), '2/3'],
    ['hold time 1 → 2/6', peerOpen({ hold: 1 }), '2/6'],
    ['hold time 2 → 2/6', peerOpen({ hold: 2 }), '2/6'],
    ['no address family in common → 2/7', peerOpen({ caps: [{ kind: 'MULTIPROTOCOL', afi: 2, safi: 2 }] }), '2/7'],
    ['an unknown optional parameter → 2/4', { ...peerOpen(), parameters: [{ kind: 'UNKNOWN' as const, type: 1, value: new Uint8Array(2) }] }, '2/4'],
  ] as const) {
    it(`rejects an OPEN: ${name}`, () => {
      const r = run(createSession(config()), [...TO_OPENSENT, recv(open)]);
      assert.deepEqual(notifications(r.out), [code]);
      assert.equal(r.s.state, 'Idle');
      assert.ok(r.out.some((o) => o.type === 'Disconnect'));
      assert.deepEqual(timer(r.out, 'IdleHold'), [5000], 'restarts after the error wait');
    });
  }

  it('sends the version it supports in 2/1 data', () => {
    const r = run(createSession(config()), [...TO_OPENSENT, recv(peerOpen({ version: 5 }))]);
    const n = sent(r.out).find((m) => m.type === 'NOTIFICATION');
    assert.ok(n && n.type === 'NOTIFICATION');
    assert.deepEqual([...n.data], [0, 4]);
  });

  it('accepts our own identifier from an eBGP peer, and hold time 0 without keepalives', () => {
    const c = config({ peerAs: 65001 });
    const r = run(createSession(c), [...TO_OPENSENT, recv(peerOpen({ as: 65001, id: ME, hold: 0 })), recv(KEEPALIVE)]);
    assert.equal(r.s.state, 'Established');
    assert.equal(r.s.negotiated!.holdTime, 0);
    assert.deepEqual(timer(r.out, 'Keepalive'), []);
  });

  it('a received Cease is no error of ours: no Idle hold this time, and the hold goes back to its minimum instead of doubling', () => {
    let s = createSession(config());
    const waits: number[] = [];
    // Two protocol errors double the hold (5 s, 10 s, then 20 s pending)...
    for (let i = 0; i < 2; i++) {
      const r = run(s, [...(i === 0 ? TO_OPENSENT : [{ type: 'TimerExpired', timer: 'IdleHold' } as const, { type: 'TimerExpired', timer: 'ConnectRetry' } as const, { type: 'TcpConnected' } as const]), recv(peerOpen({ as: 1 }))]);
      waits.push(...timer(r.out, 'IdleHold'));
      s = r.s;
    }
    // ...then the peer shuts the session down with Cease / Administrative Shutdown.
    const cease = { type: 'NOTIFICATION' as const, code: 6, subcode: 2, data: new Uint8Array(0) };
    const r = run(s, [{ type: 'TimerExpired', timer: 'IdleHold' }, { type: 'TimerExpired', timer: 'ConnectRetry' }, { type: 'TcpConnected' }, recv(cease)]);
    waits.push(...timer(r.out, 'IdleHold'));
    assert.deepEqual(waits, [5000, 10000, 0], 'restarts at once after a Cease');
    assert.equal(r.s.idleHoldMs, 5000, 'the next error waits the minimum again');
  });

  it('doubles the Idle hold after each consecutive error up to 30 s, and resets it once stable', () => {
    let s = createSession(config());
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = run(s, [...(i === 0 ? TO_OPENSENT : [{ type: 'TimerExpired', timer: 'IdleHold' } as const, { type: 'TimerExpired', timer: 'ConnectRetry' } as const, { type: 'TcpConnected' } as const]), recv(peerOpen({ as: 1 }))]);
      waits.push(...timer(r.out, 'IdleHold'));
      s = r.s;
    }
    assert.deepEqual(waits, [5000, 10000, 20000, 30000, 30000]);
    const up = run(s, [{ type: 'TimerExpired', timer: 'IdleHold' }, { type: 'TimerExpired', timer: 'ConnectRetry' }, { type: 'TcpConnected' }, recv(peerOpen()), recv(KEEPALIVE), { type: 'TimerExpired', timer: 'Stable' }]);
    assert.equal(up.s.idleHoldMs, 5000);
  });

  it('AutomaticStop (event 8, max prefix): the given Cease goes out, Idle, and the session restarts by itself after the idle hold', () => {
    const up = run(createSession(config()), TO_ESTABLISHED);
    assert.equal(up.s.state, 'Established');
    const limit = { type: 'NOTIFICATION' as const, code: 6, subcode: 1, data: Uint8Array.of(0, 1, 1, 0, 0, 0, 10) };
    const r = run(up.s, [{ type: 'AutomaticStop', notification: limit }]);
    assert.equal(r.s.state, 'Idle');
    assert.deepEqual(notifications(r.out), ['6/1']);
    assert.deepEqual([...(sent(r.out)[0] as { data: Uint8Array }).data], [0, 1, 1, 0, 0, 0, 10]);
    assert.equal(r.out.find((o) => o.type === 'Down')?.type, 'Down');
    assert.deepEqual(timer(r.out, 'IdleHold'), [5000], 'restarts after the idle hold, unlike Stop');
    assert.equal(run(r.s, [{ type: 'TimerExpired', timer: 'IdleHold' }]).s.state, 'Active');
    // In Idle already there is nothing to stop.
    assert.deepEqual(run(r.s, [{ type: 'AutomaticStop', notification: limit }]).out, []);
  });

  it('answers unexpected messages with RFC 6608 subcodes, the message type as data', () => {
    const update: BgpMessage = { type: 'UPDATE', withdrawn: [], attributes: [], nlri: [] };
    const data = (out: SessionOutput[]) => sent(out).flatMap((m) => (m.type === 'NOTIFICATION' ? [[m.code, m.subcode, ...m.data]] : []));
    assert.deepEqual(data(run(createSession(config()), [...TO_OPENSENT, recv(update)]).out), [[5, 1, 2]]);
    assert.deepEqual(data(run(createSession(config()), [...TO_OPENSENT, recv(peerOpen()), recv(update)]).out), [[5, 2, 2]]);
    assert.deepEqual(data(run(createSession(config()), [...TO_ESTABLISHED, recv(peerOpen())]).out), [[5, 3, 1]]);
  });

  it('says what went wrong once: the NOTIFICATION name, then the detail', () => {
    const err = new BgpError(3, 2, Uint8Array.of(0x40, 0x7f, 1, 0), 'unrecognized well-known attribute 127');
    const r = run(createSession(config()), [...TO_ESTABLISHED, { type: 'ReceiveError', error: err }]);
    assert.equal(r.s.lastError, 'UPDATE Message Error / Unrecognized Well-known Attribute: unrecognized well-known attribute 127');
  });

  it('never answers a NOTIFICATION with a NOTIFICATION', () => {
    const r = run(createSession(config()), [...TO_ESTABLISHED, recv({ type: 'NOTIFICATION', code: 6, subcode: 4, data: new Uint8Array(0) })]);
    assert.deepEqual(notifications(r.out), []);
    assert.equal(r.s.state, 'Idle');
    assert.match(r.s.lastError!, /Administrative Reset/);
  });

  it('restarts the hold timer on KEEPALIVE and UPDATE, and passes UPDATEs up', () => {
    const r = run(createSession(config()), [...TO_ESTABLISHED]);
    const u = run(r.s, [recv({ type: 'UPDATE', withdrawn: [], attributes: [], nlri: [] }), recv(KEEPALIVE)]);
    assert.deepEqual(timer(u.out, 'Hold'), [240000, 240000]);
    assert.equal(u.out.filter((o) => o.type === 'Update').length, 1);
  });

  it('sends KEEPALIVEs when the keepalive timer fires, honouring a configured keepalive time', () => {
    const r = run(createSession(config({ keepaliveTime: 10 })), [...TO_ESTABLISHED, { type: 'TimerExpired', timer: 'Keepalive' }]);
    assert.equal(r.s.negotiated!.keepaliveTime, 10);
    const lastSend = r.out.map((o) => o.type).lastIndexOf('Send');
    const last = r.out.slice(lastSend);
    assert.equal((last[0] as { message: BgpMessage }).message.type, 'KEEPALIVE');
    const [again] = timer(last, 'Keepalive');
    assert.ok(again! >= 7500 && again! <= 10000);
  });

  it('hold timer expiry sends 4/0 and keeps a GR peer\'s routes (RFC 4724)', () => {
    const r = run(createSession(config()), [...TO_ESTABLISHED, { type: 'TimerExpired', timer: 'Hold' }]);
    assert.deepEqual(notifications(r.out), ['4/0']);
    const down = r.out.find((o) => o.type === 'Down');
    assert.ok(down && down.type === 'Down');
    assert.equal(down.graceful, false, 'a NOTIFICATION without the N bit ends GR');
    const lost = run(createSession(config()), [...TO_ESTABLISHED, { type: 'TcpFailed', reason: 'ECONNRESET' }]);
    const d2 = lost.out.find((o) => o.type === 'Down');
    assert.ok(d2 && d2.type === 'Down');
    assert.equal(d2.graceful, true);
    assert.equal(d2.restartTime, 90);
  });

  it('applies RFC 8538: with N bits, a NOTIFICATION keeps routes, a Hard Reset does not, and Stop sends Hard Reset', () => {
    const c = config({ gracefulRestart: { restartTime: 120, notification: true } });
    const nOpen = peerOpen({ caps: [{ kind: 'FOUR_OCTET_AS', asn: 64512 }, { kind: 'GRACEFUL_RESTART', flags: 0x4, restartTime: 60, families: [{ afi: 1, safi: 1, flags: 0 }] }] });
    const up = [...TO_OPENSENT, recv(nOpen), recv(KEEPALIVE)];
    const soft = run(createSession(c), [...up, recv({ type: 'NOTIFICATION', code: 6, subcode: 4, data: new Uint8Array(0) })]);
    assert.equal((soft.out.find((o) => o.type === 'Down') as { graceful: boolean }).graceful, true);
    const hard = run(createSession(c), [...up, recv({ type: 'NOTIFICATION', code: 6, subcode: 9, data: new Uint8Array(0) })]);
    assert.equal((hard.out.find((o) => o.type === 'Down') as { graceful: boolean }).graceful, false);
    const stop = run(createSession(c), [...up, { type: 'Stop' }]);
    const n = sent(stop.out).find((m) => m.type === 'NOTIFICATION');
    assert.ok(n && n.type === 'NOTIFICATION');
    // RFC 8538 §3: the data is the wrapped NOTIFICATION's ErrCode, Subcode and Data (FRR reads both octets).
    assert.deepEqual([n.code, n.subcode, ...n.data], [6, 9, 6, 2], 'Hard Reset carrying Cease / Administrative Shutdown');
  });

  it('Stop sends Cease 6/2 and does not restart by itself', () => {
    const r = run(createSession(config()), [...TO_ESTABLISHED, { type: 'Stop' }]);
    assert.deepEqual(notifications(r.out), ['6/2']);
    assert.equal(r.s.state, 'Idle');
    assert.deepEqual(timer(r.out, 'IdleHold'), []);
    assert.equal(r.s.autoRestart, false);
  });

  it('RFC 9687: a send blocked past the send hold time ends the session with code 8', () => {
    const r = run(createSession(config()), [...TO_ESTABLISHED, { type: 'SendBlocked' }]);
    assert.deepEqual(timer(r.out, 'SendHold'), [480000]);
    const unblocked = run(r.s, [{ type: 'SendUnblocked' }]);
    assert.ok(unblocked.out.some((o) => o.type === 'ClearTimer' && o.timer === 'SendHold'));
    const expired = run(r.s, [{ type: 'TimerExpired', timer: 'SendHold' }]);
    assert.deepEqual(notifications(expired.out), ['8/0']);
  });

  it('a decode error sends its NOTIFICATION with the data the decoder chose', () => {
    const err = new BgpError(3, 2, Uint8Array.of(0x40, 0x7f, 1, 0), 'unrecognized well-known attribute 127');
    const r = run(createSession(config()), [...TO_ESTABLISHED, { type: 'ReceiveError', error: err }]);
    const n = sent(r.out).find((m) => m.type === 'NOTIFICATION');
    assert.ok(n && n.type === 'NOTIFICATION');
    assert.deepEqual([n.code, n.subcode, [...n.data]], [3, 2, [0x40, 0x7f, 1, 0]]);
  });

  it('passes ROUTE-REFRESH up and ignores unknown subtypes (RFC 7313 §5)', () => {
    const r = run(createSession(config()), [...TO_ESTABLISHED, recv({ type: 'ROUTE_REFRESH', afi: 1, safi: 1, subtype: 0 }), recv({ type: 'ROUTE_REFRESH', afi: 1, safi: 1, subtype: 7 })]);
    assert.equal(r.out.filter((o) => o.type === 'RouteRefresh').length, 1);
    assert.equal(r.s.state, 'Established');
  });

  it('is replayable: the same seed and inputs give the same outputs', () => {
    const a = run(createSession(config(), 42), TO_ESTABLISHED);
    const b = run(createSession(config(), 42), TO_ESTABLISHED);
    assert.deepEqual(a.out.filter((o) => o.type === 'SetTimer'), b.out.filter((o) => o.type === 'SetTimer'));
  });
});

describe('session: capability negotiation', () => {
  const establish = (c: SessionConfig, open: OpenMessage) => {
    const r = run(createSession(c), [...TO_OPENSENT, recv(open), recv(KEEPALIVE)]);
    assert.equal(r.s.state, 'Established', r.s.lastError ?? '');
    return r.s.negotiated!;
  };

  it('a 4-octet AS is announced as AS_TRANS in My AS and in full in the capability', () => {
    const r = run(createSession(config({ localAs: 4200000001, peerAs: 4200000001 })), TO_OPENSENT);
    const open = sent(r.out)[0] as OpenMessage;
    assert.equal(open.myAs, 23456);
    const caps = open.parameters.flatMap((p) => (p.kind === 'CAPABILITIES' ? p.capabilities : []));
    assert.deepEqual(caps.find((x) => x.kind === 'FOUR_OCTET_AS'), { kind: 'FOUR_OCTET_AS', asn: 4200000001 });
    const neg = establish(config({ localAs: 4200000001, peerAs: 4200000002 }), peerOpen({ as: 4200000002 }));
    assert.equal(neg.peerAs, 4200000002);
  });

  it('a peer without the 4-octet capability gets 2-octet codec contexts', () => {
    const neg = establish(config(), peerOpen({ caps: [{ kind: 'MULTIPROTOCOL', afi: 1, safi: 1 }] }));
    assert.equal(neg.fourOctetAs, false);
    assert.equal(neg.receive.fourOctetAs, false);
    assert.equal(neg.send.fourOctetAs, false);
  });

  it('families are the intersection; no multiprotocol capability means IPv4 unicast', () => {
    assert.deepEqual([...establish(config(), peerOpen({ caps: [{ kind: 'MULTIPROTOCOL', afi: 2, safi: 1 }] })).families], [0x201]);
    assert.deepEqual([...establish(config(), peerOpen({ caps: [] })).families], [0x101]);
  });

  it('ADD-PATH is negotiated per direction (RFC 7911 §4)', () => {
    const neg = establish(config({ addPath: 'both' }), peerOpen({ caps: [{ kind: 'MULTIPROTOCOL', afi: 1, safi: 1 }, { kind: 'ADD_PATH', families: [{ afi: 1, safi: 1, sendReceive: 2 }] }] }));
    assert.deepEqual([...neg.addPathReceive], [0x101]);
    assert.deepEqual([...neg.addPathSend], []);
    assert.ok(neg.receive.addPath.has(0x101));
    assert.ok(!neg.send.addPath.has(0x101));
  });

  it('extended messages and route refresh need both sides', () => {
    const caps: Capability[] = [{ kind: 'MULTIPROTOCOL', afi: 1, safi: 1 }, { kind: 'EXTENDED_MESSAGE' }, { kind: 'ROUTE_REFRESH' }, { kind: 'ENHANCED_ROUTE_REFRESH' }];
    const on = establish(config({ extendedMessage: true }), peerOpen({ caps }));
    assert.ok(on.extendedMessage && on.routeRefresh && on.enhancedRouteRefresh);
    const off = establish(config({ extendedMessage: false }), peerOpen({ caps }));
    assert.equal(off.extendedMessage, false);
  });

  it('refuses a hold time below a configured minimum', () => {
    const r = run(createSession(config({ minHoldTime: 9 })), [...TO_OPENSENT, recv(peerOpen({ hold: 6 }))]);
    assert.deepEqual(notifications(r.out), ['2/6']);
  });
});
