import assert from 'node:assert/strict';
import { parseIpv4 } from '../../../src/lib/prefix.js';
import { AttrInterner } from '../../../src/rib/attr-set.js';
import type { Path } from '../../../src/rib/decision.js';
import { exportPath, type ExportContext, type ExportPeer } from '../../../src/speaker/export.js';
import { findAttribute, WellKnownCommunity, type PathAttribute } from '../../../src/wire/index.js';

const ip = (s: string) => parseIpv4(s)!;
const interner = new AttrInterner();

function learnt(from: string, o: { ebgp?: boolean; extra?: PathAttribute[]; asns?: number[] } = {}): Path {
  const attrs: PathAttribute[] = [
    { kind: 'ORIGIN', origin: 0 },
    { kind: 'AS_PATH', segments: o.asns ? [{ type: 2, asns: o.asns }] : [] },
    { kind: 'NEXT_HOP', nextHop: ip('192.168.10.102') },
    ...(o.extra ?? []),
  ];
  return {
    attrs: interner.intern(attrs, null),
    source: { kind: 'bgp', peer: from, peerAddress: new Uint8Array(16), peerAddressText: '192.168.10.102', peerRouterId: ip('192.168.10.102'), ebgp: o.ebgp ?? false },
    pathId: 0,
    since: 0,
  };
}

const peer = (name: string, o: Partial<ExportPeer> = {}): ExportPeer => ({ name, internal: true, routeReflectorClient: false, nextHop: 'auto', localAs: 64512, selfNextHop: ip('192.168.10.101'), ...o });
const ctx = (o: Partial<ExportContext> = {}): ExportContext => ({ clusterId: null, routerId: ip('192.168.10.101'), sourceIsClient: () => false, policyAccepts: () => true, ...o });
const sendAttrs = (d: ReturnType<typeof exportPath>) => {
  assert.ok(d.send, d.send ? '' : d.reason);
  return d.attributes;
};

