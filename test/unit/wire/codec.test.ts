import assert from 'node:assert/strict';
import { fromHex, toHex } from '../../../src/lib/hex.js';
import { parseIpv4 } from '../../../src/lib/prefix.js';
import {
  AS_TRANS,
  attributesForTwoOctetPeer,
  ceaseWithCommunication,
  codecContext,
  decodeCapability,
  decodeContext,
  decodeUpdate,
  encodeUpdate,
  encodeUpdateStream,
  endOfRib,
  endOfRibFamily,
  findAttribute,
  formatExtendedCommunity,
  ipv4Nlri,
  maxPrefixData,
  reconcileAs4,
  routeTarget,
  shutdownCommunication,
  type PathAttribute,
} from '../../../src/wire/index.js';

const ip = (s: string) => parseIpv4(s)!;

describe('wire: RFC 6793 AS4 handling', () => {
  it('merges AS4_PATH into the tail of an AS_PATH with AS_TRANS (§4.2.3)', () => {
    const attrs: PathAttribute[] = [
      { kind: 'AS_PATH', segments: [{ type: 2, asns: [65001, AS_TRANS, AS_TRANS] }] },
      { kind: 'AS4_PATH', segments: [{ type: 2, asns: [4200000001, 4200000002] }] },
    ];
    assert.deepEqual(reconcileAs4(attrs).asPath, [{ type: 2, asns: [65001, 4200000001, 4200000002] }]);
  });

  it('ignores an AS4_PATH longer than AS_PATH', () => {
    const attrs: PathAttribute[] = [
      { kind: 'AS_PATH', segments: [{ type: 2, asns: [AS_TRANS] }] },
      { kind: 'AS4_PATH', segments: [{ type: 2, asns: [4200000001, 4200000002] }] },
    ];
    assert.deepEqual(reconcileAs4(attrs).asPath, [{ type: 2, asns: [AS_TRANS] }]);
  });

  it('uses AS4_AGGREGATOR only when AGGREGATOR says AS_TRANS, and then keeps AS4_PATH', () => {
    const base: PathAttribute[] = [
      { kind: 'AS_PATH', segments: [{ type: 2, asns: [AS_TRANS] }] },
      { kind: 'AS4_PATH', segments: [{ type: 2, asns: [4200000001] }] },
      { kind: 'AS4_AGGREGATOR', asn: 4200000009, address: ip('10.0.0.9') },
    ];
    const viaTrans = reconcileAs4([...base, { kind: 'AGGREGATOR', asn: AS_TRANS, address: ip('10.0.0.1') }]);
    assert.deepEqual(viaTrans.aggregator, { asn: 4200000009, address: ip('10.0.0.9') });
    assert.deepEqual(viaTrans.asPath, [{ type: 2, asns: [4200000001] }]);
    const real = reconcileAs4([...base, { kind: 'AGGREGATOR', asn: 65010, address: ip('10.0.0.1') }]);
    assert.deepEqual(real.aggregator, { asn: 65010, address: ip('10.0.0.1') });
    assert.deepEqual(real.asPath, [{ type: 2, asns: [AS_TRANS] }], 'a real 2-octet aggregator voids AS4_PATH');
  });

  it('keeps confederation segments of AS_PATH and drops them from AS4_PATH', () => {
    const attrs: PathAttribute[] = [
      { kind: 'AS_PATH', segments: [{ type: 3, asns: [64601] }, { type: 2, asns: [AS_TRANS, 65002] }] },
      { kind: 'AS4_PATH', segments: [{ type: 3, asns: [1] }, { type: 2, asns: [4200000001, 65002] }] },
    ];
    assert.deepEqual(reconcileAs4(attrs).asPath, [{ type: 3, asns: [64601] }, { type: 2, asns: [4200000001, 65002] }]);
  });

  it('builds AS4_PATH and AS4_AGGREGATOR for a 2-octet peer and the receiver gets the original back', () => {
    const attrs: PathAttribute[] = [
      { kind: 'ORIGIN', origin: 0 },
      { kind: 'AS_PATH', segments: [{ type: 2, asns: [65001, 4200000001] }] },
      { kind: 'NEXT_HOP', nextHop: ip('192.168.10.1') },
      { kind: 'AGGREGATOR', asn: 4200000001, address: ip('10.0.0.1') },
    ];
    const old = codecContext({ fourOctetAs: false });
    const bytes = encodeUpdate({ type: 'UPDATE', withdrawn: [], attributes: attributesForTwoOctetPeer(attrs), nlri: [ipv4Nlri(ip('10.1.0.0'), 16)] }, old);
    const got = decodeUpdate(bytes.subarray(19), decodeContext({ fourOctetAs: false }));
    assert.equal(got.action, 'none');
    assert.deepEqual(findAttribute(got.update.attributes, 'AS_PATH')!.segments, [{ type: 2, asns: [65001, AS_TRANS] }]);
    const r = reconcileAs4(got.update.attributes);
    assert.deepEqual(r.asPath, [{ type: 2, asns: [65001, 4200000001] }]);
    assert.deepEqual(r.aggregator, { asn: 4200000001, address: ip('10.0.0.1') });
  });

  it('adds no AS4 attributes when every ASN fits in two octets', () => {
    const attrs: PathAttribute[] = [{ kind: 'AS_PATH', segments: [{ type: 2, asns: [65001] }] }];
    assert.deepEqual(attributesForTwoOctetPeer(attrs), attrs);
  });
});

