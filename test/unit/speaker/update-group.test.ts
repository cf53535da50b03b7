import assert from 'node:assert/strict';
import { parseIpv4, formatPrefix } from '../../../src/lib/prefix.js';
import { UpdateGroup, type GroupChange, type GroupMember } from '../../../src/speaker/update-group.js';
import { decodeContext, decodeMessage, Framer, ipv4Nlri, type PathAttribute, type UpdateMessage } from '../../../src/wire/index.js';

const ip = (s: string) => parseIpv4(s)!;
const ctx = decodeContext();

/** A member that records the UPDATEs it is given, as the exact byte arrays. */
class Recorder implements GroupMember {
  readonly batches: Uint8Array[][] = [];
  constructor(readonly name: string) {}
  deliver(messages: readonly Uint8Array[]): void {
    this.batches.push([...messages]);
  }
  take(): Uint8Array[] {
    return this.batches.splice(0).flat();
  }
}

function decode(bytes: readonly Uint8Array[]): { announced: string[]; withdrawn: string[] } {
  const announced: string[] = [];
  const withdrawn: string[] = [];
  for (const b of bytes) {
    for (const f of new Framer().push(b)) {
      const u = decodeMessage(f, ctx).message as UpdateMessage;
      announced.push(...u.nlri.map(formatPrefix));
      withdrawn.push(...u.withdrawn.map(formatPrefix));
    }
  }
  return { announced: announced.sort(), withdrawn: withdrawn.sort() };
}

const attrsFrom = (nh: string): PathAttribute[] => [{ kind: 'ORIGIN', origin: 0 }, { kind: 'AS_PATH', segments: [] }, { kind: 'NEXT_HOP', nextHop: ip(nh) }, { kind: 'LOCAL_PREF', localPref: 100 }];
const A = attrsFrom('10.0.0.1');
const B = attrsFrom('10.0.0.2');
const ann = (p: string, attributes: PathAttribute[], source: string): GroupChange => ({ nlri: ipv4Nlri(ip(p), 26, 1), attributes, mpNextHop: null, source });
const wd = (p: string): GroupChange => ({ nlri: ipv4Nlri(ip(p), 26, 1), attributes: null, mpNextHop: null, source: null });

function group(...names: string[]) {
  const g = new UpdateGroup('test', ctx, new Set([0x101]));
  const members = names.map((n) => new Recorder(n));
  for (const m of members) g.join(m);
  return { g, members };
}

