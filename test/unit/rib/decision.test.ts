import assert from 'node:assert/strict';
import { parseIpv4 } from '../../../src/lib/prefix.js';
import { AttrInterner } from '../../../src/rib/attr-set.js';
import { comparePaths, type Path, type PathSource } from '../../../src/rib/decision.js';
import { LocRib } from '../../../src/rib/loc-rib.js';
import { ipv4Nlri, type PathAttribute } from '../../../src/wire/index.js';

const interner = new AttrInterner();
const ip = (s: string) => parseIpv4(s)!;

function bgp(peer: string, o: { ebgp?: boolean; routerId?: string } = {}): PathSource {
  const a = ip(peer);
  return {
    kind: 'bgp',
    peer: `peer-${peer}`,
    peerAddress: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255),
    peerAddressText: peer,
    peerRouterId: ip(o.routerId ?? peer),
    ebgp: o.ebgp ?? false,
  };
}

function path(source: PathSource, o: { localPref?: number; asns?: number[]; set?: number[]; origin?: 0 | 1 | 2; med?: number; originatorId?: string; clusters?: number; nextHop?: string; pathId?: number } = {}): Path {
  const segments: { type: 1 | 2; asns: number[] }[] = [];
  if (o.asns) segments.push({ type: 2, asns: o.asns });
  if (o.set) segments.push({ type: 1, asns: o.set });
  const attrs: PathAttribute[] = [
    { kind: 'ORIGIN', origin: o.origin ?? 0 },
    { kind: 'AS_PATH', segments },
    { kind: 'NEXT_HOP', nextHop: ip(o.nextHop ?? '10.0.0.1') },
  ];
  if (o.localPref !== undefined) attrs.push({ kind: 'LOCAL_PREF', localPref: o.localPref });
  if (o.med !== undefined) attrs.push({ kind: 'MULTI_EXIT_DISC', med: o.med });
  if (o.originatorId) attrs.push({ kind: 'ORIGINATOR_ID', originatorId: ip(o.originatorId) });
  if (o.clusters) attrs.push({ kind: 'CLUSTER_LIST', clusterList: Array.from({ length: o.clusters }, (_, i) => i + 1) });
  return { attrs: interner.intern(attrs, null), source, pathId: o.pathId ?? 0, since: 0 };
}

const winner = (a: Path, b: Path) => comparePaths(a, b);