describe('wire: AS_PATH encoding', () => {
  it('splits a sequence of 300 ASNs into segments of 255 and 45 (RFC 4271 §5.1.2)', () => {
    const asns = Array.from({ length: 300 }, (_, i) => 64512 + i);
    const attrs: PathAttribute[] = [
      { kind: 'ORIGIN', origin: 0 },
      { kind: 'AS_PATH', segments: [{ type: 2, asns }] },
      { kind: 'NEXT_HOP', nextHop: ip('10.0.0.1') },
    ];
    const ctx = decodeContext({ fourOctetAs: true });
    const bytes = encodeUpdate({ type: 'UPDATE', withdrawn: [], attributes: attrs, nlri: [ipv4Nlri(ip('10.0.0.0'), 8)] }, ctx);
    // AS_PATH value: 2 + 255*4 + 2 + 45*4 = 1204 bytes, so Extended Length (flags 0x50).
    assert.equal(toHex(bytes.subarray(27, 31)), '500204b4');
    const got = decodeUpdate(bytes.subarray(19), ctx);
    const segs = findAttribute(got.update.attributes, 'AS_PATH')!.segments;
    assert.deepEqual(segs.map((s) => s.asns.length), [255, 45]);
    assert.deepEqual(segs.flatMap((s) => s.asns), asns);
  });
});

