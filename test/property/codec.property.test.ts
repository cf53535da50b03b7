import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BgpError,
  Framer,
  MAX_MESSAGE_LENGTH,
  decodeMessage,
  encodeMessage,
  familyKey,
  packUpdates,
  packWithdrawals,
  type BgpMessage,
  type CodecContext,
  type DecodeContext,
  type Decoded,
  type Family,
  type Frame,
  type Nlri,
  type OpenMessage,
  type PathAttribute,
  type UpdateMessage,
} from '../../src/wire/index.js';
import {
  LARGE_SIZES,
  cleanDecodeContext,
  codecContextArb,
  concatBytes,
  hostileDecodeContextArb,
  hostileCaseArb,
  keepaliveArb,
  maxMessageLength,
  messageCaseArb,
  mpNextHopArb,
  nlriArb,
  notificationArb,
  openArb,
  packAttributesArb,
  prefixFamilyArb,
  record,
  routeRefreshArb,
  streamCaseArb,
  updateArb,
  wireNlriSize,
} from './arbitraries.js';

// ---------------------------------------------------------------------------
// Helpers

function limitFor(m: BgpMessage, ctx: CodecContext): number {
  return m.type === 'OPEN' || m.type === 'KEEPALIVE' ? MAX_MESSAGE_LENGTH : maxMessageLength(ctx);
}

/** encode → frame → decode must give back the message with no RFC 7606 action, and re-encode byte-exactly. */
function assertRoundTrip(m: BgpMessage, ctx: CodecContext): void {
  const bytes = encodeMessage(m, ctx);
  assert.ok(bytes.length <= limitFor(m, ctx), `encoded ${bytes.length} bytes`);
  const frames = new Framer(ctx.extendedMessage).push(bytes);
  assert.equal(frames.length, 1);
  const d = decodeMessage(frames[0]!, cleanDecodeContext(ctx));
  assert.deepStrictEqual(d.problems, []);
  assert.equal(d.action, 'none');
  assert.deepStrictEqual(d.message, m);
  assert.deepStrictEqual(encodeMessage(d.message, ctx), bytes);
}

const withCtx = <T>(ctxArb: fc.Arbitrary<CodecContext>, f: (ctx: CodecContext) => fc.Arbitrary<T>) =>
  ctxArb.chain((ctx) => f(ctx).map((value) => ({ ctx, value })));

type Outcome = { readonly decoded: Decoded } | { readonly error: { code: number; subcode: number; data: Uint8Array; message: string } };

/** Only BgpError may escape a decoder; anything else is rethrown and fails the property. */
function errorOutcome(e: unknown): Outcome {
  if (!(e instanceof BgpError)) throw e;
  assert.ok(e.code >= 1 && e.code <= 7, `NOTIFICATION code ${e.code}`);
  assert.ok(Number.isInteger(e.subcode) && e.subcode >= 0 && e.subcode <= 255, `subcode ${e.subcode}`);
  assert.ok(e.data instanceof Uint8Array);
  return { error: { code: e.code, subcode: e.subcode, data: e.data, message: e.message } };
}

function decodeOutcome(frame: Frame, ctx: DecodeContext): Outcome {
  try {
    return { decoded: decodeMessage(frame, ctx) };
  } catch (e) {
    return errorOutcome(e);
  }
}

/** Frame a whole byte string in one push and decode every frame. */
function decodeStream(bytes: Uint8Array, ctx: DecodeContext): Outcome[] {
  let frames: Frame[];
  try {
    frames = new Framer(ctx.extendedMessage).push(bytes);
  } catch (e) {
    return [errorOutcome(e)];
  }
  return frames.map((f) => decodeOutcome(f, ctx));
}

/**
 * Whatever decodes re-encodes and decodes to the same message (decoding
 * normalises, so this is idempotence, not byte identity). NOTIFICATIONs are
 * cut to 4096 bytes by the encoder, so only their leading data is compared.
 */
function assertReencodes(d: Decoded, ctx: DecodeContext): void {
  const m = d.message;
  if (m.type === 'NOTIFICATION' && m.data.length > MAX_MESSAGE_LENGTH - 21) return;
  const bytes = encodeMessage(m, ctx);
  const frames = new Framer(ctx.extendedMessage).push(bytes);
  assert.equal(frames.length, 1);
  assert.deepStrictEqual(decodeMessage(frames[0]!, ctx).message, m);
}