describe('rib: decision process, one test per step', () => {
  const A = bgp('10.0.0.1');
  const B = bgp('10.0.0.2');

  it('static (200) beats BGP (100): BIRD preferences', () => {
    const st: Path = { ...path(A), source: { kind: 'static', name: 'static1' } };
    assert.deepEqual(winner(st, path(A, { localPref: 1000 })), { order: -100, step: 'preference' });
  });
  it('Calico\'s priority rule: a BGP path with LOCAL_PREF above 2^31-1-1024 gets preference 200 and wins before LOCAL_PREF is compared', () => {
    const high = path(A, { localPref: 2147482624, asns: [1, 2, 3] });
    assert.deepEqual(winner(high, path(B, { localPref: 2147482623 })), { order: -100, step: 'preference' });
    assert.equal(winner(path(A, { localPref: 2147482623 }), path(B, { localPref: 100 })).step, 'local-pref', 'the normal priority itself stays at 100');
  });
  it('an LLGR_STALE path loses to any other (RFC 9494)', () => {
    const stale = { ...path(A), attrs: interner.intern([{ kind: 'ORIGIN', origin: 0 }, { kind: 'AS_PATH', segments: [] }, { kind: 'COMMUNITIES', communities: [0xffff0006] }], null) };
    assert.equal(winner(stale, path(B, { asns: [1, 2, 3] })).step, 'llgr-stale');
    assert.ok(winner(stale, path(B, { asns: [1, 2, 3] })).order > 0);
  });
  it('higher LOCAL_PREF wins; absent counts as 100', () => {
    assert.equal(winner(path(A, { localPref: 200 }), path(B)).step, 'local-pref');
    assert.ok(winner(path(A, { localPref: 200 }), path(B)).order < 0);
    assert.equal(winner(path(A, { localPref: 100 }), path(B, { asns: [1] })).step, 'as-path-length');
  });
  it('shorter AS_PATH wins; an AS_SET counts one', () => {
    const c = winner(path(A, { asns: [1, 2] }), path(B, { asns: [1], set: [7, 8, 9] }));
    assert.equal(c.step, 'router-id', 'two against two: equal length, decided by the router id');
    assert.equal(winner(path(A, { asns: [1] }), path(B, { asns: [1, 2] })).step, 'as-path-length');
  });
  it('lower ORIGIN wins (IGP < EGP < INCOMPLETE)', () => {
    const c = winner(path(A, { origin: 2 }), path(B, { origin: 0 }));
    assert.equal(c.step, 'origin');
    assert.ok(c.order > 0);
  });
  it('lower MED wins only between paths from the same neighbouring AS, unless always compared', () => {
    const c = winner(path(A, { asns: [65001], med: 10 }), path(B, { asns: [65001], med: 5 }));
    assert.equal(c.step, 'med');
    assert.ok(c.order > 0);
    assert.notEqual(winner(path(A, { asns: [65001], med: 10 }), path(B, { asns: [65002], med: 5 })).step, 'med');
    assert.equal(comparePaths(path(A, { asns: [65001], med: 10 }), path(B, { asns: [65002], med: 5 }), { alwaysCompareMed: true }).step, 'med');
    assert.equal(winner(path(A, { med: 0 }), path(B, { med: 3 })).step, 'med', 'absent MED is 0');
  });
  it('eBGP beats iBGP', () => {
    const c = winner(path(bgp('10.0.0.9', { ebgp: true })), path(A));
    assert.deepEqual(c, { order: -1, step: 'ebgp-over-ibgp' });
  });
  it('lower IGP cost to the next hop wins (hook)', () => {
    const cost = (p: Path) => (p.attrs.nextHop === ip('10.0.0.1') ? 20 : 10);
    const c = comparePaths(path(A, { nextHop: '10.0.0.1' }), path(B, { nextHop: '10.0.0.2' }), { igpCost: cost });
    assert.equal(c.step, 'igp-cost');
    assert.ok(c.order > 0);
  });
  it('lower router id wins, a reflected path using its ORIGINATOR_ID (RFC 4456 §9)', () => {
    assert.equal(winner(path(bgp('10.0.0.2', { routerId: '1.1.1.1' })), path(bgp('10.0.0.1', { routerId: '2.2.2.2' }))).step, 'router-id');
    const reflected = path(bgp('10.0.0.2', { routerId: '1.1.1.1' }), { originatorId: '9.9.9.9' });
    assert.ok(winner(reflected, path(bgp('10.0.0.1', { routerId: '2.2.2.2' }))).order > 0);
  });
  it('shorter CLUSTER_LIST wins after the router id (RFC 4456 §9 b)', () => {
    const c = winner(path(bgp('10.0.0.2', { routerId: '5.5.5.5' }), { originatorId: '3.3.3.3', clusters: 2 }), path(bgp('10.0.0.1', { routerId: '6.6.6.6' }), { originatorId: '3.3.3.3', clusters: 1 }));
    assert.equal(c.step, 'cluster-list-length');
    assert.ok(c.order > 0);
  });
  it('lowest peer address is the last tie-breaker', () => {
    const c = winner(path(bgp('10.0.0.2', { routerId: '1.1.1.1' })), path(bgp('10.0.0.10', { routerId: '1.1.1.1' })));
    assert.deepEqual(c.step, 'peer-address');
    assert.ok(c.order < 0, '10.0.0.2 < 10.0.0.10 numerically');
  });
});

describe('rib: attribute interning', () => {
  it('gives one object per distinct attribute set, whatever the array', () => {
    const i = new AttrInterner();
    const mk = (med: number): PathAttribute[] => [{ kind: 'ORIGIN', origin: 0 }, { kind: 'AS_PATH', segments: [] }, { kind: 'MULTI_EXIT_DISC', med }];
    assert.equal(i.intern(mk(1), null), i.intern(mk(1), null));
    assert.notEqual(i.intern(mk(1), null), i.intern(mk(2), null));
    assert.notEqual(i.intern(mk(1), null), i.intern(mk(1), Uint8Array.of(1, 2, 3, 4)), 'the MP next hop is part of the set');
    assert.equal(i.size, 3);
  });
});