describe('wire: capabilities from hand-assembled bytes', () => {
  const cap = (code: number, hex: string) => {
    const b = fromHex(hex);
    return decodeCapability(code, b, 0, b.length);
  };
  it('decodes each kind', () => {
    assert.deepEqual(cap(1, '00020001'), { kind: 'MULTIPROTOCOL', afi: 2, safi: 1 });
    assert.deepEqual(cap(65, 'fa56ea01'), { kind: 'FOUR_OCTET_AS', asn: 4200000001 });
    assert.deepEqual(cap(64, '80780001018000020100'), {
      kind: 'GRACEFUL_RESTART',
      flags: 0x8,
      restartTime: 120,
      families: [
        { afi: 1, safi: 1, flags: 0x80 },
        { afi: 2, safi: 1, flags: 0x00 },
      ],
    });
    assert.deepEqual(cap(71, '0001018000012c'), { kind: 'LONG_LIVED_GRACEFUL_RESTART', families: [{ afi: 1, safi: 1, flags: 0x80, staleTime: 300 }] });
    assert.deepEqual(cap(69, '0001010300020101'), {
      kind: 'ADD_PATH',
      families: [
        { afi: 1, safi: 1, sendReceive: 3 },
        { afi: 2, safi: 1, sendReceive: 1 },
      ],
    });
    assert.deepEqual(cap(5, '000100010002'), { kind: 'EXTENDED_NEXT_HOP', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] });
    assert.deepEqual(cap(73, '066b38732d773100'), { kind: 'FQDN', hostname: 'k8s-w1', domainName: '' });
    assert.deepEqual(cap(9, '03'), { kind: 'BGP_ROLE', role: 3 });
    assert.deepEqual(cap(6, ''), { kind: 'EXTENDED_MESSAGE' });
    assert.deepEqual(cap(70, ''), { kind: 'ENHANCED_ROUTE_REFRESH' });
    assert.deepEqual(cap(128, ''), { kind: 'UNKNOWN', code: 128, value: new Uint8Array(0) });
  });
  it('keeps malformed known capabilities as UNKNOWN with the reason, so they are ignored', () => {
    for (const [code, hex] of [[65, '00fde9'], [64, '007800'], [69, '000101'], [69, '00010104'], [73, '0a6b38'], [1, '00010101']] as const) {
      const c = cap(code, hex);
      assert.equal(c.kind, 'UNKNOWN', `${code} ${hex}`);
      assert.ok(c.kind === 'UNKNOWN' && c.malformed, `${code} ${hex} has a reason`);
    }
  });
});

describe('wire: route semantics in the decode result', () => {
  const update = (nextHop: string, extra: PathAttribute[] = []) =>
    encodeUpdate(
      {
        type: 'UPDATE',
        withdrawn: [],
        attributes: [{ kind: 'ORIGIN', origin: 0 }, { kind: 'AS_PATH', segments: [{ type: 2, asns: [65000] }] }, { kind: 'NEXT_HOP', nextHop: ip(nextHop) }, ...extra],
        nlri: [ipv4Nlri(ip('10.9.0.0'), 16)],
      },
      codecContext(),
    ).subarray(19);

  it('ignores routes with a martian or own NEXT_HOP, without a NOTIFICATION (RFC 4271 §6.3)', () => {
    for (const nh of ['0.0.0.0', '127.0.0.1', '224.0.0.1', '255.255.255.255']) {
      const r = decodeUpdate(update(nh), decodeContext());
      assert.equal(r.action, 'treat-as-withdraw', nh);
      assert.equal(r.problems[0]!.code, 3);
    }
    assert.equal(decodeUpdate(update('127.0.0.1'), decodeContext({ allowLoopbackNextHop: true })).action, 'none');
    const own = decodeContext({ localAddresses: new Set([ip('192.168.10.101')]) });
    assert.equal(decodeUpdate(update('192.168.10.101'), own).action, 'treat-as-withdraw');
    assert.equal(decodeUpdate(update('192.168.10.102'), own).action, 'none');
  });

  it('drops reflection loops (RFC 4456 §8)', () => {
    const ctx = decodeContext({ routerId: ip('192.168.10.101'), clusterId: ip('1.0.0.1') });
    assert.equal(decodeUpdate(update('10.0.0.1', [{ kind: 'ORIGINATOR_ID', originatorId: ip('192.168.10.101') }]), ctx).action, 'treat-as-withdraw');
    assert.equal(decodeUpdate(update('10.0.0.1', [{ kind: 'CLUSTER_LIST', clusterList: [ip('2.0.0.2'), ip('1.0.0.1')] }]), ctx).action, 'treat-as-withdraw');
    assert.equal(decodeUpdate(update('10.0.0.1', [{ kind: 'CLUSTER_LIST', clusterList: [ip('2.0.0.2')] }]), ctx).action, 'none');
  });

  it('checks the first AS of an eBGP path only when enforced', () => {
    const strict = decodeContext({ ebgp: true, peerAs: 65001, enforceFirstAs: true });
    assert.equal(decodeUpdate(update('10.0.0.1'), strict).action, 'treat-as-withdraw');
    assert.equal(decodeUpdate(update('10.0.0.1'), decodeContext({ ebgp: true, peerAs: 65000, enforceFirstAs: true })).action, 'none');
    assert.equal(decodeUpdate(update('10.0.0.1'), decodeContext({ ebgp: true, peerAs: 65001 })).action, 'none');
  });
});

