/**
 * The robustness oracle: /work/shared/reference/bgp-robustness.md, sections
 * 1.1 (RFC 7606 general rules), 1.2 (per-attribute actions), 1.3
 * (NOTIFICATION codes) and the hostile-input corpus of section 2 (rows 1-33).
 * Every input goes through the real decoder (Framer + decodeMessage, or
 * decodeUpdate / decodeOpen) as raw bytes; hex from the table is used as given.
 *
 * Covered by the session issue (the session layer does not exist yet; only
 * the codec part is tested here):
 *   - row 3: "silence" after a partial message ends in the hold timer (4/0);
 *   - row 4: OPEN validation (2/1 with data 0x0004, 2/2 peer AS 0 / mismatch /
 *     23456 without 4-octet capability, 2/6 hold time 1 or 2, 2/3 BGP ID 0);
 *   - row 8: unexpected message in OpenSent/OpenConfirm/Established (5/1-5/3);
 *   - row 33: max-prefix enforcement (6/1) and backoff after looping bad UPDATEs;
 *   - §1.3: hold timer (4), send hold timer (8), "never answer a NOTIFICATION
 *     with a NOTIFICATION" (only the decoder never throwing is tested here);
 *   - §1.2 AS_PATH: "first-AS: SR only if configured" (the SR variant is a
 *     session knob; the codec's treat-as-withdraw is tested).
 */
import assert from 'node:assert/strict';
import {
  AS_TRANS,
  BgpError,
  Framer,
  attributesForForwarding,
  attributesForTwoOctetPeer,
  ceaseWithCommunication,
  codecContext,
  decodeContext,
  decodeMessage,
  decodeOpen,
  decodeUpdate,
  encodeNotification,
  encodeUpdate,
  endOfRibFamily,
  findAttribute,
  ipv4Nlri,
  ipv6Nlri,
  maxPrefixData,
  notificationName,
  openCapabilities,
  reconcileAs4,
  shutdownCommunication,
  type AttributeProblem,
  type DecodeContext,
  type Decoded,
  type ErrorAction,
  type NotificationMessage,
  type OpenMessage,
  type PathAttribute,
  type UpdateAction,
  type UpdateMessage,
} from '../../../src/wire/index.js';
import {
  MARKER,
  attr,
  clean,
  concat,
  fromHex,
  msg,
  rawMsg,
  toHex,
  u16,
  u32,
  u8,
  updateBody,
  updateMsg,
} from '../../support/bytes.js';

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

const ORIGIN = '40010100'; // IGP
const AS_PATH4 = attr(0x40, 2, '0201 0000fde9'); // AS_SEQUENCE [65001], 4-octet
const AS_PATH2 = attr(0x40, 2, '0201 fde9'); // AS_SEQUENCE [65001], 2-octet
const NEXT_HOP = attr(0x40, 3, '0a000001'); // 10.0.0.1
const BASE = ORIGIN + AS_PATH4 + NEXT_HOP;
const BASE2 = ORIGIN + AS_PATH2 + NEXT_HOP;
const NLRI = '180a0100'; // 10.1.0.0/24
const NLRI_V4 = [ipv4Nlri(0x0a010000, 24)];
const V6_NH = '20010db8000000000000000000000001';
const MP_REACH_V6 = attr(0x80, 14, '0002 01 10' + V6_NH + '00 20 20010db8'); // 2001:db8::/32
const MP_V6_NLRI = [ipv6Nlri(fromHex('20010db8'), 32)];
const MP_UNREACH_V6_EOR = '800f03000201';

const EBGP: Partial<DecodeContext> = { ebgp: true };
const TWO_OCTET: Partial<DecodeContext> = { fourOctetAs: false };

interface Outcome {
  readonly update: UpdateMessage;
  readonly action: UpdateAction;
  readonly problems: readonly AttributeProblem[];
}

/** Frame `bytes` (must be exactly one message) and decode it. */
function decodeOne(bytes: Uint8Array, opts: Partial<DecodeContext> = {}): Decoded {
  const framer = new Framer(opts.extendedMessage ?? false);
  const frames = framer.push(bytes);
  assert.equal(frames.length, 1, 'exactly one frame');
  assert.equal(framer.buffered, 0, 'nothing left in the framer');
  return decodeMessage(frames[0]!, decodeContext(opts));
}

function decodeWire(bytes: Uint8Array, opts: Partial<DecodeContext> = {}): Outcome {
  const d = decodeOne(bytes, opts);
  assert.equal(d.message.type, 'UPDATE');
  return { update: d.message as UpdateMessage, action: d.action, problems: d.problems };
}

/** An UPDATE through Framer + decodeMessage. */
function upd(attrs: string, nlri = NLRI, opts: Partial<DecodeContext> = {}, withdrawn = ''): Outcome {
  return decodeWire(updateMsg(attrs, nlri, withdrawn), opts);
}

function openOf(bytes: Uint8Array): OpenMessage {
  const d = decodeOne(bytes);
  assert.equal(d.message.type, 'OPEN');
  return d.message as OpenMessage;
}

function notificationOf(bytes: Uint8Array): NotificationMessage {
  const d = decodeOne(bytes);
  assert.equal(d.message.type, 'NOTIFICATION');
  return d.message as NotificationMessage;
}

/** Assert `fn` throws a BgpError with exactly this code/subcode (and data, as hex, when given). */
function expectBgpError(fn: () => unknown, code: number, subcode: number, dataHex?: string): BgpError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, `expected BgpError ${code}/${subcode}, nothing was thrown`);
  assert.ok(caught instanceof BgpError, `expected BgpError ${code}/${subcode}, got ${String(caught)}`);
  assert.deepEqual([caught.code, caught.subcode], [code, subcode], `expected ${code}/${subcode}, got ${caught.toString()}`);
  if (dataHex !== undefined) assert.equal(toHex(caught.data), clean(dataHex), 'NOTIFICATION data');
  return caught;
}

function kinds(attrs: readonly PathAttribute[]): string[] {
  return attrs.map((a) => (a.kind === 'UNKNOWN' ? `UNKNOWN(${a.code})` : a.kind));
}

/** The UPDATE has exactly one problem, with this code and action (and subcode/data when given). */
function onlyProblem(o: Outcome, code: number, action: ErrorAction, subcode?: number, dataHex?: string): AttributeProblem {
  assert.deepEqual(
    o.problems.map((p) => [p.code, p.action]),
    [[code, action]],
    `problems: ${JSON.stringify(o.problems.map((p) => [p.code, p.action, p.reason]))}`,
  );
  assert.equal(o.action, action);
  const p = o.problems[0]!;
  assert.ok(p.reason.length > 0, 'problem carries a reason for the log');
  if (subcode !== undefined) assert.equal(p.subcode, subcode, 'subcode');
  if (dataHex !== undefined) assert.equal(toHex(p.data), clean(dataHex), 'problem data');
  return p;
}

function assertClean(o: Outcome): void {
  assert.deepEqual(
    o.problems.map((p) => [p.code, p.action, p.reason]),
    [],
  );
  assert.equal(o.action, 'none');
}

/** TaW: exactly one problem, the NLRI still reported so the session can withdraw them. */
function assertTaW(o: Outcome, code: number, subcode?: number, dataHex?: string): void {
  onlyProblem(o, code, 'treat-as-withdraw', subcode, dataHex);
  assert.deepEqual(o.update.nlri, NLRI_V4, 'NLRI still reported, to be withdrawn');
}

/** AD: exactly one problem, the attribute gone, the others (`survivors`) kept in order. */
function assertAD(o: Outcome, code: number, survivors: string[], dataHex?: string): void {
  onlyProblem(o, code, 'attribute-discard', undefined, dataHex);
  assert.deepEqual(kinds(o.update.attributes), survivors);
  assert.deepEqual(o.update.nlri, NLRI_V4, 'routes still announced');
}

function reencode(u: UpdateMessage, opts: Partial<DecodeContext> = {}): string {
  return toHex(encodeUpdate(u, codecContext(opts)));
}

const STD = ['ORIGIN', 'AS_PATH', 'NEXT_HOP'];

// ---------------------------------------------------------------------------
// §1.1
// ---------------------------------------------------------------------------