/** Decoded NLRI are canonical: length within the family, host bits zero, path id 0 without ADD-PATH. */
function assertCanonicalNlri(list: readonly Nlri[], afi: number, addPath: boolean): void {
  for (const n of list) {
    assert.equal(n.afi, afi);
    if (!addPath) assert.equal(n.pathId, 0);
    if (n.afi === 1) {
      assert.ok(n.len <= 32);
      assert.equal(n.addr, n.len === 0 ? 0 : (n.addr & (0xffffffff << (32 - n.len))) >>> 0, 'IPv4 host bits zero');
    } else {
      assert.ok(n.len <= 128);
      assert.equal(n.addr.length, 16);
      for (let bit = n.len; bit < 128; bit++) assert.equal((n.addr[bit >>> 3]! >> (7 - (bit & 7))) & 1, 0, 'IPv6 host bits zero');
    }
  }
}

function assertCanonicalUpdate(m: BgpMessage, ctx: DecodeContext): void {
  if (m.type !== 'UPDATE') return;
  const v4 = ctx.addPath.has(familyKey(1, 1));
  assertCanonicalNlri(m.withdrawn, 1, v4);
  assertCanonicalNlri(m.nlri, 1, v4);
  for (const a of m.attributes) {
    if (a.kind === 'MP_REACH_NLRI') assertCanonicalNlri(a.nlri, a.afi, ctx.addPath.has(familyKey(a.afi, a.safi)));
    if (a.kind === 'MP_UNREACH_NLRI') assertCanonicalNlri(a.withdrawn, a.afi, ctx.addPath.has(familyKey(a.afi, a.safi)));
  }
}

// ---------------------------------------------------------------------------

/**
 * Runs stop (and report the smallest counterexample so far) after 20 s, so
 * shrinking a failure on large inputs cannot hang the suite; a normal run of
 * any property here takes a tenth of that.
 */
const params = <T>(numRuns: number, extra: fc.Parameters<T> = {}): fc.Parameters<T> => ({ numRuns, interruptAfterTimeLimit: 20_000, ...extra });