describe('wire: End-of-RIB, communications, formats', () => {
  it('recognises both End-of-RIB forms and nothing else', () => {
    assert.deepEqual(endOfRibFamily(endOfRib({ afi: 1, safi: 1 })), { afi: 1, safi: 1 });
    assert.deepEqual(endOfRibFamily(endOfRib({ afi: 2, safi: 1 })), { afi: 2, safi: 1 });
    assert.equal(endOfRibFamily({ type: 'UPDATE', withdrawn: [ipv4Nlri(0, 0)], attributes: [], nlri: [] }), null);
    assert.equal(endOfRibFamily({ type: 'UPDATE', withdrawn: [], attributes: [{ kind: 'ORIGIN', origin: 0 }], nlri: [] }), null);
  });

  it('cuts a long shutdown communication at a UTF-8 boundary within 255 bytes', () => {
    const text = 'é'.repeat(200); // 400 bytes
    const n = ceaseWithCommunication(2, text);
    assert.equal(n.data[0], 254);
    assert.equal(n.data.length, 255);
    const back = shutdownCommunication(n);
    assert.ok(back && 'text' in back);
    assert.equal(back.text, 'é'.repeat(127));
  });

  it('builds Cease 6/1 data: AFI, SAFI, limit (RFC 4486 §4)', () => {
    assert.equal(toHex(maxPrefixData(1, 1, 1000)), '000101000003e8');
  });

  it('names route targets of each form', () => {
    assert.equal(formatExtendedCommunity(routeTarget(65000, 100)), 'rt:65000:100');
    assert.equal(formatExtendedCommunity({ high: 0x01020a00, low: 0x00010064 }), 'rt:10.0.0.1:100');
    assert.equal(formatExtendedCommunity({ high: 0x0202fa56, low: 0xea010064 }), 'rt:4200000001:100');
    assert.equal(formatExtendedCommunity({ high: 0x80060000, low: 0 }), '0x8006000000000000');
  });
});

describe('wire: stream encoding', () => {
  it('writes exactly the per-message encodings back to back, never splitting a message across chunks', () => {
    const ctx = codecContext();
    const updates = Array.from({ length: 3000 }, (_, i) => ({
      type: 'UPDATE' as const,
      withdrawn: i % 7 === 0 ? [ipv4Nlri(0x0c000000 + i * 256, 24)] : [],
      attributes: [
        { kind: 'ORIGIN', origin: 0 },
        { kind: 'AS_PATH', segments: [{ type: 2, asns: [65001, 1 + (i % 300)] }] },
        { kind: 'NEXT_HOP', nextHop: ip('192.168.10.1') },
        { kind: 'MULTI_EXIT_DISC', med: i },
      ] as PathAttribute[],
      nlri: [ipv4Nlri(0x0b000000 + i * 256, 24)],
    }));
    const chunks = encodeUpdateStream(updates, ctx, 4096);
    assert.ok(chunks.length > 10, 'several chunks');
    const expected = Buffer.concat(updates.map((u) => encodeUpdate(u, ctx)));
    assert.equal(Buffer.concat(chunks).toString('hex'), expected.toString('hex'));
    for (const c of chunks) {
      let p = 0;
      while (p < c.length) p += (c[p + 16]! << 8) | c[p + 17]!;
      assert.equal(p, c.length, 'each chunk ends on a message boundary');
    }
  });
});