describe('rib: Loc-RIB', () => {
  const P = ipv4Nlri(ip('10.244.1.0'), 26);
  it('selects the best path, reports changes, and ranks losers with the step they lost at', () => {
    const rib = new LocRib();
    const a = path(bgp('10.0.0.1'), { localPref: 100 });
    const b = path(bgp('10.0.0.2'), { localPref: 200 });
    const c1 = rib.update(P, a);
    assert.equal(c1?.after, a);
    const c2 = rib.update(P, b);
    assert.equal(c2?.before, a);
    assert.equal(c2?.after, b);
    const [entry] = [...rib.ranked()];
    assert.deepEqual(entry!.paths.map((x) => [x.path, x.best, x.lostAt]), [[b, true, null], [a, false, 'local-pref']]);
    assert.equal(rib.withdraw(P, 'bgp:peer-10.0.0.2', 0)?.after, a);
    assert.equal(rib.withdraw(P, 'bgp:peer-10.0.0.1', 0)?.after, null);
    assert.equal(rib.size, 0);
  });
  it('replaces a source\'s path instead of adding a second, and ignores no-op changes', () => {
    const rib = new LocRib();
    rib.update(P, path(bgp('10.0.0.1'), { med: 5 }));
    const again = path(bgp('10.0.0.1'), { med: 7 });
    assert.equal(rib.update(P, again)?.after, again);
    assert.equal([...rib.ranked()][0]!.paths.length, 1);
    assert.equal(rib.withdraw(P, 'bgp:peer-10.0.0.9', 0), null);
  });
  it('forms a multipath set of paths equal up to the IGP cost (BIRD merge paths)', () => {
    const rib = new LocRib();
    const a = path(bgp('10.0.0.1'), { asns: [65001] });
    const b = path(bgp('10.0.0.2'), { asns: [65002] });
    const c = path(bgp('10.0.0.3'), { asns: [65003, 1] });
    rib.update(P, a);
    const ch = rib.update(P, b);
    assert.deepEqual(new Set(ch!.multipath), new Set([a, b]), 'a second equal path joins the set');
    assert.equal(rib.update(P, c), null, 'a longer path changes nothing');
    assert.equal(rib.multipath(P).length, 2);
    assert.ok([...rib.ranked()][0]!.paths.filter((x) => x.multipath).length === 2);
  });
  it('keeps ADD-PATH paths of one peer apart', () => {
    const rib = new LocRib();
    rib.update(P, path(bgp('10.0.0.1'), { pathId: 1, nextHop: '10.0.0.5' }));
    rib.update(P, path(bgp('10.0.0.1'), { pathId: 2, nextHop: '10.0.0.6' }));
    assert.equal([...rib.ranked()][0]!.paths.length, 2);
  });
});

describe('rib: route keys', () => {
  it('every IPv4 prefix and length has its own key; short prefixes are small integers', async () => {
    const { routeKey } = await import('../../../src/rib/route-key.js');
    const seen = new Map<string | number, string>();
    const add = (a: number, len: number, pathId = 0) => {
      const n = ipv4Nlri(a, len, pathId);
      const k = routeKey(n);
      const name = `${n.addr}/${len}#${pathId}`;
      const other = seen.get(k);
      assert.ok(other === undefined || other === name, `${name} and ${other} share key ${k}`);
      seen.set(k, name);
      return k;
    };
    for (const a of [0, 0x0a000000, 0x7fffffc0, 0x80000000, 0xc0a80140, 0xffffffc0, 0xffffffff]) {
      for (let len = 0; len <= 32; len++) {
        add(a, len);
        add(a, len, 1);
      }
    }
    const k = add(0xc0a80140, 26);
    assert.ok(Number.isInteger(k) && (k as number) === ((k as number) | 0), 'a /26 key is a 32-bit integer');
  });
});