describe('robustness §1.1 RFC 7606 general rules', () => {
  it('§2 treat-as-withdraw: NLRI of the IPv4 field and of MP_REACH stay in the result, session stays', () => {
    const o = upd('40010103' + AS_PATH4 + NEXT_HOP + MP_REACH_V6, NLRI);
    assertTaW(o, 1, 6, '40010103');
    const mp = findAttribute(o.update.attributes, 'MP_REACH_NLRI');
    assert.ok(mp, 'MP_REACH_NLRI kept so its NLRI can be withdrawn');
    assert.deepEqual(mp.nlri, MP_V6_NLRI);
  });

  it('§2 attribute-discard: the attribute is dropped and the UPDATE processed', () => {
    assertAD(upd(BASE + '40060100', NLRI), 6, STD, '40060100');
  });

  it('§2 AFI/SAFI-disable (RFC 4760 §7) when configured; session reset 3/1 otherwise', () => {
    const badMp = attr(0x80, 14, '0002 01 04 0a000001 00 20 20010db8'); // IPv6 with a 4-byte next hop
    const o = upd(BASE + badMp, NLRI, { mpErrorAction: 'afi-safi-disable' });
    const p = onlyProblem(o, 14, 'afi-safi-disable', 1, badMp);
    assert.deepEqual([p.afi, p.safi], [2, 1]);
    assert.deepEqual(kinds(o.update.attributes), STD);
    assert.deepEqual(o.update.nlri, NLRI_V4);
    expectBgpError(() => upd(BASE + badMp, NLRI), 3, 1, badMp);
  });

  it('§3(b) withdrawnLen + totalAttrLen + 23 > msgLen is SR 3/1', () => {
    expectBgpError(() => decodeWire(msg(2, 'ffff 0000')), 3, 1, '');
    expectBgpError(() => decodeWire(msg(2, '0000 0010' + ORIGIN)), 3, 1, '');
    // Withdrawn fits alone, the sum does not.
    expectBgpError(() => decodeWire(msg(2, '0004 180a0100 0005' + ORIGIN)), 3, 1, '');
    // Control: the exact sum is fine.
    assertClean(decodeWire(msg(2, '0004 180a0100 0000')));
  });

  it('§3(c) Optional/Transitive bits in conflict with the definition are treat-as-withdraw', () => {
    const cases: [string, string, number][] = [
      ['ORIGIN flags C0', 'c0010100' + AS_PATH4 + NEXT_HOP, 1],
      ['AS_PATH flags 80', ORIGIN + '80020602010000fde9' + NEXT_HOP, 2],
      ['NEXT_HOP flags 00', ORIGIN + AS_PATH4 + '0003040a000001', 3],
      ['MED flags 40', BASE + '40040400000064', 4],
      ['COMMUNITIES flags 80', BASE + '800804ffff0001', 8],
      ['LARGE_COMMUNITY flags 80', BASE + '80200c' + '0000fde9' + '00000001' + '00000002', 32],
    ];
    for (const [name, attrs, code] of cases) {
      const o = upd(attrs, NLRI);
      assert.equal(o.action, 'treat-as-withdraw', name);
      assertTaW(o, code, 4);
    }
  });

  it('§3(c) flags conflict on an attribute-discard attribute (AGGREGATOR flags 40) gets that attribute\'s own action: discard', () => {
    // RFC 7606 §3(c): treat-as-withdraw "unless the specification for the
    // attribute mandates different handling"; §7.6 and §7.7 mandate attribute
    // discard for malformed aggregates, which never affect route selection.
    // FRR (bgp_attr_malformed) does the same for AGGREGATOR, AS4_AGGREGATOR, ATOMIC_AGGREGATE.
    const o = upd(BASE + '4007080000fde90a000001', NLRI);
    assert.equal(o.action, 'attribute-discard');
    assert.deepEqual(o.problems.map((p) => [p.code, p.action, p.subcode]), [[7, 'attribute-discard', 4]]);
    assert.equal(findAttribute(o.update.attributes, 'AGGREGATOR'), undefined);
    assert.equal(o.update.nlri.length, 1);
  });

  it('§3(c) the low four flag bits are ignored (RFC 4271 §4.3) and kept byte-exact', () => {
    const attrs = '4f010100' + '4f020602010000fde9' + '4f03040a000001' + '8f040400000064';
    const bytes = updateMsg(attrs, NLRI);
    const o = decodeWire(bytes);
    assertClean(o);
    assert.deepEqual(kinds(o.update.attributes), [...STD, 'MULTI_EXIT_DISC']);
    assert.equal(findAttribute(o.update.attributes, 'MULTI_EXIT_DISC')?.med, 100);
    assert.equal(reencode(o.update), toHex(bytes));
  });

  it('§3(c) Extended Length is allowed on any attribute, even a short one', () => {
    const attrs = '5001000100' + '5002000602010000fde9' + '500300040a000001' + '9004000400000064';
    const bytes = updateMsg(attrs, NLRI);
    const o = decodeWire(bytes);
    assertClean(o);
    assert.equal(findAttribute(o.update.attributes, 'ORIGIN')?.origin, 0);
    assert.equal(findAttribute(o.update.attributes, 'NEXT_HOP')?.nextHop, 0x0a000001);
    assert.equal(findAttribute(o.update.attributes, 'MULTI_EXIT_DISC')?.med, 100);
    assert.equal(reencode(o.update), toHex(bytes));
  });

  it('§3(d) a missing well-known mandatory attribute with NLRI is treat-as-withdraw (3/3, data = type)', () => {
    const cases: [string, number][] = [
      [AS_PATH4 + NEXT_HOP, 1],
      [ORIGIN + NEXT_HOP, 2],
      [ORIGIN + AS_PATH4, 3],
    ];
    for (const [attrs, missing] of cases) assertTaW(upd(attrs, NLRI), missing, 3, u8(missing));
  });

  it('§3(d) NEXT_HOP is required only for the IPv4 NLRI field, not for MP_REACH NLRI', () => {
    assertClean(upd(ORIGIN + AS_PATH4 + MP_REACH_V6, ''));
    const mpV4 = attr(0x80, 14, '0001 01 04 0a000001 00 180a0200');
    const o = upd(ORIGIN + AS_PATH4 + mpV4, '');
    assertClean(o);
    assert.deepEqual(findAttribute(o.update.attributes, 'MP_REACH_NLRI')?.nlri, [ipv4Nlri(0x0a020000, 24)]);
  });

  it('§3(d) without NLRI no attribute is mandatory (withdrawal-only UPDATE)', () => {
    const o = upd('', '', {}, NLRI);
    assertClean(o);
    assert.deepEqual(o.update.withdrawn, NLRI_V4);
  });

  it('§3(d) IPv4 NLRI with only an MP_UNREACH_NLRI: all three mandatory attributes missing, treat-as-withdraw', () => {
    const unreach = attr(0x80, 15, '0002 01 20 20010db8');
    const o = upd(unreach, NLRI);
    assert.equal(o.action, 'treat-as-withdraw');
    assert.deepEqual(
      o.problems.map((p) => [p.code, p.action, p.subcode, toHex(p.data)]),
      [1, 2, 3].map((c) => [c, 'treat-as-withdraw', 3, u8(c)]),
    );
  });

  it('§3(e,f) ORIGIN, AS_PATH, NEXT_HOP, MED, LOCAL_PREF errors are TaW; ATOMIC_AGGREGATE, AGGREGATOR are AD', () => {
    const taw: [string, number][] = [
      ['4001020000', 1], // ORIGIN length 2
      [ORIGIN + '4002030201fd' + NEXT_HOP, 2], // AS_PATH overrun
      [ORIGIN + AS_PATH4 + '4003050a00000100', 3],
      [BASE + '8004020000', 4],
      [BASE + '4005020064', 5],
    ];
    for (const [attrs, code] of taw) {
      const full = code === 1 ? attrs + AS_PATH4 + NEXT_HOP : attrs;
      assertTaW(upd(full, NLRI), code);
    }
    assertAD(upd(BASE + '40060100', NLRI), 6, STD);
    assertAD(upd(BASE + 'c007050000fde90a', NLRI), 7, STD);
  });

  it('§3(g) MP_REACH_NLRI twice is SR 3/1', () => {
    const second = attr(0x80, 14, '0002 01 10' + V6_NH + '00 20 20010db9');
    expectBgpError(() => upd(ORIGIN + AS_PATH4 + MP_REACH_V6 + second, ''), 3, 1);
  });

  it('§3(g) MP_UNREACH_NLRI twice is SR 3/1', () => {
    expectBgpError(() => upd(MP_UNREACH_V6_EOR + MP_UNREACH_V6_EOR, ''), 3, 1);
  });

  it('§3(g) other repeated attributes: the first is kept, later ones discarded', () => {
    const o = upd(
      ORIGIN + AS_PATH4 + NEXT_HOP + '40010101' + 'c00804ffff0001' + 'c00804ffff0002' + 'c0fe0101' + 'c0fe0102',
      NLRI,
    );
    assert.equal(o.action, 'attribute-discard');
    assert.deepEqual(
      o.problems.map((p) => [p.code, p.action]),
      [
        [1, 'attribute-discard'],
        [8, 'attribute-discard'],
        [254, 'attribute-discard'],
      ],
    );
    assert.deepEqual(kinds(o.update.attributes), [...STD, 'COMMUNITIES', 'UNKNOWN(254)']);
    assert.equal(findAttribute(o.update.attributes, 'ORIGIN')?.origin, 0);
    assert.deepEqual(findAttribute(o.update.attributes, 'COMMUNITIES')?.communities, [0xffff0001]);
    const unk = o.update.attributes[4];
    assert.ok(unk?.kind === 'UNKNOWN');
    assert.equal(toHex(unk.value), '01');
    assert.deepEqual(o.update.nlri, NLRI_V4);
  });

  it('§3(h) several errors: the strongest wins (TaW over AD)', () => {
    const o = upd(BASE + '40060100' + '8004020000', NLRI);
    assert.equal(o.action, 'treat-as-withdraw');
    assert.deepEqual(
      o.problems.map((p) => [p.code, p.action]),
      [
        [6, 'attribute-discard'],
        [4, 'treat-as-withdraw'],
      ],
    );
  });

  it('§3(h) several errors: AFI/SAFI-disable over TaW over AD', () => {
    const badMp = attr(0x80, 14, '0002 01 10' + V6_NH + '00 81' + '00'.repeat(17)); // prefix length 129
    const o = upd(BASE + '40060100' + '8004020000' + badMp, NLRI, { mpErrorAction: 'afi-safi-disable' });
    assert.equal(o.action, 'afi-safi-disable');
    assert.deepEqual(
      o.problems.map((p) => [p.code, p.action]),
      [
        [6, 'attribute-discard'],
        [4, 'treat-as-withdraw'],
        [14, 'afi-safi-disable'],
      ],
    );
  });

  it('§3(h) several errors: session reset over everything, wherever it appears', () => {
    // Unknown well-known after an AD and a TaW error.
    expectBgpError(() => upd(BASE + '40060100' + '8004020000' + '407f0100', NLRI), 3, 2, '407f0100');
    // Second MP_REACH after a TaW error, with afi-safi-disable configured.
    const second = attr(0x80, 14, '0002 01 10' + V6_NH + '00 20 20010db9');
    expectBgpError(
      () => upd(ORIGIN + AS_PATH4 + '8004020000' + MP_REACH_V6 + second, '', { mpErrorAction: 'afi-safi-disable' }),
      3,
      1,
    );
  });

  it('§3(j)/§5.3 unparsable withdrawn routes or NLRI field is SR 3/10', () => {
    expectBgpError(() => upd('', '', {}, '210a00000000'), 3, 10, ''); // withdrawn /33
    expectBgpError(() => upd(BASE, '210a00000000'), 3, 10, ''); // NLRI /33
    expectBgpError(() => upd(BASE, '180a01'), 3, 10, ''); // /24 with 2 bytes
    expectBgpError(() => upd(BASE, NLRI + '18'), 3, 10, ''); // field is not a sum of prefixes
  });

  it('§3(j)/§5.3 unparsable MP NLRI is SR 3/1, or AFI/SAFI-disable when configured', () => {
    const bad = attr(0x80, 14, '0002 01 10' + V6_NH + '00 40 20010db8'); // /64 with 4 bytes
    expectBgpError(() => upd(ORIGIN + AS_PATH4 + bad, ''), 3, 1, bad);
    const o = upd(BASE + bad, NLRI, { mpErrorAction: 'afi-safi-disable' });
    const p = onlyProblem(o, 14, 'afi-safi-disable');
    assert.deepEqual([p.afi, p.safi], [2, 1]);
  });

  it('§4 an attribute overrunning Total Path Attribute Length is TaW, NLRI located via the total', () => {
    const o = upd(BASE + 'c00808' + 'ffff0001', NLRI);
    assertTaW(o, 8, 1, 'c00808ffff0001');
    assert.deepEqual(o.update.nlri, NLRI_V4);
    assert.deepEqual(kinds(o.update.attributes), STD);
  });

  it('§4 fewer than 3 octets left (4 with Extended Length) is TaW', () => {
    assertTaW(upd(BASE + '4001', NLRI), 0, 1, '4001');
    assertTaW(upd(BASE + '500100', NLRI), 0, 1, '500100');
  });

  describe('§4 length 0 is an error except AS_PATH and ATOMIC_AGGREGATE', () => {
    type Expect = 'ok' | ErrorAction;
    const cases: [string, string, Partial<DecodeContext>, Expect][] = [
      ['ORIGIN', '400100' + AS_PATH4 + NEXT_HOP, {}, 'treat-as-withdraw'],
      ['AS_PATH', ORIGIN + '400200' + NEXT_HOP, {}, 'ok'],
      ['NEXT_HOP', ORIGIN + AS_PATH4 + '400300', {}, 'treat-as-withdraw'],
      ['MULTI_EXIT_DISC', BASE + '800400', {}, 'treat-as-withdraw'],
      ['LOCAL_PREF (iBGP)', BASE + '400500', {}, 'treat-as-withdraw'],
      ['ATOMIC_AGGREGATE', BASE + '400600', {}, 'ok'],
      ['AGGREGATOR', BASE + 'c00700', {}, 'attribute-discard'],
      ['COMMUNITIES', BASE + 'c00800', {}, 'treat-as-withdraw'],
      ['ORIGINATOR_ID (iBGP)', BASE + '800900', {}, 'treat-as-withdraw'],
      ['CLUSTER_LIST (iBGP)', BASE + '800a00', {}, 'treat-as-withdraw'],
      ['MP_REACH_NLRI', BASE + '800e00', {}, 'session-reset'],
      ['MP_UNREACH_NLRI', BASE + '800f00', {}, 'session-reset'],
      ['EXTENDED_COMMUNITIES', BASE + 'c01000', {}, 'treat-as-withdraw'],
      ['AS4_PATH (from a 2-octet speaker)', BASE2 + 'c01100', TWO_OCTET, 'attribute-discard'],
      ['AS4_AGGREGATOR (from a 2-octet speaker)', BASE2 + 'c01200', TWO_OCTET, 'attribute-discard'],
      ['IPV6_EXTENDED_COMMUNITIES', BASE + 'c01900', {}, 'treat-as-withdraw'],
      ['AIGP', BASE + '801a00', {}, 'attribute-discard'],
      ['LARGE_COMMUNITY', BASE + 'c02000', {}, 'treat-as-withdraw'],
      ['ONLY_TO_CUSTOMER', BASE + 'c02300', {}, 'treat-as-withdraw'],
      ['PREFIX_SID', BASE + 'c02800', {}, 'attribute-discard'],
    ];
    for (const [name, attrs, ctx, expected] of cases) {
      it(`${name} of length 0: ${expected}`, () => {
        if (expected === 'session-reset') {
          expectBgpError(() => upd(attrs, NLRI, ctx), 3, 1);
          return;
        }
        const o = upd(attrs, NLRI, ctx);
        if (expected === 'ok') {
          assertClean(o);
          return;
        }
        assert.equal(o.action, expected);
        assert.equal(o.problems.length, 1);
        assert.equal(o.problems[0]!.action, expected);
      });
    }
  });

  it('§5.1 any layout is accepted: MP_REACH last, MP_UNREACH + MP_REACH + withdrawn + NLRI in one UPDATE', () => {
    const unreach = attr(0x80, 15, '0002 01 20 20010db9');
    const o = upd(NEXT_HOP + unreach + AS_PATH4 + ORIGIN + MP_REACH_V6, NLRI, {}, '180a0900');
    assertClean(o);
    assert.deepEqual(kinds(o.update.attributes), ['NEXT_HOP', 'MP_UNREACH_NLRI', 'AS_PATH', 'ORIGIN', 'MP_REACH_NLRI']);
    assert.deepEqual(o.update.withdrawn, [ipv4Nlri(0x0a090000, 24)]);
    assert.deepEqual(o.update.nlri, NLRI_V4);
    assert.deepEqual(findAttribute(o.update.attributes, 'MP_REACH_NLRI')?.nlri, MP_V6_NLRI);
    assert.deepEqual(findAttribute(o.update.attributes, 'MP_UNREACH_NLRI')?.withdrawn, [ipv6Nlri(fromHex('20010db9'), 32)]);
  });

  it('§5.2 no reachable NLRI and an error other than AD: session reset', () => {
    // IPv4 withdrawals only, bad MED: 3/5 with the attribute as data.
    expectBgpError(() => upd('800403000000', '', {}, NLRI), 3, 5, '800403000000');
    // MP_UNREACH withdrawals plus a bad ORIGIN value: 3/6.
    const unreach = attr(0x80, 15, '0002 01 20 20010db8');
    expectBgpError(() => upd(unreach + '40010103' + AS_PATH4, ''), 3, 6, '40010103');
    // MP_REACH whose NLRI are all there is, bad ORIGIN: the NLRI are reachable, so TaW not SR.
    const o = upd('40010103' + AS_PATH4 + MP_REACH_V6, '');
    onlyProblem(o, 1, 'treat-as-withdraw', 6);
  });

  it('§5.2 no reachable NLRI and only AD errors: no session reset', () => {
    const o = upd('40060100', '', {}, NLRI);
    onlyProblem(o, 6, 'attribute-discard');
    assert.deepEqual(o.update.withdrawn, NLRI_V4);
  });

  it('§5.2 both End-of-RIB forms are valid (empty UPDATE, bare MP_UNREACH_NLRI)', () => {
    const empty = decodeWire(msg(2, '00000000'));
    assertClean(empty);
    assert.deepEqual(endOfRibFamily(empty.update), { afi: 1, safi: 1 });
    const bare = upd(MP_UNREACH_V6_EOR, '');
    assertClean(bare);
    assert.deepEqual(endOfRibFamily(bare.update), { afi: 2, safi: 1 });
  });

  it('§6 malformed attributes are reported for the log (reason, raw bytes) and never propagated', () => {
    const agg = 'c007070000fde90a0000';
    const o = upd(BASE + agg + 'c00804ffff0001', NLRI);
    const p = onlyProblem(o, 7, 'attribute-discard', undefined, agg);
    assert.match(p.reason, /AGGREGATOR/);
    const fwd = attributesForForwarding(o.update.attributes);
    assert.deepEqual(kinds(fwd), [...STD, 'COMMUNITIES']);
    const out = reencode({ ...o.update, attributes: fwd });
    assert.ok(!out.includes('c00707'), 'malformed AGGREGATOR not re-encoded');
  });
});