describe('speaker: update groups (encode once, send to many)', () => {
  it('encodes an UPDATE once and hands the same bytes to every member but the source', () => {
    const { g, members } = group('a', 'b', 'c');
    const [a, b, c] = members as [Recorder, Recorder, Recorder];
    g.apply([ann('10.1.0.0', A, 'a'), ann('10.1.0.64', A, 'a')]);
    assert.equal(a.batches.length, 0, 'the source gets nothing back');
    const [mb] = b.take();
    const [mc] = c.take();
    assert.ok(mb && mb === mc, 'the same encoded message object for b and c');
    assert.deepEqual(decode([mb]).announced, ['10.1.0.0/26', '10.1.0.64/26']);
    assert.equal(g.countFor('a'), 0);
    assert.equal(g.countFor('b'), 2);
  });

  it('withdraws only towards members that were told, and skips unchanged announcements', () => {
    const { g, members } = group('a', 'b');
    const [a, b] = members as [Recorder, Recorder];
    g.apply([ann('10.1.0.0', A, 'a')]);
    b.take();
    g.apply([ann('10.1.0.0', A, 'a')]);
    assert.equal(b.batches.length, 0, 'the same attributes from the same source are not resent');
    g.apply([wd('10.1.0.0')]);
    assert.deepEqual(decode(b.take()).withdrawn, ['10.1.0.0/26']);
    assert.equal(a.batches.length, 0, 'a never had its own route, so gets no withdrawal');
    g.apply([wd('10.1.0.0')]);
    assert.equal(b.batches.length, 0, 'withdrawing twice sends nothing');
  });

  it('packs withdrawals of every source into one message; a source gets the others\' alone', () => {
    const { g, members } = group('a', 'b', 'c');
    const [a, b, c] = members as [Recorder, Recorder, Recorder];
    g.apply([ann('10.1.0.0', A, 'a'), ann('10.2.0.0', B, 'b')]);
    a.take();
    b.take();
    c.take();
    g.apply([wd('10.1.0.0'), wd('10.2.0.0')]);
    const toC = c.take();
    assert.equal(toC.length, 1, 'one UPDATE for both sources\' withdrawals');
    assert.deepEqual(decode(toC).withdrawn, ['10.1.0.0/26', '10.2.0.0/26']);
    assert.deepEqual(decode(a.take()).withdrawn, ['10.2.0.0/26']);
    assert.deepEqual(decode(b.take()).withdrawn, ['10.1.0.0/26']);
  });

  it('when the best path moves to a member\'s own path, that member alone gets a withdrawal', () => {
    const { g, members } = group('a', 'b', 'c');
    const [a, b, c] = members as [Recorder, Recorder, Recorder];
    g.apply([ann('10.1.0.0', A, 'a')]);
    b.take();
    c.take();
    g.apply([ann('10.1.0.0', B, 'b')]);
    assert.deepEqual(decode(a.take()), { announced: ['10.1.0.0/26'], withdrawn: [] }, 'a now hears b\'s path');
    assert.deepEqual(decode(b.take()), { announced: [], withdrawn: ['10.1.0.0/26'] }, 'b must forget a\'s path: its own is best now');
    assert.deepEqual(decode(c.take()), { announced: ['10.1.0.0/26'], withdrawn: [] });
  });

  it('collapses several changes of one prefix in a batch to the last', () => {
    const { g, members } = group('x');
    const [x] = members as [Recorder];
    g.apply([ann('10.1.0.0', A, 'a'), wd('10.1.0.0'), ann('10.1.0.0', B, 'b')]);
    const m = x.take();
    assert.equal(m.length, 1);
    const u = decodeMessage(new Framer().push(m[0]!)[0]!, ctx).message as UpdateMessage;
    assert.deepEqual(u.attributes.find((t) => t.kind === 'NEXT_HOP'), { kind: 'NEXT_HOP', nextHop: ip('10.0.0.2') });
  });

  it('gives a joining member the table without its own paths, and serves route refresh the same way', () => {
    const { g } = group('a');
    g.apply([ann('10.1.0.0', A, 'a'), ann('10.2.0.0', B, 'b')]);
    const late = new Recorder('b');
    assert.deepEqual(decode(g.join(late)).announced, ['10.1.0.0/26']);
    assert.deepEqual(decode(g.messagesFor('a')).announced, ['10.2.0.0/26']);
  });

  it('resync sends only real differences, even when the export arrays were rebuilt', () => {
    const { g, members } = group('x');
    const [x] = members as [Recorder];
    g.apply([ann('10.1.0.0', A, 'a'), ann('10.2.0.0', A, 'a')]);
    x.take();
    // A policy reload rebuilds equal attribute arrays, drops one prefix and changes another.
    g.resync([ann('10.1.0.0', attrsFrom('10.0.0.1'), 'a'), ann('10.3.0.0', B, 'b')]);
    assert.deepEqual(decode(x.take()), { announced: ['10.3.0.0/26'], withdrawn: ['10.2.0.0/26'] });
  });

  it('on ADD-PATH sessions every announcement and withdrawal carries path id 1, also withdrawals a leaving member is sent', () => {
    const addPath = decodeContext({ addPath: new Set([0x101]) });
    const g = new UpdateGroup('ap', addPath, new Set([0x101]));
    const x = new Recorder('x');
    g.join(x);
    g.apply([{ nlri: ipv4Nlri(ip('10.1.0.0'), 26), attributes: A, mpNextHop: null, source: 'a' }]);
    const ids = (bytes: readonly Uint8Array[]) =>
      bytes.flatMap((b) => new Framer().push(b)).map((f) => decodeMessage(f, addPath).message as UpdateMessage).flatMap((u) => [...u.nlri, ...u.withdrawn].map((n) => n.pathId));
    assert.deepEqual(ids(x.take()), [1]);
    assert.deepEqual(ids(g.withdrawalsOf([ipv4Nlri(ip('10.1.0.0'), 26)])), [1]);
  });
});
