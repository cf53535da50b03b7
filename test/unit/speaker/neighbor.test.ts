import assert from 'node:assert/strict';
import { MemoryLogger, nullLogger } from '../../../src/lib/logger.js';
import type { TimerPort } from '../../../src/lib/timer.js';
import { parseIpv4 } from '../../../src/lib/prefix.js';
import { buildOpen, defaultSessionConfig, negotiate, type Negotiated } from '../../../src/session/index.js';
import { Neighbor } from '../../../src/speaker/neighbor.js';
import type { LocalRoute, OriginContext } from '../../../src/speaker/originate.js';
import { decodeContext, decodeMessage, encodeUpdate, Framer, ipv4Nlri, makeOpen, packUpdates, type BgpMessage, type Capability, type Decoded, type PathAttribute } from '../../../src/wire/index.js';

const ip = (s: string) => parseIpv4(s)!;

function negotiated(peerCaps: Capability[]): Negotiated {
  const c = defaultSessionConfig({ localAs: 64512, peerAs: 64512, routerId: ip('10.0.0.1'), families: [0x101] });
  return negotiate(c, buildOpen(c), makeOpen({ myAs: 64512, holdTime: 240, bgpId: ip('10.0.0.2'), capabilities: [{ kind: 'FOUR_OCTET_AS', asn: 64512 }, { kind: 'MULTIPROTOCOL', afi: 1, safi: 1 }, ...peerCaps] }));
}

class FakeTimers implements TimerPort {
  pending: { ms: number; fn: () => void }[] = [];
  set(ms: number, fn: () => void) {
    const t = { ms, fn };
    this.pending.push(t);
    return t;
  }
  clear(h: unknown) {
    this.pending = this.pending.filter((t) => t !== h);
  }
  fire() {
    const all = this.pending;
    this.pending = [];
    for (const t of all) t.fn();
  }
}

function setup(peerCaps: Capability[] = []) {
  const sent: Uint8Array[] = [];
  const timers = new FakeTimers();
  const n = new Neighbor('Mesh_10_0_0_2', { sendRaw: (m) => (sent.push(...m), true) }, timers, nullLogger);
  const neg = negotiated(peerCaps);
  const messages = (): BgpMessage[] => {
    const out = sent.splice(0).flatMap((b) => new Framer().push(b)).map((f) => decodeMessage(f, decodeContext()).message);
    return out;
  };
  return { n, neg, timers, messages };
}

const origin: OriginContext = { localAs: 64512, internal: true, localPref: 2147482623, nextHopV4: ip('10.0.0.1'), nextHopV6: null };
const block = (a: string): LocalRoute => ({ nlri: ipv4Nlri(ip(a), 26, 1), communities: [], largeCommunities: [] });
const attrs: PathAttribute[] = [{ kind: 'ORIGIN', origin: 0 }, { kind: 'AS_PATH', segments: [] }, { kind: 'NEXT_HOP', nextHop: ip('10.0.0.2') }];
const update = (prefixes: string[], action: Decoded['action'] = 'none'): Decoded => {
  const bytes = packUpdates(attrs, prefixes.map((p) => ipv4Nlri(ip(p), 26)), decodeContext())[0]!;
  const d = decodeMessage(new Framer().push(bytes)[0]!, decodeContext());
  return { ...d, action };
};
const eor = (): Decoded => decodeMessage(new Framer().push(encodeUpdate({ type: 'UPDATE', withdrawn: [], attributes: [], nlri: [] }, decodeContext()))[0]!, decodeContext());