// ---------------------------------------------------------------------------
// §1.2
// ---------------------------------------------------------------------------

describe('robustness §1.2 per-attribute actions', () => {
  describe('type 1 ORIGIN: len≠1, value>2, bad flags → TaW (§7.1)', () => {
    it('len≠1 is TaW 3/5', () => {
      assertTaW(upd('400100' + AS_PATH4 + NEXT_HOP, NLRI), 1, 5, '400100');
      assertTaW(upd('4001020000' + AS_PATH4 + NEXT_HOP, NLRI), 1, 5, '4001020000');
    });
    it('value>2 is TaW 3/6', () => {
      assertTaW(upd('40010103' + AS_PATH4 + NEXT_HOP, NLRI), 1, 6, '40010103');
      assertTaW(upd('400101ff' + AS_PATH4 + NEXT_HOP, NLRI), 1, 6, '400101ff');
      assertClean(upd('40010102' + AS_PATH4 + NEXT_HOP, NLRI));
    });
    it('bad flags (optional, C0) is TaW 3/4', () => {
      assertTaW(upd('c0010100' + AS_PATH4 + NEXT_HOP, NLRI), 1, 4, 'c0010100');
      assertTaW(upd('80010100' + AS_PATH4 + NEXT_HOP, NLRI), 1, 4, '80010100');
    });
  });

  describe('type 2 AS_PATH → TaW (§7.2, RFC 7607)', () => {
    const cases: [string, string, Partial<DecodeContext>][] = [
      ['segment type 0', '40020600010000fde9', {}],
      ['segment type 5', '40020605010000fde9', {}],
      ['segment length 0', '4002020200', {}],
      ['segment overrun (count 2, one ASN)', '40020602020000fde9', {}],
      ['1 stray octet (4-octet)', '40020702010000fde900', {}],
      ['1 stray octet (2-octet)', '4002050201fde900', TWO_OCTET],
      ['AS 0 (4-octet)', '400206020100000000', {}],
      ['AS 0 (2-octet)', '40020402010000', TWO_OCTET],
    ];
    for (const [name, asPath, ctx] of cases) {
      it(`${name} is TaW 3/11`, () => {
        assertTaW(upd(ORIGIN + asPath + NEXT_HOP, NLRI, ctx), 2, 11, asPath);
      });
    }
    it('eBGP with first-AS enforcement: first AS ≠ peer AS is TaW; the peer AS, or no enforcement, is fine', () => {
      const other = attr(0x40, 2, '0201 0000fdea'); // [65002]
      assertTaW(upd(ORIGIN + other + NEXT_HOP, NLRI, { ebgp: true, enforceFirstAs: true, peerAs: 65001 }), 2, 11);
      assertClean(upd(ORIGIN + AS_PATH4 + NEXT_HOP, NLRI, { ebgp: true, enforceFirstAs: true, peerAs: 65001 }));
      assertClean(upd(ORIGIN + other + NEXT_HOP, NLRI, { ebgp: true, peerAs: 65001 }));
      // iBGP: never checked.
      assertClean(upd(ORIGIN + other + NEXT_HOP, NLRI, { ebgp: false, enforceFirstAs: true, peerAs: 65001 }));
    });
  });

  describe('type 3 NEXT_HOP', () => {
    it('len≠4 is TaW 3/5 (§7.3)', () => {
      assertTaW(upd(ORIGIN + AS_PATH4 + '4003030a0000', NLRI), 3, 5, '4003030a0000');
      assertTaW(upd(ORIGIN + AS_PATH4 + '4003050a00000100', NLRI), 3, 5, '4003050a00000100');
    });
    it('semantic errors (own address, martians) ignore the route without a NOTIFICATION (4271 §6.3)', () => {
      const nh = (a: string) => ORIGIN + AS_PATH4 + attr(0x40, 3, a);
      for (const a of ['00000000', '7f000001', 'e0000001', 'f0000001']) {
        const o = upd(nh(a), NLRI);
        assertTaW(o, 3, 8);
      }
      assertTaW(upd(nh('0a000063'), NLRI, { localAddresses: new Set([0x0a000063]) }), 3, 8);
      assertClean(upd(nh('7f000001'), NLRI, { allowLoopbackNextHop: true }));
      assertClean(upd(nh('0a000063'), NLRI, { localAddresses: new Set([0x0a000064]) }));
    });
  });

  it('type 4 MED: len≠4 is TaW 3/5 (§7.4)', () => {
    assertTaW(upd(BASE + '800403000000', NLRI), 4, 5, '800403000000');
    assertTaW(upd(BASE + '8004050000000000', NLRI), 4, 5);
    assert.equal(findAttribute(upd(BASE + '80040400000064', NLRI).update.attributes, 'MULTI_EXIT_DISC')?.med, 100);
  });

  describe('type 5 LOCAL_PREF: from eBGP any → AD; iBGP len≠4 → TaW (§7.5)', () => {
    it('from eBGP, well-formed or not: AD', () => {
      assertAD(upd(BASE + '40050400000064', NLRI, EBGP), 5, STD, '40050400000064');
      assertAD(upd(BASE + '400503000064', NLRI, EBGP), 5, STD, '400503000064');
    });
    it('from eBGP with conflicting flags (C0): still AD', () => {
      assertAD(upd(BASE + 'c0050400000064', NLRI, EBGP), 5, STD, 'c0050400000064');
    });
    it('from iBGP: len≠4 is TaW, len 4 kept', () => {
      assertTaW(upd(BASE + '400503000064', NLRI), 5, 5, '400503000064');
      assertTaW(upd(BASE + '4005050000000064', NLRI), 5, 5);
      const o = upd(BASE + '40050400000064', NLRI);
      assertClean(o);
      assert.equal(findAttribute(o.update.attributes, 'LOCAL_PREF')?.localPref, 100);
    });
  });

  it('type 6 ATOMIC_AGGREGATE: len≠0 is AD (§7.6)', () => {
    assertAD(upd(BASE + '40060100', NLRI), 6, STD, '40060100');
    assertAD(upd(BASE + '400604deadbeef', NLRI), 6, STD);
    assert.deepEqual(kinds(upd(BASE + '400600', NLRI).update.attributes), [...STD, 'ATOMIC_AGGREGATE']);
  });

  describe('type 7 AGGREGATOR: len≠6 (2-octet) / ≠8 (4-octet), AS 0 → AD (§7.7)', () => {
    it('4-octet session: length 5, 6, 7, 9 are AD; length 8 kept', () => {
      for (const v of ['fde90a0000', 'fde90a000001', '00fde90a000001', '0000fde90a00000100']) {
        const a = attr(0xc0, 7, v);
        assertAD(upd(BASE + a, NLRI), 7, STD, a);
      }
      const o = upd(BASE + 'c007080000fde90a000001', NLRI);
      assertClean(o);
      assert.deepEqual(findAttribute(o.update.attributes, 'AGGREGATOR'), { kind: 'AGGREGATOR', asn: 65001, address: 0x0a000001 });
    });
    it('2-octet session: length 8 and 5 are AD; length 6 kept', () => {
      for (const v of ['0000fde90a000001', 'fde90a0000']) {
        const a = attr(0xc0, 7, v);
        assertAD(upd(BASE2 + a, NLRI, TWO_OCTET), 7, STD, a);
      }
      const o = upd(BASE2 + 'c00706fde90a000001', NLRI, TWO_OCTET);
      assertClean(o);
      assert.equal(findAttribute(o.update.attributes, 'AGGREGATOR')?.asn, 65001);
    });
    it('AS 0 is AD in both encodings', () => {
      assertAD(upd(BASE + 'c00708000000000a000001', NLRI), 7, STD);
      assertAD(upd(BASE2 + 'c0070600000a000001', NLRI, TWO_OCTET), 7, STD);
    });
  });

  it('type 8 COMMUNITIES: len 0 or not a multiple of 4 is TaW (§7.8)', () => {
    assertTaW(upd(BASE + 'c00800', NLRI), 8);
    assertTaW(upd(BASE + 'c00806ffff00010000', NLRI), 8, undefined, 'c00806ffff00010000');
    assert.deepEqual(findAttribute(upd(BASE + 'c00808ffff0001ffffff01', NLRI).update.attributes, 'COMMUNITIES')?.communities, [
      0xffff0001, 0xffffff01,
    ]);
  });

  describe('types 9/10 ORIGINATOR_ID / CLUSTER_LIST: from eBGP any → AD; iBGP malformed → TaW (§7.9-10)', () => {
    it('from eBGP, well-formed or not: AD', () => {
      assertAD(upd(BASE + '8009040a000009', NLRI, EBGP), 9, STD, '8009040a000009');
      assertAD(upd(BASE + '8009030a0000', NLRI, EBGP), 9, STD);
      assertAD(upd(BASE + '800a040a000009', NLRI, EBGP), 10, STD);
      assertAD(upd(BASE + '800a050a00000900', NLRI, EBGP), 10, STD);
    });
    it('from eBGP with conflicting flags (40): still AD', () => {
      assertAD(upd(BASE + '4009040a000009', NLRI, EBGP), 9, STD);
      assertAD(upd(BASE + '400a040a000009', NLRI, EBGP), 10, STD);
    });
    it('from iBGP: ORIGINATOR_ID len≠4 is TaW', () => {
      assertTaW(upd(BASE + '8009030a0000', NLRI), 9, 5, '8009030a0000');
      assertTaW(upd(BASE + '8009050a00000900', NLRI), 9);
    });
    it('from iBGP: CLUSTER_LIST len 0 or not a multiple of 4 is TaW', () => {
      assertTaW(upd(BASE + '800a00', NLRI), 10);
      assertTaW(upd(BASE + '800a050a00000900', NLRI), 10, 5, '800a050a00000900');
      const o = upd(BASE + '8009040a000009' + '800a080a0000090a00000a', NLRI);
      assertClean(o);
      assert.deepEqual(findAttribute(o.update.attributes, 'CLUSTER_LIST')?.clusterList, [0x0a000009, 0x0a00000a]);
    });
  });

  describe('types 14/15 MP_REACH / MP_UNREACH: SR 3/1 or AFI/SAFI-disable (§7.11-12)', () => {
    it('next hop length wrong for the AFI/SAFI is SR 3/1', () => {
      for (const a of [
        attr(0x80, 14, '0001 01 05 0a00000100 00 180a0200'), // IPv4 unicast, 5-byte next hop
        attr(0x80, 14, '0002 01 04 0a000001 00 20 20010db8'), // IPv6 unicast, 4-byte next hop
      ]) {
        expectBgpError(() => upd(ORIGIN + AS_PATH4 + a, ''), 3, 1, a);
      }
    });
    it('truncated is SR 3/1', () => {
      for (const a of ['800e020002', '800e03000201', '800e0400020110', '800f020002']) {
        expectBgpError(() => upd(ORIGIN + AS_PATH4 + a, ''), 3, 1, a);
      }
    });
    it('unparsable NLRI is SR 3/1 (MP_REACH and MP_UNREACH)', () => {
      const reach = attr(0x80, 14, '0002 01 10' + V6_NH + '00 81' + '00'.repeat(17));
      const unreach = attr(0x80, 15, '0002 01 30 20010d');
      expectBgpError(() => upd(ORIGIN + AS_PATH4 + reach, ''), 3, 1, reach);
      expectBgpError(() => upd(unreach, ''), 3, 1, unreach);
    });
    it('with afi-safi-disable configured the family is disabled instead', () => {
      const unreach = attr(0x80, 15, '0002 01 30 20010d');
      const o = upd(BASE + unreach, NLRI, { mpErrorAction: 'afi-safi-disable' });
      const p = onlyProblem(o, 15, 'afi-safi-disable', 1, unreach);
      assert.deepEqual([p.afi, p.safi], [2, 1]);
      assert.deepEqual(kinds(o.update.attributes), STD);
    });
  });

  describe('types 16/25 EXTENDED_COMMUNITIES / IPv6 ext. comm.: len 0 or %8 / %20 → TaW (§7.14-15)', () => {
    it('EXTENDED_COMMUNITIES of length 0 or 9 is TaW; unknown types and sub-types are kept', () => {
      assertTaW(upd(BASE + 'c01000', NLRI), 16);
      assertTaW(upd(BASE + 'c01009' + '000200fde9000000' + '64', NLRI), 16);
      const o = upd(BASE + 'c01010' + 'abcd010203040506' + '0002fde900000064', NLRI);
      assertClean(o);
      assert.deepEqual(findAttribute(o.update.attributes, 'EXTENDED_COMMUNITIES')?.communities, [
        { high: 0xabcd0102, low: 0x03040506 },
        { high: 0x0002fde9, low: 100 },
      ]);
    });
    it('IPV6_EXTENDED_COMMUNITIES of length 0 or 21 is TaW; 20 kept', () => {
      assertTaW(upd(BASE + 'c01900', NLRI), 25);
      assertTaW(upd(BASE + 'c01915' + '00'.repeat(21), NLRI), 25);
      const v = '0002' + '20010db8000000000000000000000001' + '0064';
      const o = upd(BASE + attr(0xc0, 25, v), NLRI);
      assertClean(o);
      assert.deepEqual(
        findAttribute(o.update.attributes, 'IPV6_EXTENDED_COMMUNITIES')?.communities.map((c) => toHex(c)),
        [v],
      );
    });
  });

  describe('types 17/18 AS4_PATH / AS4_AGGREGATOR: malformed, or sent by a 4-octet speaker → AD (RFC 6793)', () => {
    const as4Path = attr(0xc0, 17, '0201 000186a0');
    const as4Agg = attr(0xc0, 18, '000186a0 0a000001');
    it('malformed from a 2-octet speaker is AD', () => {
      for (const a of [
        attr(0xc0, 17, '0001 000186a0'), // segment type 0
        attr(0xc0, 17, '0201 00000000'), // AS 0
        attr(0xc0, 17, '0201 000186a0 00'), // stray octet
        attr(0xc0, 18, '000186a0 0a0000'), // length 7
        attr(0xc0, 18, '00000000 0a000001'), // AS 0
      ]) {
        assertAD(upd(BASE2 + a, NLRI, TWO_OCTET), a.startsWith('c011') ? 17 : 18, STD, a);
      }
    });
    it('well-formed from a 2-octet speaker is kept', () => {
      const o = upd(BASE2 + as4Path + as4Agg, NLRI, TWO_OCTET);
      assertClean(o);
      assert.deepEqual(kinds(o.update.attributes), [...STD, 'AS4_PATH', 'AS4_AGGREGATOR']);
    });
    it('sent by a 4-octet speaker (even well-formed) is AD', () => {
      assertAD(upd(BASE + as4Path, NLRI), 17, STD, as4Path);
      assertAD(upd(BASE + as4Agg, NLRI), 18, STD, as4Agg);
    });
  });

  it('type 32 LARGE_COMMUNITY: len 0 or not a multiple of 12 is TaW (RFC 8092)', () => {
    assertTaW(upd(BASE + 'c02000', NLRI), 32);
    assertTaW(upd(BASE + 'c0200d' + '0000fde9' + '00000001' + '00000002' + '00', NLRI), 32);
    const o = upd(BASE + 'c0200c' + '0000fde9' + '00000001' + '00000002', NLRI);
    assertClean(o);
    assert.deepEqual(findAttribute(o.update.attributes, 'LARGE_COMMUNITY')?.communities, [
      { globalAdmin: 65001, localData1: 1, localData2: 2 },
    ]);
  });

  it('type 35 ONLY_TO_CUSTOMER: len≠4 is TaW (RFC 9234)', () => {
    assertTaW(upd(BASE + 'c023030000fd', NLRI), 35, undefined, 'c023030000fd');
    assertTaW(upd(BASE + 'c023050000fde900', NLRI), 35);
    assert.equal(findAttribute(upd(BASE + 'c023040000fde9', NLRI).update.attributes, 'ONLY_TO_CUSTOMER')?.asn, 65001);
  });

  describe('types 26/40 AIGP / Prefix-SID: any error → AD, never propagated (RFC 7311/8669)', () => {
    const aigp = '801a0b' + '01000b' + '0000000000000064';
    const sid = 'c0280a' + '010007' + '00' + '0000' + '00000064';
    it('malformed AIGP is AD', () => {
      for (const a of ['801a0a01000a00000000000064', '801a02010b', '801a0b01000c0000000000000064']) {
        assertAD(upd(BASE + a, NLRI), 26, STD, a);
      }
    });
    it('malformed Prefix-SID is AD', () => {
      for (const a of ['c02806000000000000', 'c028060100ff000000', 'c02803010007']) {
        assertAD(upd(BASE + a, NLRI), 40, STD, a);
      }
    });
    it('well-formed ones are kept on receipt but not propagated', () => {
      const o = upd(BASE + aigp + sid, NLRI);
      assertClean(o);
      assert.deepEqual(kinds(o.update.attributes), [...STD, 'UNKNOWN(26)', 'UNKNOWN(40)']);
      assert.deepEqual(kinds(attributesForForwarding(o.update.attributes)), STD);
    });
  });

  it('unrecognised well-known (O=0) is SR 3/2 with the attribute as data', () => {
    expectBgpError(() => upd(BASE + '407f0100', NLRI), 3, 2, '407f0100');
    expectBgpError(() => upd(BASE + '005000', NLRI), 3, 2, '005000');
    expectBgpError(() => upd(BASE + '507f00020102', NLRI), 3, 2, '507f00020102');
  });

  it('unknown optional: T=0 dropped on forwarding; T=1 kept byte-exact with Partial set', () => {
    const t1 = 'c0fe04deadbeef';
    const t0 = '80fd0401020304';
    const bytes = updateMsg(BASE + t1 + t0, NLRI);
    const o = decodeWire(bytes);
    assertClean(o);
    assert.deepEqual(o.update.attributes.slice(3), [
      { kind: 'UNKNOWN', code: 0xfe, flags: 0xc0, value: fromHex('deadbeef') },
      { kind: 'UNKNOWN', code: 0xfd, flags: 0x80, value: fromHex('01020304') },
    ]);
    assert.equal(reencode(o.update), toHex(bytes));
    const fwd = attributesForForwarding(o.update.attributes);
    assert.deepEqual(fwd.slice(3), [{ kind: 'UNKNOWN', code: 0xfe, flags: 0xe0, value: fromHex('deadbeef') }]);
    assert.ok(reencode({ ...o.update, attributes: fwd }).includes('e0fe04deadbeef'));
  });
});