describe('wire codec properties', function () {
  this.timeout(60_000);

  describe('round trip', () => {
    it('OPEN: any capabilities in any grouping, classic and RFC 9072 parameters', () => {
      const ctx: CodecContext = { fourOctetAs: false, addPath: new Set(), extendedMessage: false };
      // Regression found by this property: a TextDecoder without ignoreBOM dropped a leading U+FEFF.
      const bom: OpenMessage = {
        type: 'OPEN',
        version: 4,
        myAs: 0,
        holdTime: 0,
        bgpId: 0,
        parameters: [{ kind: 'CAPABILITIES', capabilities: [{ kind: 'FQDN', hostname: '\uFEFF', domainName: '' }] }],
      };
      fc.assert(
        fc.property(openArb, (m) => assertRoundTrip(m, ctx)),
        params(1000, { examples: [[bom]] }),
      );
    });

    it('UPDATE: 4096-byte messages, 2- and 4-octet AS, any ADD-PATH set', () => {
      fc.assert(
        fc.property(withCtx(codecContextArb({ extendedMessage: false }), (ctx) => updateArb(ctx)), ({ ctx, value }) => assertRoundTrip(value, ctx)),
        params(1500),
      );
    });

    it('UPDATE: large messages with extended message length', () => {
      fc.assert(
        fc.property(
          withCtx(codecContextArb({ extendedMessage: true }), (ctx) => updateArb(ctx, { sizes: LARGE_SIZES, maxIpv4Nlri: 2000 })),
          ({ ctx, value }) => assertRoundTrip(value, ctx),
        ),
        params(60),
      );
    });

    it('NOTIFICATION, KEEPALIVE and ROUTE-REFRESH', () => {
      fc.assert(
        fc.property(codecContextArb(), fc.oneof(notificationArb, keepaliveArb, routeRefreshArb), (ctx, m) => assertRoundTrip(m, ctx)),
        params(500),
      );
    });

    it('any message in any context', () => {
      fc.assert(
        fc.property(messageCaseArb, ({ ctx, message }) => assertRoundTrip(message, ctx)),
        params(500),
      );
    });
  });

  describe('packing', () => {
    interface PackCase {
      readonly ctx: CodecContext;
      readonly mode: 'ipv4-field' | 'mp-reach' | 'withdraw';
      readonly family: Family;
      readonly nextHop: Uint8Array;
      readonly attributes: PathAttribute[];
      readonly nlri: Nlri[];
    }

    const packCaseArb = (extendedMessage: boolean, maxNlri: number): fc.Arbitrary<PackCase> =>
      record({
          ctx: codecContextArb({ extendedMessage }),
          mode: fc.constantFrom('ipv4-field' as const, 'mp-reach' as const, 'withdraw' as const),
          family: prefixFamilyArb,
        }).chain(({ ctx, mode, family: f }) => {
          const family = mode === 'ipv4-field' ? { afi: 1, safi: 1 } : f;
          const addPath = ctx.addPath.has(familyKey(family.afi, family.safi));
          return record({
            ctx: fc.constant(ctx),
            mode: fc.constant(mode),
            family: fc.constant(family),
            nextHop: mpNextHopArb(family.afi),
            attributes: packAttributesArb(ctx),
            // Thousands of NLRI: shrink by dropping them, not by shrinking each one.
            nlri: fc.array(fc.noShrink(nlriArb(family.afi, addPath)), { maxLength: maxNlri, size: 'max' }),
          });
        });

    function pack(c: PackCase): Uint8Array[] {
      switch (c.mode) {
        case 'ipv4-field':
          return packUpdates(c.attributes, c.nlri, c.ctx);
        case 'mp-reach':
          return packUpdates(c.attributes, c.nlri, c.ctx, { ...c.family, nextHop: c.nextHop });
        case 'withdraw':
          return packWithdrawals(c.nlri, c.ctx, c.family);
      }
    }

    /** The NLRI one packed UPDATE carries, after checking it carries nothing else. */
    function carried(c: PackCase, u: UpdateMessage): readonly Nlri[] {
      const ipv4Field = c.family.afi === 1 && c.family.safi === 1;
      if (c.mode === 'ipv4-field') {
        assert.deepStrictEqual(u.withdrawn, []);
        assert.deepStrictEqual(u.attributes, c.attributes);
        return u.nlri;
      }
      if (c.mode === 'mp-reach') {
        assert.deepStrictEqual(u.withdrawn, []);
        assert.deepStrictEqual(u.nlri, []);
        const [mp, ...others] = u.attributes;
        assert.ok(mp?.kind === 'MP_REACH_NLRI', 'MP_REACH_NLRI comes first');
        assert.equal(mp.afi, c.family.afi);
        assert.equal(mp.safi, c.family.safi);
        assert.deepStrictEqual(mp.nextHop, c.nextHop);
        assert.deepStrictEqual(others, c.attributes.filter((a) => a.kind !== 'NEXT_HOP'));
        return mp.nlri;
      }
      assert.deepStrictEqual(u.nlri, []);
      if (ipv4Field) {
        assert.deepStrictEqual(u.attributes, []);
        return u.withdrawn;
      }
      assert.deepStrictEqual(u.withdrawn, []);
      const [mp, ...others] = u.attributes;
      assert.ok(mp?.kind === 'MP_UNREACH_NLRI');
      assert.deepStrictEqual(others, []);
      assert.equal(mp.afi, c.family.afi);
      assert.equal(mp.safi, c.family.safi);
      return mp.withdrawn;
    }

    function checkPacking(c: PackCase): void {
      const max = maxMessageLength(c.ctx);
      const addPath = c.ctx.addPath.has(familyKey(c.family.afi, c.family.safi));
      const msgs = pack(c);
      const framer = new Framer(c.ctx.extendedMessage);
      const dctx = cleanDecodeContext(c.ctx);
      const all: Nlri[] = [];
      const firsts: Nlri[] = [];
      for (const bytes of msgs) {
        assert.ok(bytes.length <= max, `message of ${bytes.length} bytes exceeds ${max}`);
        const frames = framer.push(bytes);
        assert.equal(frames.length, 1);
        const d = decodeMessage(frames[0]!, dctx);
        assert.deepStrictEqual(d.problems, []);
        assert.equal(d.action, 'none');
        assert.equal(d.message.type, 'UPDATE');
        const got = carried(c, d.message as UpdateMessage);
        assert.ok(got.length > 0, 'no empty UPDATE');
        firsts.push(got[0]!);
        all.push(...got);
      }
      assert.equal(framer.buffered, 0);
      assert.deepStrictEqual(all, c.nlri);
      // Greedy: a message is only closed when the next NLRI would not fit.
      for (let i = 0; i + 1 < msgs.length; i++) {
        assert.ok(msgs[i]!.length + wireNlriSize(firsts[i + 1]!, addPath) > max, `message ${i} (${msgs[i]!.length} bytes) could take the next NLRI`);
      }
    }

    it('4096-byte messages: full, within the limit, all NLRI in order', () => {
      fc.assert(fc.property(packCaseArb(false, 2500), checkPacking), params(150));
    });

    it('extended messages', () => {
      fc.assert(fc.property(packCaseArb(true, 9000), checkPacking), params(25));
    });
  });

  describe('hostile bytes', () => {
    /** Longest a single input may take to frame and decode; a generous bound against pathological loops. */
    const SLOW_MS = 500;

    it('framing and decoding throw nothing but BgpError, quickly; decoded NLRI are canonical; decoded messages re-encode', () => {
      fc.assert(
        fc.property(hostileCaseArb, ({ bytes, ctx }) => {
          const t0 = performance.now();
          const outcomes = decodeStream(bytes, ctx);
          const ms = performance.now() - t0;
          assert.ok(ms < SLOW_MS, `took ${ms.toFixed(1)} ms`);
          for (const o of outcomes) {
            if (!('decoded' in o)) continue;
            assertCanonicalUpdate(o.decoded.message, ctx);
            assertReencodes(o.decoded, ctx);
          }
        }),
        params(4000),
      );
    });

    it('purely random bytes, and random bytes behind a valid marker', () => {
      const marker = new Uint8Array(16).fill(0xff);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), hostileDecodeContextArb, (body, withMarker, ctx) => {
          decodeStream(withMarker ? concatBytes([marker, body]) : body, ctx);
        }),
        params(2000),
      );
    });

    it('no over-read: a message inside a larger buffer decodes as a standalone copy, and keeps no view of it', () => {
      fc.assert(
        fc.property(
          hostileCaseArb,
          fc.integer({ min: 0, max: 64 }),
          fc.integer({ min: 0, max: 64 }),
          // Sockets hand over Buffers, whose slice() is a view: decoders must copy.
          fc.boolean(),
          ({ bytes, ctx }, before, after, asBuffer) => {
            const standalone = decodeStream(bytes.slice(), ctx);
            const big = asBuffer ? Buffer.alloc(before + bytes.length + after, 0xee) : new Uint8Array(before + bytes.length + after).fill(0xee);
            big.set(bytes, before);
            const embedded = decodeStream(big.subarray(before, before + bytes.length), ctx);
            // Results must not alias the input: scribbling over it changes nothing.
            big.fill(0x00);
            assert.deepStrictEqual(embedded, standalone);
          },
        ),
        params(2500),
      );
    });

    it('a valid stream split into random chunks frames exactly as one push', () => {
      fc.assert(
        fc.property(streamCaseArb, fc.array(fc.nat(), { maxLength: 12 }), ({ ctx, messages }, cuts) => {
          const encoded = messages.map((m) => encodeMessage(m, ctx));
          const stream = concatBytes(encoded);
          const oneShot = new Framer(ctx.extendedMessage).push(stream);
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const framer = new Framer(ctx.extendedMessage);
          const chunked: Frame[] = [];
          let from = 0;
          for (const to of [...points, stream.length]) {
            chunked.push(...framer.push(stream.subarray(from, to)));
            from = to;
          }
          assert.equal(framer.buffered, 0);
          const view = (fs: Frame[]) => fs.map((f) => ({ type: f.type, raw: f.raw.slice(), body: f.body.slice() }));
          assert.deepStrictEqual(view(chunked), view(oneShot));
          assert.deepStrictEqual(
            oneShot.map((f) => f.raw.slice()),
            encoded.map((e) => e.slice()),
          );
        }),
        params(400),
      );
    });
  });
});