describe('speaker: a neighbor', () => {
  it('sends its table with next hop self and LOCAL_PREF, then End-of-RIB', () => {
    const { n, neg, messages } = setup();
    n.onEstablished(neg, [block('10.244.1.0')], origin);
    const m = messages();
    assert.equal(m.length, 2);
    const u = m[0]!;
    assert.ok(u.type === 'UPDATE');
    assert.deepEqual(u.nlri.map((x) => x.addr), [ip('10.244.1.0')]);
    assert.deepEqual(u.attributes.map((a) => a.kind), ['ORIGIN', 'AS_PATH', 'NEXT_HOP', 'LOCAL_PREF']);
    assert.ok(m[1]!.type === 'UPDATE' && m[1]!.nlri.length === 0 && m[1]!.attributes.length === 0, 'End-of-RIB');
    assert.equal(n.stats().advertised, 1);
  });

  it('serves a route refresh, between BoRR and EoRR when enhanced route refresh was negotiated', () => {
    const plain = setup([{ kind: 'ROUTE_REFRESH' }]);
    plain.n.onEstablished(plain.neg, [block('10.244.1.0')], origin);
    plain.messages();
    plain.n.onRouteRefresh({ type: 'ROUTE_REFRESH', afi: 1, safi: 1, subtype: 0 });
    assert.deepEqual(plain.messages().map((m) => m.type), ['UPDATE']);
    const enh = setup([{ kind: 'ROUTE_REFRESH' }, { kind: 'ENHANCED_ROUTE_REFRESH' }]);
    enh.n.onEstablished(enh.neg, [block('10.244.1.0')], origin);
    enh.messages();
    enh.n.onRouteRefresh({ type: 'ROUTE_REFRESH', afi: 1, safi: 1, subtype: 0 });
    const m = enh.messages();
    assert.deepEqual(m.map((x) => (x.type === 'ROUTE_REFRESH' ? `RR${x.subtype}` : x.type)), ['RR1', 'UPDATE', 'RR2']);
    enh.n.onRouteRefresh({ type: 'ROUTE_REFRESH', afi: 2, safi: 1, subtype: 0 });
    assert.equal(enh.messages().length, 0, 'a family not negotiated is ignored');
  });

  it('re-advertises only what changed: a new block is announced, a released one withdrawn', () => {
    const { n, neg, messages } = setup();
    n.onEstablished(neg, [block('10.244.1.0'), block('10.244.2.0')], origin);
    messages();
    n.updateLocalRoutes([block('10.244.1.0'), block('10.244.3.0')], origin);
    const m = messages();
    assert.equal(m.length, 2);
    assert.ok(m[0]!.type === 'UPDATE' && m[0]!.withdrawn.length === 1 && m[0]!.withdrawn[0]!.addr === ip('10.244.2.0'));
    assert.ok(m[1]!.type === 'UPDATE' && m[1]!.nlri.length === 1 && m[1]!.nlri[0]!.addr === ip('10.244.3.0'));
    n.updateLocalRoutes([block('10.244.1.0'), block('10.244.3.0')], origin);
    assert.equal(messages().length, 0, 'nothing changed, nothing sent');
  });

  it('treat-as-withdraw removes every NLRI of the UPDATE (RFC 7606 §2)', () => {
    const { n, neg } = setup();
    n.onEstablished(neg, [], origin);
    n.onUpdate(update(['10.244.5.0', '10.244.6.0']));
    assert.equal(n.adjRibIn.size, 2);
    n.onUpdate(update(['10.244.5.0'], 'treat-as-withdraw'));
    assert.equal(n.adjRibIn.size, 1);
  });

  it('graceful restart helper: keeps routes stale, sweeps them at End-of-RIB when the peer is back', () => {
    const gr: Capability[] = [{ kind: 'GRACEFUL_RESTART', flags: 0, restartTime: 90, families: [{ afi: 1, safi: 1, flags: 0x80 }] }];
    const { n, neg, timers } = setup(gr);
    n.onEstablished(neg, [], origin);
    n.onUpdate(update(['10.244.5.0', '10.244.6.0']));
    n.onDown(true, 90);
    assert.deepEqual([n.adjRibIn.size, n.adjRibIn.stale], [2, 2]);
    assert.equal(timers.pending[0]?.ms, 90000);
    n.onEstablished(neg, [], origin);
    n.onUpdate(update(['10.244.5.0']));
    assert.deepEqual([n.adjRibIn.size, n.adjRibIn.stale], [2, 1], 'a re-announced route is fresh again');
    n.onUpdate(eor());
    assert.deepEqual([n.adjRibIn.size, n.adjRibIn.stale], [1, 0], 'End-of-RIB sweeps what was not re-announced');
  });

  it('graceful restart helper: routes go when the peer did not keep forwarding state (no F bit), or does not come back', () => {
    const noF: Capability[] = [{ kind: 'GRACEFUL_RESTART', flags: 0, restartTime: 90, families: [{ afi: 1, safi: 1, flags: 0 }] }];
    const a = setup(noF);
    a.n.onEstablished(a.neg, [], origin);
    a.n.onUpdate(update(['10.244.5.0']));
    a.n.onDown(true, 90);
    a.n.onEstablished(a.neg, [], origin);
    assert.equal(a.n.adjRibIn.size, 0);
    const b = setup(noF);
    b.n.onEstablished(b.neg, [], origin);
    b.n.onUpdate(update(['10.244.5.0']));
    b.n.onDown(true, 90);
    b.timers.fire();
    assert.equal(b.n.adjRibIn.size, 0, 'swept at the restart time');
    const c = setup();
    c.n.onEstablished(c.neg, [], origin);
    c.n.onUpdate(update(['10.244.5.0']));
    c.n.onDown(false, 0);
    assert.equal(c.n.adjRibIn.size, 0, 'a non-graceful end drops everything');
  });

  describe('max-prefix limits (RFC 4486)', () => {
    function limited(action: 'restart' | 'warn') {
      const sent: Uint8Array[] = [];
      const stops: { code: number; subcode: number; data: number[] }[] = [];
      const log = new MemoryLogger();
      const n = new Neighbor('Global_10_0_0_2', { sendRaw: (m) => (sent.push(...m), true), automaticStop: (x) => stops.push({ code: x.code, subcode: x.subcode, data: [...x.data] }) }, new FakeTimers(), log);
      n.setPrefixLimit({ limit: 2, action });
      n.onEstablished(negotiated([]), [], origin);
      return { n, stops, log };
    }

    it('action restart: the UPDATE that crosses the limit ends the session with Cease 6/1, data AFI, SAFI and the limit', () => {
      const { n, stops } = limited('restart');
      n.onUpdate(update(['10.1.0.0', '10.1.0.64']));
      assert.equal(stops.length, 0, 'at the limit is allowed');
      n.onUpdate(update(['10.1.0.128']));
      assert.deepEqual(stops, [{ code: 6, subcode: 1, data: [0, 1, 1, 0, 0, 0, 2] }]);
      n.onUpdate(update(['10.1.0.192']));
      assert.equal(stops.length, 1, 'asked once, not per UPDATE');
    });

    it('action warn: the session stays and the crossing is logged once', () => {
      const { n, stops, log } = limited('warn');
      n.onUpdate(update(['10.1.0.0', '10.1.0.64', '10.1.0.128']));
      n.onUpdate(update(['10.1.0.192']));
      assert.equal(stops.length, 0);
      assert.equal(n.adjRibIn.size, 4);
      assert.equal(log.lines.filter((l) => /max-prefix limit exceeded/.test(l.msg)).length, 1);
    });
  });
});
