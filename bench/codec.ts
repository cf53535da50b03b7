/**
 * Codec throughput: decode and encode 1,000,000 IPv4 prefixes in two shapes.
 *  - calico: one attribute set, UPDATEs packed full (a route reflector's or a
 *    large cluster's dump of /26 blocks).
 *  - full-table: 1-4 prefixes per UPDATE, each UPDATE its own attribute set
 *    (AS path, MED, communities), like an Internet table from a ToR.
 * Prints prefixes per second for each, best of several rounds, on one core.
 * Usage: npm run bench:codec [-- --prefixes N --rounds R --json]
 */
import { parseArgs } from 'node:util';
import {
  decodeContext,
  decodeMessage,
  encodeUpdate,
  encodeUpdateStream,
  Framer,
  ipv4Nlri,
  packUpdates,
  type Nlri,
  type PathAttribute,
  type UpdateMessage,
} from '../src/wire/index.js';

const { values: opts } = parseArgs({
  options: {
    prefixes: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const N = Number(opts.prefixes);
const ROUNDS = Number(opts.rounds);
const ctx = decodeContext({ fourOctetAs: true });

/** Deterministic PRNG so every run measures the same input. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function prefixes(n: number, len: number): Nlri[] {
  const out: Nlri[] = [];
  const step = 2 ** (32 - len);
  // Start at 11.0.0.0 to look like real space; wraps well past n = 1M /24s.
  for (let i = 0; i < n; i++) out.push(ipv4Nlri((0x0b000000 + i * step) >>> 0, len));
  return out;
}

function calicoShape(): Uint8Array[] {
  const attrs: PathAttribute[] = [
    { kind: 'ORIGIN', origin: 0 },
    { kind: 'AS_PATH', segments: [] },
    { kind: 'NEXT_HOP', nextHop: 0xc0a80a0b },
    { kind: 'LOCAL_PREF', localPref: 100 },
  ];
  return packUpdates(attrs, prefixes(N, 24), ctx);
}

/** The full-table UPDATEs as messages, built once outside the timed encode. */
let fullTableMessages: UpdateMessage[] | null = null;

function buildFullTable(): UpdateMessage[] {
  const r = rng(42);
  const all = prefixes(N, 24);
  const out: UpdateMessage[] = [];
  for (let i = 0; i < all.length; ) {
    const k = 1 + Math.floor(r() * 4);
    const pathLen = 2 + Math.floor(r() * 5);
    const asns = [65001];
    for (let j = 1; j < pathLen; j++) asns.push(1 + Math.floor(r() * 400000));
    const attrs: PathAttribute[] = [
      { kind: 'ORIGIN', origin: r() < 0.8 ? 0 : 2 },
      { kind: 'AS_PATH', segments: [{ type: 2, asns }] },
      { kind: 'NEXT_HOP', nextHop: 0xc0a80a01 },
      { kind: 'MULTI_EXIT_DISC', med: Math.floor(r() * 1000) },
      { kind: 'COMMUNITIES', communities: [(65001 << 16) | Math.floor(r() * 500), (65001 << 16) | 9999].map((c) => c >>> 0) },
    ];
    out.push({ type: 'UPDATE', withdrawn: [], attributes: attrs, nlri: all.slice(i, i + k) });
    i += k;
  }
  return out;
}

function fullTableShape(): Uint8Array[] {
  fullTableMessages ??= buildFullTable();
  return fullTableMessages.map((u) => encodeUpdate(u, ctx));
}

/** The same UPDATEs encoded as a TCP stream is written: back to back, 64 KB per buffer. */
function fullTableStream(): Uint8Array[] {
  fullTableMessages ??= buildFullTable();
  return encodeUpdateStream(fullTableMessages, ctx);
}

/** Join messages into TCP-sized chunks so decoding includes framing. */
function toStream(msgs: Uint8Array[], chunk = 65536): Uint8Array[] {
  const total = msgs.reduce((a, m) => a + m.length, 0);
  const all = new Uint8Array(total);
  let p = 0;
  for (const m of msgs) {
    all.set(m, p);
    p += m.length;
  }
  const out: Uint8Array[] = [];
  for (let i = 0; i < total; i += chunk) out.push(all.subarray(i, i + chunk));
  return out;
}

function decodeAll(stream: Uint8Array[]): number {
  const framer = new Framer();
  let count = 0;
  for (const c of stream) {
    for (const f of framer.push(c)) {
      const d = decodeMessage(f, ctx);
      if (d.message.type === 'UPDATE') count += d.message.nlri.length;
    }
  }
  return count;
}

function best(fn: () => number): { seconds: number; result: number } {
  let bestS = Infinity;
  let result = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const t = process.hrtime.bigint();
    result = fn();
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    if (s < bestS) bestS = s;
  }
  return { seconds: bestS, result };
}

const rows: { shape: string; messages: number; bytes: number; encodePerSec: number; decodePerSec: number }[] = [];
for (const [shape, build] of [
  ['calico (packed, one attribute set)', calicoShape],
  ['full-table (1-4 prefixes per UPDATE)', fullTableShape],
  ['full-table, stream-encoded (64 KB writes)', fullTableStream],
] as const) {
  let msgs: Uint8Array[] = [];
  const enc = best(() => {
    msgs = build();
    return msgs.length;
  });
  const stream = toStream(msgs);
  const dec = best(() => decodeAll(stream));
  if (dec.result !== N) throw new Error(`${shape}: decoded ${dec.result} prefixes, expected ${N}`);
  rows.push({
    shape,
    messages: shape.includes("stream") ? ((fullTableMessages as UpdateMessage[] | null)?.length ?? 0) : msgs.length,
    bytes: msgs.reduce((a, m) => a + m.length, 0),
    encodePerSec: N / enc.seconds,
    decodePerSec: N / dec.seconds,
  });
}

if (opts.json) {
  console.log(JSON.stringify({ node: process.version, prefixes: N, rounds: ROUNDS, rows }, null, 2));
} else {
  const fmt = (n: number) => `${(n / 1e6).toFixed(2)} M/s`;
  console.log(`petrel codec benchmark: ${N.toLocaleString('en')} IPv4 prefixes, best of ${ROUNDS}, node ${process.version}, one core`);
  console.log(`${'shape'.padEnd(40)}${'UPDATEs'.padStart(10)}${'MiB'.padStart(8)}${'encode'.padStart(14)}${'decode'.padStart(14)}`);
  for (const r of rows) {
    console.log(
      `${r.shape.padEnd(40)}${String(r.messages).padStart(10)}${(r.bytes / 2 ** 20).toFixed(1).padStart(8)}${fmt(r.encodePerSec).padStart(14)}${fmt(r.decodePerSec).padStart(14)}`,
    );
  }
}