describe('speaker: what each neighbor receives (propagation rules)', () => {
  it('never sends a path back to where it came from, nor the node\'s own static routes', () => {
    assert.deepEqual(exportPath(learnt('w2'), peer('w2'), ctx()), { send: false, reason: 'never back to the peer it came from' });
    const own: Path = { ...learnt('w2'), source: { kind: 'static', name: 'static1' } };
    assert.equal(exportPath(own, peer('w3'), ctx()).send, false);
  });

  it('an API-injected path goes to iBGP peers without split horizon and past Calico\'s export chain; next hop self when none was given', () => {
    const attrs = interner.intern([{ kind: 'ORIGIN', origin: 0 }, { kind: 'AS_PATH', segments: [] }], null);
    const injected: Path = { attrs, source: { kind: 'api', name: 'api' }, pathId: 0, since: 0 };
    const toIbgp = sendAttrs(exportPath(injected, peer('w2'), ctx({ policyAccepts: () => false })));
    assert.deepEqual(findAttribute(toIbgp, 'NEXT_HOP'), { kind: 'NEXT_HOP', nextHop: ip('192.168.10.101') });
    assert.equal(findAttribute(toIbgp, 'LOCAL_PREF')?.localPref, 100);
    const toEbgp = sendAttrs(exportPath(injected, peer('tor', { internal: false }), ctx()));
    assert.deepEqual(findAttribute(toEbgp, 'AS_PATH')?.segments, [{ type: 2, asns: [64512] }]);
    // A reflector never adds ORIGINATOR_ID to its own path.
    const rr = sendAttrs(exportPath(injected, peer('c1', { routeReflectorClient: true }), ctx({ clusterId: ip('1.1.1.1') })));
    assert.equal(findAttribute(rr, 'ORIGINATOR_ID'), undefined);
  });

  it('keeps iBGP split horizon on a node that is not a route reflector', () => {
    assert.deepEqual(exportPath(learnt('w2'), peer('w3'), ctx()), { send: false, reason: 'iBGP split horizon' });
  });

  it('reflects client routes to everyone and non-client routes to clients only, adding ORIGINATOR_ID and CLUSTER_LIST (RFC 4456)', () => {
    const rr = ctx({ clusterId: ip('224.0.0.1'), sourceIsClient: (p) => p === 'client-a' });
    const toNonClient = sendAttrs(exportPath(learnt('client-a'), peer('rr2'), rr));
    assert.equal(findAttribute(toNonClient, 'ORIGINATOR_ID')?.originatorId, ip('192.168.10.102'));
    assert.deepEqual(findAttribute(toNonClient, 'CLUSTER_LIST')?.clusterList, [ip('224.0.0.1')]);
    assert.equal(findAttribute(toNonClient, 'NEXT_HOP')?.nextHop, ip('192.168.10.102'), 'reflection keeps the next hop');
    assert.equal(exportPath(learnt('rr2'), peer('rr3'), rr).send, false, 'non-client to non-client');
    const toClient = sendAttrs(exportPath(learnt('rr2', { extra: [{ kind: 'ORIGINATOR_ID', originatorId: ip('10.9.9.9') }, { kind: 'CLUSTER_LIST', clusterList: [ip('224.0.0.2')] }] }), peer('client-b', { routeReflectorClient: true }), rr));
    assert.equal(findAttribute(toClient, 'ORIGINATOR_ID')?.originatorId, ip('10.9.9.9'), 'an existing ORIGINATOR_ID stays');
    assert.deepEqual(findAttribute(toClient, 'CLUSTER_LIST')?.clusterList, [ip('224.0.0.1'), ip('224.0.0.2')], 'our cluster id is prepended');
    const ours = learnt('client-a', { extra: [{ kind: 'ORIGINATOR_ID', originatorId: ip('192.168.10.101') }] });
    assert.equal(exportPath(ours, peer('client-c', { routeReflectorClient: true }), rr).send, false, 'never back to its originator');
  });

  it('to an external peer: our AS prepended, next hop self, no LOCAL_PREF, MED or reflection attributes', () => {
    const p = learnt('w2', { extra: [{ kind: 'LOCAL_PREF', localPref: 200 }, { kind: 'MULTI_EXIT_DISC', med: 5 }, { kind: 'ORIGINATOR_ID', originatorId: 1 }, { kind: 'CLUSTER_LIST', clusterList: [1] }] });
    const out = sendAttrs(exportPath(p, peer('tor', { internal: false }), ctx()));
    assert.deepEqual(findAttribute(out, 'AS_PATH')?.segments, [{ type: 2, asns: [64512] }]);
    assert.equal(findAttribute(out, 'NEXT_HOP')?.nextHop, ip('192.168.10.101'));
    for (const k of ['LOCAL_PREF', 'MULTI_EXIT_DISC', 'ORIGINATOR_ID', 'CLUSTER_LIST'] as const) assert.equal(findAttribute(out, k), undefined, k);
    const kept = sendAttrs(exportPath(learnt('w2', { ebgp: true, asns: [65001] }), peer('tor2', { internal: false, nextHop: 'keep' }), ctx()));
    assert.deepEqual(findAttribute(kept, 'AS_PATH')?.segments, [{ type: 2, asns: [64512, 65001] }]);
    assert.equal(findAttribute(kept, 'NEXT_HOP')?.nextHop, ip('192.168.10.102'), 'nextHopMode Keep');
  });

  it('from an external peer to internal ones: next hop kept (Auto) or self, LOCAL_PREF supplied', () => {
    const p = learnt('tor', { ebgp: true, asns: [65001] });
    const auto = sendAttrs(exportPath(p, peer('w3'), ctx()));
    assert.equal(findAttribute(auto, 'NEXT_HOP')?.nextHop, ip('192.168.10.102'));
    assert.equal(findAttribute(auto, 'LOCAL_PREF')?.localPref, 100);
    assert.deepEqual(findAttribute(auto, 'AS_PATH')?.segments, [{ type: 2, asns: [65001] }], 'no prepend inside the AS');
    const self = sendAttrs(exportPath(p, peer('w3', { nextHop: 'self' }), ctx()));
    assert.equal(findAttribute(self, 'NEXT_HOP')?.nextHop, ip('192.168.10.101'));
  });

  it('honours NO_EXPORT and NO_ADVERTISE (RFC 1997) and the export policy', () => {
    const noExport = learnt('tor', { ebgp: true, extra: [{ kind: 'COMMUNITIES', communities: [WellKnownCommunity.NO_EXPORT] }] });
    assert.equal(exportPath(noExport, peer('tor2', { internal: false }), ctx()).send, false);
    assert.equal(exportPath(noExport, peer('w3'), ctx()).send, true);
    const noAdv = learnt('tor', { ebgp: true, extra: [{ kind: 'COMMUNITIES', communities: [WellKnownCommunity.NO_ADVERTISE] }] });
    assert.equal(exportPath(noAdv, peer('w3'), ctx()).send, false);
    assert.deepEqual(exportPath(learnt('tor', { ebgp: true }), peer('w3'), ctx({ policyAccepts: () => false })), { send: false, reason: 'rejected by the export policy' });
  });

  it('passes unknown transitive attributes on with Partial set and drops non-transitive ones', () => {
    const p = learnt('tor', { ebgp: true, extra: [{ kind: 'UNKNOWN', code: 99, flags: 0xc0, value: Uint8Array.of(1) }, { kind: 'UNKNOWN', code: 98, flags: 0x80, value: Uint8Array.of(2) }] });
    const out = sendAttrs(exportPath(p, peer('w3'), ctx()));
    const unknown = out.filter((a) => a.kind === 'UNKNOWN');
    assert.deepEqual(unknown.map((a) => (a.kind === 'UNKNOWN' ? [a.code, a.flags] : [])), [[99, 0xe0]]);
  });
});
