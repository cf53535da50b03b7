/**
 * The load generator's prefix counter against UPDATEs encoded by petrel's
 * codec: what it counts is what a real decoder sees (announcements,
 * withdrawals, duplicates, own prefixes, prefixes outside the space).
 */
import assert from 'node:assert/strict';
import { codecContext, decodeContext, decodeMessage, encodeUpdate, Framer, ipv4Nlri, packUpdates, packWithdrawals, type Nlri } from '../../src/wire/index.js';
import { PrefixCounter } from '../loadgen/counter.js';
import { senderBytes } from '../loadgen/routes.js';
import { GenBgpSession } from '../loadgen/session.js';

const ctx = codecContext({ fourOctetAs: true });
const BASE = 0x10000000; // 16.0.0.0
const attrs = [
  { kind: 'ORIGIN', origin: 0 },
  { kind: 'AS_PATH', segments: [{ type: 2, asns: [65001] }] },
  { kind: 'NEXT_HOP', nextHop: 0xc6120001 },
] as const;

function bodies(msgs: readonly Uint8Array[]): Uint8Array[] {
  const f = new Framer();
  return msgs.flatMap((m) => f.push(m)).map((x) => x.body);
}

const nlri = (from: number, n: number, len = 24): Nlri[] => Array.from({ length: n }, (_, i) => ipv4Nlri((BASE + (from + i) * 2 ** (32 - len)) >>> 0, len));

describe('bench load generator: PrefixCounter', () => {
  it('counts packed announcements and withdrawals exactly, across many UPDATEs', () => {
    const c = new PrefixCounter(BASE, 24, 5000, 0, 0);
    for (const b of bodies(packUpdates([...attrs], nlri(0, 5000), ctx))) assert.ok(c.update(b));
    assert.equal(c.held, 5000);
    for (const b of bodies(packWithdrawals(nlri(0, 1234), ctx))) assert.ok(c.update(b));
    assert.equal(c.held, 5000 - 1234);
  });

  it('ignores duplicates, withdrawals of what it never had, its own prefixes, other lengths and addresses outside the space', () => {
    const c = new PrefixCounter(BASE, 24, 100, 10, 20);
    const once = bodies(packUpdates([...attrs], nlri(0, 100), ctx));
    for (const b of [...once, ...once]) c.update(b);
    assert.equal(c.held, 90, 'own prefixes 10..19 are not counted, duplicates once');
    c.update(bodies(packUpdates([...attrs], [ipv4Nlri(BASE, 25), ipv4Nlri(0x0a000000, 24), ...nlri(100, 5)], ctx))[0]!);
    assert.equal(c.held, 90, 'a /25, 10.0.0.0/24 and prefixes past the space are not in it');
    c.update(bodies(packWithdrawals([...nlri(0, 1), ...nlri(0, 1)], ctx))[0]!);
    assert.equal(c.held, 89);
  });

  it('reads a mixed UPDATE (withdrawn field and NLRI in one) as a decoder does', () => {
    const c = new PrefixCounter(BASE, 26, 64, 0, 0);
    for (const b of bodies(packUpdates([...attrs], nlri(0, 8, 26), ctx))) c.update(b);
    const mixed = encodeUpdate({ type: 'UPDATE', withdrawn: nlri(0, 3, 26), attributes: [...attrs], nlri: nlri(40, 2, 26) }, ctx);
    const [frame] = new Framer().push(mixed);
    const d = decodeMessage(frame!, decodeContext({ fourOctetAs: true }));
    assert.equal(d.message.type, 'UPDATE');
    assert.ok(c.update(frame!.body));
    assert.equal(c.held, 8 - 3 + 2);
  });

  it('refuses a truncated UPDATE', () => {
    const c = new PrefixCounter(BASE, 24, 10, 0, 0);
    const [b] = bodies(packUpdates([...attrs], nlri(0, 3), ctx));
    assert.equal(c.update(b!.subarray(0, b!.length - 2)), false);
  });

  it('a sender\'s prepared bytes carry every prefix of its ranges, announce and withdraw', () => {
    const space = { base: '16.0.0.0', len: 24, count: 3000 };
    const s = senderBytes(space, [
      { from: 0, count: 1500, attrs: { nextHop: '198.18.0.1', asPath: [65001, 64600], med: 0 } },
      { from: 1500, count: 1500, attrs: { nextHop: '198.18.0.1', asPath: [65001, 64601], med: 10, communities: [0xfde90064] } },
    ]);
    const c = new PrefixCounter(BASE, 24, 3000, 0, 0);
    for (const b of bodies([s.announce])) c.update(b);
    assert.equal(c.held, 3000);
    for (const b of bodies([s.withdraw])) c.update(b);
    assert.equal(c.held, 0);
    assert.equal(s.prefixes, 3000);
  });
});

describe('bench load generator: in-place framing (GenBgpSession.receive)', () => {
  it('counts a stream cut at every kind of boundary, through one reused read buffer', () => {
    const space = { base: '16.0.0.0', len: 24, count: 20000 };
    const s = senderBytes(space, [{ from: 0, count: 20000, attrs: { nextHop: '198.18.0.1', asPath: [65001] } }]);
    const spec = { id: 0, local: '127.2.0.2', remote: '127.0.0.1', port: 179, as: 65002, bgpId: '198.18.0.2', mode: 'connect' as const };
    const session = new GenBgpSession(spec, 240, new PrefixCounter(BASE, 24, 20000, 0, 0));
    // A Buffer, as net's onread hands over: its slice() is a view, not a copy.
    const shared = Buffer.alloc(997);
    let seen = 0;
    session.onUpdate = () => seen++;
    // Odd-sized reads into one buffer that is overwritten each time, as net's onread does.
    for (let p = 0; p < s.announce.length; ) {
      const n = Math.min(shared.length - (p % 7), s.announce.length - p);
      shared.set(s.announce.subarray(p, p + n));
      session.receive(shared.subarray(0, n));
      p += n;
    }
    assert.equal(session.counter!.held, 20000);
    assert.equal(seen, s.updates);
    assert.equal(session.lastError, '');
  });

  it('a broken marker is a framing error, not a crash', () => {
    const spec = { id: 0, local: '127.2.0.2', remote: '127.0.0.1', port: 179, as: 65002, bgpId: '198.18.0.2', mode: 'connect' as const };
    const session = new GenBgpSession(spec, 240, null);
    session.receive(new Uint8Array(19).fill(0xfe));
    assert.match(session.lastError, /^framing: /);
  });
});