// ---------------------------------------------------------------------------
// §1.3
// ---------------------------------------------------------------------------

describe('robustness §1.3 NOTIFICATION codes', () => {
  const table: [number, number, RegExp][] = [
    [1, 1, /Message Header.*Not Synchronized/i],
    [1, 2, /Message Header.*Bad (Message )?Length/i],
    [1, 3, /Message Header.*Bad (Message )?Type/i],
    [2, 0, /OPEN.*Unspecific/i],
    [2, 1, /OPEN.*Unsupported Version/i],
    [2, 2, /OPEN.*Bad Peer AS/i],
    [2, 3, /OPEN.*Bad BGP Identifier/i],
    [2, 4, /OPEN.*Unsupported Optional Parameter/i],
    [2, 5, /OPEN.*deprecated/i],
    [2, 6, /OPEN.*Unacceptable Hold Time/i],
    [2, 7, /OPEN.*Unsupported Capability/i],
    [2, 8, /OPEN.*deprecated/i],
    [2, 9, /OPEN.*deprecated/i],
    [2, 10, /OPEN.*deprecated/i],
    [2, 11, /OPEN.*Role Mismatch/i],
    [3, 1, /UPDATE.*Malformed Attribute List/i],
    [3, 2, /UPDATE.*Unrecognized Well-known/i],
    [3, 3, /UPDATE.*Missing Well-known/i],
    [3, 4, /UPDATE.*Flags/i],
    [3, 5, /UPDATE.*Length/i],
    [3, 6, /UPDATE.*Invalid ORIGIN/i],
    [3, 7, /UPDATE.*deprecated/i],
    [3, 8, /UPDATE.*Invalid NEXT_HOP/i],
    [3, 9, /UPDATE.*Optional Attr/i],
    [3, 10, /UPDATE.*Invalid Network Field/i],
    [3, 11, /UPDATE.*Malformed AS_PATH/i],
    [4, 0, /Hold Timer Expired/i],
    [5, 0, /(FSM|Finite State Machine).*Unspecified/i],
    [5, 1, /(FSM|Finite State Machine).*OpenSent/i],
    [5, 2, /(FSM|Finite State Machine).*OpenConfirm/i],
    [5, 3, /(FSM|Finite State Machine).*Established/i],
    [6, 1, /Cease.*Maximum Number of Prefixes/i],
    [6, 2, /Cease.*Administrative Shutdown/i],
    [6, 3, /Cease.*Peer De-?configured/i],
    [6, 4, /Cease.*Administrative Reset/i],
    [6, 5, /Cease.*Connection Rejected/i],
    [6, 6, /Cease.*Other Configuration Change/i],
    [6, 7, /Cease.*Collision/i],
    [6, 8, /Cease.*Out of Resources/i],
    [6, 9, /Cease.*Hard Reset/i],
    [6, 10, /Cease.*BFD Down/i],
    [7, 1, /ROUTE-REFRESH.*Invalid Message Length/i],
    [8, 0, /Send Hold Timer Expired/i],
  ];

  it('notificationName names every code/subcode of the table', () => {
    for (const [code, subcode, re] of table) {
      const name = notificationName(code, subcode);
      assert.match(name, re, `${code}/${subcode}`);
      assert.doesNotMatch(name, /unknown|subcode \d/i, `${code}/${subcode}: ${name}`);
    }
    // Row 4 "Hold Timer Expired" and 8 carry no subcode: the name does not invent one.
    assert.doesNotMatch(notificationName(4, 0), /\//);
    assert.doesNotMatch(notificationName(8, 0), /\//);
  });

  it('BgpError messages use the same names', () => {
    const e = new BgpError(3, 11, fromHex('40020100'));
    assert.match(e.message, /Malformed AS_PATH/);
    assert.match(e.toString(), /\(3\/11\) data=40020100/);
  });

  it('1 Header / 2 Bad Length: <19, >4096, each type below its minimum, KEEPALIVE ≠ 19; data = the length', () => {
    const cases: [number, number][] = [
      [18, 2],
      [4097, 2],
      [28, 1],
      [22, 2],
      [20, 3],
      [18, 4],
      [20, 4],
      [22, 5],
    ];
    for (const [len, type] of cases) {
      expectBgpError(() => new Framer().push(rawMsg(len, type, '00'.repeat(Math.max(0, Math.min(len, 64) - 19)))), 1, 2, u16(len));
    }
    // The minimums themselves are legal lengths.
    for (const [len, type] of [
      [29, 1],
      [23, 2],
      [21, 3],
      [19, 4],
      [23, 5],
    ] as const) {
      const f = new Framer();
      assert.equal(f.push(rawMsg(len, type, '00'.repeat(len - 19))).length, 1, `type ${type} length ${len}`);
    }
  });

  it('1 Header / 2 Bad Length with RFC 8654: UPDATE may exceed 4096, OPEN and KEEPALIVE may not', () => {
    const big = rawMsg(5000, 2, '00'.repeat(5000 - 19));
    assert.equal(new Framer(true).push(big).length, 1);
    expectBgpError(() => new Framer(false).push(big), 1, 2, u16(5000));
    expectBgpError(() => new Framer(true).push(rawMsg(4097, 1)), 1, 2, '1001');
    expectBgpError(() => new Framer(true).push(rawMsg(4097, 4)), 1, 2, '1001');
  });

  it('1 Header / 3 Bad Type: data = the type', () => {
    for (const t of [0, 6, 0x2a, 0xff]) expectBgpError(() => new Framer().push(rawMsg(19, t)), 1, 3, u8(t));
  });

  it('6 Cease / 1 Max Prefixes: data is AFI (2), SAFI (1), limit (4)', () => {
    assert.equal(toHex(maxPrefixData(1, 1, 1000)), '0001' + '01' + '000003e8');
    assert.equal(toHex(maxPrefixData(2, 1, 0xfffffffe)), '0002' + '01' + 'fffffffe');
  });

  it('6 Cease / 2 and 4: RFC 9003 communication (length octet + UTF-8); bad length or UTF-8 is an error value, never thrown', () => {
    const cases: [string, { text: string } | 'error' | null][] = [
      ['0602 05 68656c6c6f', { text: 'hello' }],
      ['0604 05 68656c6c6f', { text: 'hello' }],
      ['0602 00', { text: '' }],
      ['0602', null],
      ['0602 05 6869', 'error'], // length beyond the data
      ['0602 ff', 'error'],
      ['0604 09 68656c6c6f', 'error'],
      ['0602 02 c328', 'error'], // bad UTF-8
      ['0602 02 ff41', 'error'],
      ['0604 03 eda080', 'error'], // UTF-8-encoded surrogate
      ['0603 05 68656c6c6f', null], // not a shutdown subcode
    ];
    for (const [body, expected] of cases) {
      const n = notificationOf(msg(3, body));
      let r: ReturnType<typeof shutdownCommunication> = null;
      assert.doesNotThrow(() => {
        r = shutdownCommunication(n);
      }, body);
      if (expected === 'error') {
        assert.ok(r !== null && 'error' in r, `${body}: ${JSON.stringify(r)}`);
        assert.equal(typeof (r as { error: string }).error, 'string');
      } else {
        assert.deepEqual(r, expected, body);
      }
    }
  });

  it('7 ROUTE-REFRESH / 1 Invalid Message Length: data = the whole message', () => {
    const m = msg(5, '0001 01 01 00');
    assert.equal(m.length, 24);
    expectBgpError(() => decodeOne(m), 7, 1, toHex(m));
  });

  it('a NOTIFICATION of any code/subcode decodes without throwing (never answered with a NOTIFICATION)', () => {
    for (let code = 0; code < 256; code++) {
      const n = notificationOf(msg(3, u8(code) + u8(255 - code) + 'ff00'));
      assert.deepEqual([n.code, n.subcode, toHex(n.data)], [code, 255 - code, 'ff00']);
      assert.equal(typeof notificationName(n.code, n.subcode), 'string');
    }
  });
});

// ---------------------------------------------------------------------------
// §2 hostile-input corpus
// ---------------------------------------------------------------------------

const OPEN_HEAD = '04 fde9 00b4 0a000001';
function openBody(params: string, head = OPEN_HEAD): string {
  const p = clean(params);
  return clean(head) + u8(p.length / 2) + p;
}

describe('robustness §2 hostile-input corpus', () => {
  it('row 1: marker byte 0 = 00 is 1/1', () => {
    const m = msg(4);
    m[0] = 0;
    expectBgpError(() => new Framer().push(m), 1, 1);
    const m2 = msg(4);
    m2[15] = 0xfe;
    expectBgpError(() => new Framer().push(m2), 1, 1);
  });

  it('row 1: message type 00 / 2A is 1/3 with data = type', () => {
    expectBgpError(() => new Framer().push(rawMsg(19, 0)), 1, 3, '00');
    expectBgpError(() => new Framer().push(rawMsg(19, 0x2a)), 1, 3, '2a');
  });

  it('row 2: length 0012 or 1001 (no extended messages) is 1/2 with data = length, checked on the header alone', () => {
    expectBgpError(() => new Framer().push(rawMsg(0x12, 2)), 1, 2, '0012');
    // Only the 19 header bytes are pushed: rejected before any body is awaited or buffered.
    expectBgpError(() => new Framer().push(rawMsg(0x1001, 2)), 1, 2, '1001');
  });

  it('row 2: KEEPALIVE of length 20 is 1/2 with data 0014', () => {
    expectBgpError(() => new Framer().push(rawMsg(20, 4, '00')), 1, 2, '0014');
  });

  it('row 2: BoRR/EoRR of length 24 is 7/1 with the whole message as data', () => {
    for (const subtype of ['01', '02']) {
      const m = msg(5, '0001' + subtype + '01' + '00');
      expectBgpError(() => decodeOne(m), 7, 1, toHex(m));
    }
    const ok = decodeOne(msg(5, '00010101'));
    assert.deepEqual(ok.message, { type: 'ROUTE_REFRESH', afi: 1, safi: 1, subtype: 1 });
  });

  it('row 3: a header announcing 4096 followed by 100 bytes returns no frame and holds only those bytes', () => {
    const f = new Framer();
    const first = rawMsg(4096, 2, '00'.repeat(100 - 19));
    assert.equal(first.length, 100);
    assert.deepEqual(f.push(first), []);
    assert.equal(f.buffered, 100);
    // Bounded: the rest arrives, the buffer never exceeds the announced message.
    assert.deepEqual(f.push(new Uint8Array(3995)), []);
    assert.equal(f.buffered, 4095);
    const frames = f.push(new Uint8Array(1));
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.raw.length, 4096);
    assert.equal(f.buffered, 0);
  });

  it('row 3: a valid stream split at every byte boundary parses identically', () => {
    const stream = concat(
      msg(1, openBody('02 06 01 04 00010001 02 06 41 04 0000fde9')),
      msg(4),
      updateMsg(BASE + MP_REACH_V6 + 'c00804ffff0001', NLRI, '180a0900'),
      msg(5, '00010001'),
      updateMsg('', ''),
      msg(3, '0602 05 68656c6c6f'),
      msg(4),
    );
    const ctx = decodeContext();
    const ref = new Framer().push(stream);
    assert.equal(ref.length, 7);
    const refHex = ref.map((x) => toHex(x.raw));
    const refDecoded = ref.map((x) => decodeMessage(x, ctx));
    assert.deepEqual(
      refDecoded.map((d) => d.message.type),
      ['OPEN', 'KEEPALIVE', 'UPDATE', 'ROUTE_REFRESH', 'UPDATE', 'NOTIFICATION', 'KEEPALIVE'],
    );
    for (let i = 0; i <= stream.length; i++) {
      const f = new Framer();
      const frames = [...f.push(stream.subarray(0, i)), ...f.push(stream.subarray(i))];
      assert.deepEqual(
        frames.map((x) => toHex(x.raw)),
        refHex,
        `split at ${i}`,
      );
      assert.deepEqual(
        frames.map((x) => decodeMessage(x, ctx)),
        refDecoded,
        `split at ${i}`,
      );
      assert.equal(f.buffered, 0);
    }
    // One byte at a time.
    const f = new Framer();
    const frames = [];
    for (let i = 0; i < stream.length; i++) frames.push(...f.push(stream.subarray(i, i + 1)));
    assert.deepEqual(
      frames.map((x) => toHex(x.raw)),
      refHex,
    );
  });

  it('row 4: OPEN with version 3, My AS 0 / 23456 without 4-octet capability, hold 0/1/2, BGP ID 0 decodes (validation: session issue)', () => {
    const o = (head: string) => openOf(msg(1, openBody('', head)));
    assert.equal(o('03 fde9 00b4 0a000001').version, 3);
    assert.equal(o('04 0000 00b4 0a000001').myAs, 0);
    const trans = o('04 5ba0 00b4 0a000001');
    assert.equal(trans.myAs, AS_TRANS);
    assert.deepEqual(openCapabilities(trans), []);
    for (const hold of [0, 1, 2]) assert.equal(o(`04 fde9 ${u16(hold)} 0a000001`).holdTime, hold);
    assert.equal(o('04 fde9 00b4 00000000').bgpId, 0);
  });

  it('row 5: FF×16 001D 01 04 0002 00F0 C0A8386B FF (opt-len 255, no data) is 2/0 or 1/2 without over-read', () => {
    const m = fromHex(MARKER + clean('001D 01 04 0002 00F0 C0A8386B FF'));
    let caught: unknown;
    try {
      decodeOne(m);
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof BgpError, String(caught));
    assert.ok(
      (caught.code === 2 && caught.subcode === 0) || (caught.code === 1 && caught.subcode === 2),
      caught.toString(),
    );
  });

  it('row 6: RFC 9072 form (opt-len FF, type FF) with the extended length past the end is rejected 2/0', () => {
    const head = clean(OPEN_HEAD);
    // Extended length 0x0100 with 1 byte present.
    expectBgpError(() => decodeOne(msg(1, head + 'ff ff 0100 02')), 2, 0);
    // Extended length field itself cut short.
    expectBgpError(() => decodeOne(msg(1, head + 'ff ff 00')), 2, 0);
    // A parameter inside the extended block whose 2-byte length runs past it.
    expectBgpError(() => decodeOne(msg(1, head + 'ff ff 0005 02 0010 0104')), 2, 0);
    // Control: a well-formed RFC 9072 OPEN.
    const open = openOf(msg(1, head + 'ff ff 0009 02 0006 01040001 0001'));
    assert.equal(open.extendedParameters, true);
    assert.deepEqual(openCapabilities(open), [{ kind: 'MULTIPROTOCOL', afi: 1, safi: 1 }]);
    // decodeOpen directly gives the same answer.
    expectBgpError(() => decodeOpen(fromHex(head + 'ffff0100')), 2, 0);
  });

  it('row 7: a capability longer than its parameter is 2/0', () => {
    expectBgpError(() => decodeOne(msg(1, openBody('02 04 41 04 0000'))), 2, 0);
    expectBgpError(() => decodeOne(msg(1, openBody('02 04 4b 40 4142'))), 2, 0); // SW version too long
    expectBgpError(() => decodeOne(msg(1, openBody('02 03 41'))), 2, 0); // header cut
  });

  it('row 7: 4-octet AS capability of length ≠ 4 is ignored and the cursor advances', () => {
    for (const bad of ['41 03 00fde9', '41 05 0000fde900', '41 00']) {
      const caps = clean(bad) + '010400010001';
      const open = openOf(msg(1, openBody('02' + u8(caps.length / 2) + caps)));
      const got = openCapabilities(open);
      assert.equal(got.length, 2, bad);
      const first = got[0]!;
      assert.ok(first.kind === 'UNKNOWN' && first.code === 65 && typeof first.malformed === 'string', bad);
      assert.deepEqual(got[1], { kind: 'MULTIPROTOCOL', afi: 1, safi: 1 });
    }
  });

  it('row 7: software-version capability of length 0 or long, zero-length GR / dynamic capability: ignored, cursor advances', () => {
    const cases: [string, number, boolean][] = [
      ['4b 00', 75, false],
      ['4b 80 ' + '41'.repeat(128), 75, false],
      ['40 00', 64, true],
      ['40 03 000078', 64, true],
      ['43 00', 67, false],
    ];
    for (const [cap, code, malformed] of cases) {
      const caps = clean(cap) + '41040000fde9';
      const open = openOf(msg(1, openBody('02' + u8(caps.length / 2) + caps)));
      const got = openCapabilities(open);
      assert.equal(got.length, 2, cap);
      const first = got[0]!;
      assert.ok(first.kind === 'UNKNOWN' && first.code === code, cap);
      assert.equal(first.malformed !== undefined, malformed, cap);
      assert.deepEqual(got[1], { kind: 'FOUR_OCTET_AS', asn: 65001 });
    }
  });

  it('row 8: UPDATE and OPEN frames decode regardless of state; 5/1-5/3 names exist (FSM: session issue)', () => {
    assertClean(upd(BASE, NLRI));
    assert.equal(openOf(msg(1, openBody(''))).type, 'OPEN');
    for (const s of [1, 2, 3]) assert.match(new BgpError(5, s).message, /Unexpected Message/i);
  });

  it('row 9: UPDATE length 23 with withdrawn length FFFF is SR 3/1', () => {
    const m = msg(2, 'ffff0000');
    assert.equal(m.length, 23);
    expectBgpError(() => decodeWire(m), 3, 1, '');
  });

  it('row 9: two MP_REACH_NLRI is SR 3/1', () => {
    expectBgpError(() => upd(ORIGIN + AS_PATH4 + MP_REACH_V6 + MP_REACH_V6, ''), 3, 1);
  });

  it('row 10: IPv4 prefix length 0x21, or prefix bytes past the end, is SR 3/10', () => {
    expectBgpError(() => upd(BASE, '21 0a010000 00'), 3, 10);
    expectBgpError(() => upd('', '', {}, '21 0a010000 00'), 3, 10);
    expectBgpError(() => upd(BASE, '200a0100'), 3, 10);
    expectBgpError(() => upd('', '', {}, '200a0100'), 3, 10);
  });

  it('row 11: MP_REACH AFI 2 with next hop length 09 is SR 3/1', () => {
    const a = attr(0x80, 14, '0002 01 09 20010db8000000000a 00 20 20010db8');
    expectBgpError(() => upd(ORIGIN + AS_PATH4 + a, ''), 3, 1, a);
  });

  it('row 11: MP_REACH next hop length 40 with 17 bytes left is SR 3/1', () => {
    const a = attr(0x80, 14, '0002 01 40' + '11'.repeat(17));
    expectBgpError(() => upd(ORIGIN + AS_PATH4 + a, ''), 3, 1, a);
  });

  it('row 11: 80 0E 0C 0002 01 10 20010db800000000 is SR 3/1', () => {
    const a = clean('80 0E 0C 0002 01 10 20010db800000000');
    expectBgpError(() => upd(ORIGIN + AS_PATH4 + a, ''), 3, 1, a);
  });

  it('row 12: 80 0F 08 0002 01 40 20010db8 is SR 3/1', () => {
    const a = clean('80 0F 08 0002 01 40 20010db8');
    expectBgpError(() => upd(a, ''), 3, 1, a);
    expectBgpError(() => upd(ORIGIN + AS_PATH4 + a, ''), 3, 1, a);
  });

  it('row 12: MP_UNREACH plus stray (unparsable) NLRI and no mandatory attributes is SR, no crash', () => {
    const unreach = attr(0x80, 15, '0002 01 20 20010db8');
    expectBgpError(() => upd(unreach, '180a01'), 3, 10);
    expectBgpError(() => upd(unreach, '0a'), 3, 10);
  });

  it('row 13: unknown well-known 40 7F 01 00 is SR 3/2', () => {
    expectBgpError(() => upd(BASE + '407f0100', NLRI), 3, 2, '407f0100');
    expectBgpError(() => upd('407f0100', ''), 3, 2, '407f0100');
  });

  it('row 14: no reachable NLRI + bad MED is SR', () => {
    expectBgpError(() => upd(ORIGIN + AS_PATH4 + NEXT_HOP + '800403000000', ''), 3, 5, '800403000000');
    expectBgpError(() => upd('800403000000', '', {}, NLRI), 3, 5, '800403000000');
  });

  it('row 14: End-of-RIB + a bad attribute is SR', () => {
    expectBgpError(() => upd(MP_UNREACH_V6_EOR + '800403000000', ''), 3, 5, '800403000000');
    expectBgpError(() => upd('800403000000', ''), 3, 5, '800403000000');
    expectBgpError(() => upd(MP_UNREACH_V6_EOR + '40010103', ''), 3, 6, '40010103');
  });

  it('row 15: ORIGIN 40 01 01 03 is TaW', () => {
    assertTaW(upd('40010103' + AS_PATH4 + NEXT_HOP, NLRI), 1, 6, '40010103');
  });

  it('row 15: ORIGIN 40 01 00 is TaW', () => {
    assertTaW(upd('400100' + AS_PATH4 + NEXT_HOP, NLRI), 1, 5, '400100');
  });

  it('row 15: ORIGIN with flags C0 is TaW', () => {
    assertTaW(upd('c0010100' + AS_PATH4 + NEXT_HOP, NLRI), 1, 4, 'c0010100');
  });

  it('row 15: ORIGIN with flags 60 (Partial on a well-known attribute) is TaW', () => {
    assertTaW(upd('60010100' + AS_PATH4 + NEXT_HOP, NLRI), 1, 4, '60010100');
  });

  it('row 16: AS_PATH 40 02 06 00 01 0000FDE9 (segment type 0) is TaW', () => {
    assertTaW(upd(ORIGIN + '40020600010000FDE9' + NEXT_HOP, NLRI), 2, 11, '40020600010000fde9');
  });

  it('row 16: AS_PATH 40 02 02 02 00 (empty segment) is TaW', () => {
    assertTaW(upd(ORIGIN + '4002020200' + NEXT_HOP, NLRI), 2, 11, '4002020200');
  });

  it('row 16: AS_PATH segment length FF is TaW', () => {
    assertTaW(upd(ORIGIN + '40020602ff0000fde9' + NEXT_HOP, NLRI), 2, 11);
    assertTaW(upd(ORIGIN + '40020402fffde9' + NEXT_HOP, NLRI, TWO_OCTET), 2, 11);
  });

  it('row 16: AS_PATH containing AS 0 is TaW', () => {
    assertTaW(upd(ORIGIN + '40020a02020000fde900000000' + NEXT_HOP, NLRI), 2, 11);
  });

  it('row 17: zero-length AS_PATH from an external (confederation) peer does not throw', () => {
    const o = upd(ORIGIN + '400200' + NEXT_HOP, NLRI, { ebgp: true, peerAs: 65001 });
    assertClean(o);
    assert.deepEqual(findAttribute(o.update.attributes, 'AS_PATH')?.segments, []);
    // With first-AS enforcement an empty path cannot start with the peer AS.
    assertTaW(upd(ORIGIN + '400200' + NEXT_HOP, NLRI, { ebgp: true, enforceFirstAs: true, peerAs: 65001 }), 2);
  });

  it('row 17: AS4_PATH longer than AS_PATH is ignored', () => {
    const as4 = attr(0xc0, 17, '0202 0000fde9 000186a0');
    const o = upd(BASE2 + as4, NLRI, TWO_OCTET);
    assertClean(o);
    assert.deepEqual(reconcileAs4(o.update.attributes).asPath, [{ type: 2, asns: [65001] }]);
    // Control: a shorter AS4_PATH replaces the tail.
    const o2 = upd(ORIGIN + attr(0x40, 2, '0202 fde9 5ba0') + NEXT_HOP + attr(0xc0, 17, '0201 000186a0'), NLRI, TWO_OCTET);
    assert.deepEqual(reconcileAs4(o2.update.attributes).asPath, [{ type: 2, asns: [65001, 100000] }]);
  });

  it('row 18: NEXT_HOP of length 3 or 5 is TaW', () => {
    assertTaW(upd(ORIGIN + AS_PATH4 + '4003030a0000', NLRI), 3, 5);
    assertTaW(upd(ORIGIN + AS_PATH4 + '4003050a00000100', NLRI), 3, 5);
  });

  it('row 18: NEXT_HOP 0.0.0.0 / 127.0.0.1 / 224.0.0.1 / own address: route dropped silently', () => {
    for (const [nh, opts] of [
      ['00000000', {}],
      ['7f000001', {}],
      ['e0000001', {}],
      ['0a000001', { localAddresses: new Set([0x0a000001]) }],
    ] as const) {
      const o = upd(ORIGIN + AS_PATH4 + attr(0x40, 3, nh), NLRI, opts);
      assertTaW(o, 3, 8);
    }
  });

  it('row 19: MED 80 04 03 000000 is TaW', () => {
    assertTaW(upd(BASE + '800403000000', NLRI), 4, 5, '800403000000');
  });

  it('row 19: iBGP LOCAL_PREF of length 3 is TaW', () => {
    assertTaW(upd(BASE + '400503000064', NLRI, { ebgp: false }), 5, 5, '400503000064');
  });

  it('row 19: eBGP LOCAL_PREF is AD', () => {
    assertAD(upd(BASE + '40050400000064', NLRI, EBGP), 5, STD, '40050400000064');
  });

  it('row 20: COMMUNITIES C0 08 05 FFFF000100 is TaW', () => {
    assertTaW(upd(BASE + 'C00805FFFF000100', NLRI), 8, undefined, 'c00805ffff000100');
  });

  it('row 20: EXTENDED_COMMUNITIES of length 9 is TaW', () => {
    assertTaW(upd(BASE + 'c01009' + '000200fde900000064', NLRI), 16);
  });

  it('row 20: LARGE_COMMUNITY of length 13 is TaW', () => {
    assertTaW(upd(BASE + 'c0200d' + '00'.repeat(13), NLRI), 32);
  });

  it('row 20: OTC C0 23 03 0000FD is TaW', () => {
    assertTaW(upd(BASE + 'C023030000FD', NLRI), 35, undefined, 'c023030000fd');
  });

  it('row 21: ORIGINATOR_ID length 3 / CLUSTER_LIST length 5: AD from eBGP, TaW from iBGP', () => {
    assertAD(upd(BASE + '8009030a0000', NLRI, EBGP), 9, STD);
    assertAD(upd(BASE + '800a050a00000900', NLRI, EBGP), 10, STD);
    assertTaW(upd(BASE + '8009030a0000', NLRI), 9);
    assertTaW(upd(BASE + '800a050a00000900', NLRI), 10);
  });

  it('row 21: CLUSTER_LIST holding our cluster id (or ORIGINATOR_ID = our router id) is a loop: route dropped', () => {
    assertTaW(upd(BASE + '800a080a0000090a000063', NLRI, { clusterId: 0x0a000063 }), 10);
    assertClean(upd(BASE + '800a080a0000090a000063', NLRI, { clusterId: 0x0a000064 }));
    assertTaW(upd(BASE + '8009040a000063', NLRI, { routerId: 0x0a000063 }), 9);
  });

  it('row 22: last attribute running past Total Path Attribute Length is TaW, NLRI found via the total', () => {
    const o = upd(BASE + '80040800000064', NLRI); // MED claims 8, 4 present
    assertTaW(o, 4, 1);
    assert.deepEqual(o.update.nlri, NLRI_V4);
    const o2 = upd(BASE + '80040800000064', '180a010010ac10');
    assert.equal(o2.action, 'treat-as-withdraw');
    assert.deepEqual(o2.update.nlri, [ipv4Nlri(0x0a010000, 24), ipv4Nlri(0xac100000, 16)]);
  });

  it('row 22: two stray octets at the end of the attribute list are TaW, NLRI found via the total', () => {
    const o = upd(BASE + '4001', NLRI);
    assertTaW(o, 0, 1, '4001');
    assert.deepEqual(kinds(o.update.attributes), STD);
  });

  it('row 23: NLRI with only an unknown transitive attribute is TaW (missing mandatory)', () => {
    const o = upd('c0fe04deadbeef', NLRI);
    assert.equal(o.action, 'treat-as-withdraw');
    assert.deepEqual(
      o.problems.map((p) => [p.code, p.action, p.subcode, toHex(p.data)]),
      [1, 2, 3].map((c) => [c, 'treat-as-withdraw', 3, u8(c)]),
    );
    assert.deepEqual(o.update.nlri, NLRI_V4);
  });

  it('row 24: ATOMIC_AGGREGATE 40 06 01 00 is AD', () => {
    assertAD(upd(BASE + '40060100', NLRI), 6, STD, '40060100');
  });

  it('row 24: AGGREGATOR of length 5/7/9 or AS 0 is AD', () => {
    for (const a of ['c00705fde90a0000', 'c0070700fde90a000001', 'c007090000fde90a00000100', 'c00708000000000a000001']) {
      assertAD(upd(BASE + a, NLRI), 7, STD, a);
    }
  });

  it('row 24: AS4_AGGREGATOR of length 7 is AD', () => {
    const a = 'c01207000186a00a0000';
    assertAD(upd(BASE2 + a, NLRI, TWO_OCTET), 18, STD, a);
    assertAD(upd(BASE + a, NLRI), 18, STD, a);
  });

  it('row 24: duplicate ORIGIN: the first is kept', () => {
    const o = upd('40010102' + AS_PATH4 + NEXT_HOP + '40010100', NLRI);
    onlyProblem(o, 1, 'attribute-discard');
    assert.equal(findAttribute(o.update.attributes, 'ORIGIN')?.origin, 2);
    assert.deepEqual(kinds(o.update.attributes), STD);
  });

  it('row 25: all-zero Prefix-SID and C0 28 06 0100FF000000 are AD, not propagated', () => {
    for (const a of ['c02806000000000000', 'C028060100FF000000']) {
      const o = upd(BASE + a, NLRI);
      assertAD(o, 40, STD, a);
      assert.deepEqual(kinds(attributesForForwarding(o.update.attributes)), STD);
    }
  });

  it('row 25: AIGP TLV length ≠ 11 is AD', () => {
    for (const a of ['801a0a01000a00000000000064', '801a0c01000c000000000000006400']) {
      assertAD(upd(BASE + a, NLRI), 26, STD, a);
    }
  });

  it('row 25: short link-bandwidth extended community: no over-read, TaW by the §1.2 length rule', () => {
    assertTaW(upd(BASE + 'c0100440040000', NLRI), 16);
    assertTaW(upd(BASE + 'c0100740044e20000000', NLRI), 16);
    const o = upd(BASE + 'c010084004fde944fa0000', NLRI); // 8 bytes: kept as is
    assertClean(o);
    assert.deepEqual(findAttribute(o.update.attributes, 'EXTENDED_COMMUNITIES')?.communities, [{ high: 0x4004fde9, low: 0x44fa0000 }]);
  });

  it('row 26: Tunnel Encapsulation C0 17 06 0007000401FF is kept as an unknown transitive (byte-exact, Partial on export)', () => {
    const a = 'C017060007000401FF';
    const bytes = updateMsg(BASE + a, NLRI);
    const o = decodeWire(bytes);
    assertClean(o);
    assert.deepEqual(o.update.attributes[3], { kind: 'UNKNOWN', code: 23, flags: 0xc0, value: fromHex('0007000401ff') });
    assert.equal(reencode(o.update), toHex(bytes));
    const fwd = attributesForForwarding(o.update.attributes);
    assert.deepEqual(fwd[3], { kind: 'UNKNOWN', code: 23, flags: 0xe0, value: fromHex('0007000401ff') });
  });

  it('row 27: reserved flag bits (AGGREGATOR flags C8) are ignored, kept on receipt, cleared on export', () => {
    const bytes = updateMsg(BASE + 'c807080000fde90a000001', NLRI);
    const o = decodeWire(bytes);
    assertClean(o);
    const agg = findAttribute(o.update.attributes, 'AGGREGATOR');
    assert.equal(agg?.asn, 65001);
    assert.equal(agg?.address, 0x0a000001);
    assert.equal(reencode(o.update), toHex(bytes));
    const fwd = findAttribute(attributesForForwarding(o.update.attributes), 'AGGREGATOR');
    assert.equal((fwd?.flags ?? 0xc0) & 0x0f, 0);
  });

  it('row 27: Extended-Length ORIGIN 50 01 0001 00 is valid', () => {
    const bytes = updateMsg('5001000100' + AS_PATH4 + NEXT_HOP, NLRI);
    const o = decodeWire(bytes);
    assertClean(o);
    assert.equal(findAttribute(o.update.attributes, 'ORIGIN')?.origin, 0);
    assert.equal(reencode(o.update), toHex(bytes));
  });

  it('row 28: unknown C0 FE 04 DEADBEEF kept + Partial; 80 FD 04 .. dropped; re-encoding is byte-exact', () => {
    const bytes = updateMsg(BASE + 'C0FE04DEADBEEF' + '80FD0401020304', NLRI);
    const o = decodeWire(bytes);
    assertClean(o);
    assert.equal(reencode(o.update), toHex(bytes));
    const fwd = attributesForForwarding(o.update.attributes);
    assert.deepEqual(kinds(fwd), [...STD, 'UNKNOWN(254)']);
    const out = reencode({ ...o.update, attributes: fwd });
    assert.ok(out.includes('e0fe04deadbeef'), out);
    assert.ok(!out.includes('fd0401020304'), out);
  });

  it('row 29: an AS_PATH of 3000 ASNs in an extended message decodes; without RFC 8654 the length is 1/2', () => {
    let segs = '';
    const asns: number[] = [];
    for (let s = 0; s < 12; s++) {
      segs += '02fa';
      for (let i = 0; i < 250; i++) {
        const asn = 64512 + s * 250 + i;
        asns.push(asn);
        segs += u32(asn);
      }
    }
    const bytes = updateMsg(ORIGIN + attr(0x50, 2, segs) + NEXT_HOP, NLRI);
    assert.ok(bytes.length > 4096);
    const o = decodeWire(bytes, { extendedMessage: true });
    assertClean(o);
    const path = findAttribute(o.update.attributes, 'AS_PATH');
    assert.equal(path?.segments.length, 12);
    assert.deepEqual(path?.segments.flatMap((s) => s.asns), asns);
    expectBgpError(() => new Framer(false).push(bytes), 1, 2, u16(bytes.length));
  });

  it('row 29: exporting a path of more than 255 ASNs splits segments and recomputes lengths', () => {
    const asns = Array.from({ length: 300 }, (_, i) => 65000 + i);
    const u: UpdateMessage = {
      type: 'UPDATE',
      withdrawn: [],
      attributes: [
        { kind: 'ORIGIN', origin: 0 },
        { kind: 'AS_PATH', segments: [{ type: 2, asns }] },
        { kind: 'NEXT_HOP', nextHop: 0x0a000001 },
      ],
      nlri: NLRI_V4,
    };
    const o = decodeWire(encodeUpdate(u, codecContext()));
    assertClean(o);
    const path = findAttribute(o.update.attributes, 'AS_PATH');
    assert.deepEqual(path?.segments.map((s) => [s.type, s.asns.length]), [
      [2, 255],
      [2, 45],
    ]);
    assert.deepEqual(path?.segments.flatMap((s) => s.asns), asns);
  });

  it('row 29: a 4-octet path sent to a 2-octet peer uses AS_TRANS plus AS4_PATH/AS4_AGGREGATOR and reconciles back', () => {
    const attrs: PathAttribute[] = [
      { kind: 'ORIGIN', origin: 0 },
      { kind: 'AS_PATH', segments: [{ type: 2, asns: [65001, 100000] }] },
      { kind: 'NEXT_HOP', nextHop: 0x0a000001 },
      { kind: 'AGGREGATOR', asn: 100000, address: 0x0a000002 },
    ];
    const bytes = encodeUpdate({ type: 'UPDATE', withdrawn: [], attributes: attributesForTwoOctetPeer(attrs), nlri: NLRI_V4 }, codecContext({ fourOctetAs: false }));
    const o = decodeWire(bytes, TWO_OCTET);
    assertClean(o);
    assert.deepEqual(findAttribute(o.update.attributes, 'AS_PATH')?.segments, [{ type: 2, asns: [65001, AS_TRANS] }]);
    assert.equal(findAttribute(o.update.attributes, 'AGGREGATOR')?.asn, AS_TRANS);
    const r = reconcileAs4(o.update.attributes);
    assert.deepEqual(r.asPath, [{ type: 2, asns: [65001, 100000] }]);
    assert.deepEqual(r.aggregator, { asn: 100000, address: 0x0a000002 });
  });

  it('row 30: Cease 6/2 with a communication length beyond the data, or bad UTF-8, is logged safely', () => {
    for (const body of ['0602 05 6869', '0602 02 c328']) {
      const n = notificationOf(msg(3, body));
      const r = shutdownCommunication(n);
      assert.ok(r !== null && 'error' in r, `${body}: ${JSON.stringify(r)}`);
    }
  });

  it('row 30: unknown code/subcode decodes and is named without throwing', () => {
    const n = notificationOf(msg(3, '2a63 0102'));
    assert.deepEqual([n.code, n.subcode, toHex(n.data)], [0x2a, 0x63, '0102']);
    const name = notificationName(n.code, n.subcode);
    assert.match(name, /42/);
    assert.match(name, /99/);
    assert.match(notificationName(6, 99), /Cease.*99/);
  });

  it('row 30: our NOTIFICATIONs carry exactly the data given, no uninitialised bytes', () => {
    const e = expectBgpError(() => new Framer().push(rawMsg(0x1001, 2)), 1, 2, '1001');
    const wire = encodeNotification({ type: 'NOTIFICATION', code: e.code, subcode: e.subcode, data: e.data });
    assert.equal(toHex(wire), MARKER + '0017' + '03' + '0102' + '1001');
    const cease = ceaseWithCommunication(2, 'é'.repeat(200)); // 400 bytes of UTF-8, cut at a character boundary
    assert.ok(cease.data.length <= 256);
    assert.equal(cease.data[0], cease.data.length - 1);
    assert.equal((cease.data[0]! & 1), 0, 'whole two-byte characters only');
    const back = notificationOf(encodeNotification(cease));
    assert.deepEqual(shutdownCommunication(back), { text: 'é'.repeat(cease.data[0]! / 2) });
  });

  it('row 31: ROUTE-REFRESH with a truncated ORF (length ≠ 23) is SR 7/1', () => {
    const m = msg(5, '0001 00 01 40 0003 01');
    expectBgpError(() => decodeOne(m), 7, 1, toHex(m));
  });

  it('row 31: flowspec NLRI of length 0 / under 20 bytes, label stack past the end: ignored (kept raw), no throw', () => {
    const cases = [
      attr(0x80, 14, '0001 85 00 00 00'), // IPv4 flowspec, NLRI length 0
      attr(0x80, 14, '0001 85 00 00 05 0118 0a01'), // flowspec NLRI cut short
      attr(0x80, 14, '0001 04 04 0a000001 00 38 000011'), // labeled unicast, label stack past the end
    ];
    for (const a of cases) {
      const o = upd(ORIGIN + AS_PATH4 + a, '');
      assert.equal(o.action, 'none', a);
      const mp = findAttribute(o.update.attributes, 'MP_REACH_NLRI');
      assert.ok(mp?.rawNlri, a);
      assert.deepEqual(mp.nlri, []);
    }
  });

  it('row 32: any attribute/total length value never makes the decoder throw anything but BgpError', () => {
    const body = fromHex(updateBody(BASE + '80040400000064' + 'c00804ffff0001' + 'c0fe0101', NLRI, '180a0900'));
    const contexts = [decodeContext(), decodeContext({ ebgp: true, fourOctetAs: false }), decodeContext({ mpErrorAction: 'afi-safi-disable' })];
    let outcomes = 0;
    for (let pos = 0; pos < body.length; pos++) {
      for (let v = 0; v < 256; v++) {
        const b = body.slice();
        b[pos] = v;
        for (const ctx of contexts) {
          try {
            decodeUpdate(b, ctx);
            outcomes++;
          } catch (e) {
            if (!(e instanceof BgpError)) throw new Error(`byte ${pos} = ${v}: ${String(e)}`);
          }
        }
      }
    }
    assert.ok(outcomes > 0);
  });

  it('row 32: odd NEXT_HOP lengths are TaW and a following valid UPDATE is unaffected', () => {
    for (const len of [1, 3, 5, 7]) {
      assertTaW(upd(ORIGIN + AS_PATH4 + attr(0x40, 3, '0a'.repeat(len)), NLRI), 3, 5);
      assertClean(upd(BASE, NLRI));
    }
  });

  it('row 33: Cease 6/1 carries AFI, SAFI and the limit; it encodes and decodes (enforcement: session issue)', () => {
    const data = maxPrefixData(1, 1, 1000);
    const wire = encodeNotification({ type: 'NOTIFICATION', code: 6, subcode: 1, data });
    assert.equal(toHex(wire), MARKER + '001c' + '03' + '0601' + '0001' + '01' + '000003e8');
    const n = notificationOf(wire);
    assert.deepEqual([n.code, n.subcode, toHex(n.data)], [6, 1, '000101000003e8']);
    assert.match(notificationName(6, 1), /Maximum Number of Prefixes/);
  });
});
