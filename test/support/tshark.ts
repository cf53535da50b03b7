/**
 * Independent decoder cross-check: run Wireshark's BGP dissector (tshark)
 * over messages petrel encoded.
 *
 * The messages are written as one TCP stream from port 179 (one segment per
 * message, consecutive sequence numbers, valid IPv4 and TCP checksums) into a
 * classic pcap file in a temporary directory, then `tshark -T json
 * --no-duplicate-keys` dissects them in a single run. The pcap is built here
 * rather than with text2pcap so the test depends on tshark alone.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A node of tshark's JSON tree: field name -> value, subtree, or (merged duplicates) an array of them. */
export type TsharkValue = string | number | TsharkTree | TsharkValue[];
export interface TsharkTree {
  [key: string]: TsharkValue;
}

export interface DissectedPacket {
  /** 1-based frame number. */
  readonly frame: number;
  /** The BGP layers of the packet, one per BGP message found in it. */
  readonly bgp: TsharkTree[];
  /** The whole `layers` object (frame, eth, ip, tcp, bgp, _ws.* ...). */
  readonly layers: TsharkTree;
}

export interface TsharkOptions {
  /** `-o name:value` preferences, e.g. { 'bgp.asn_len': '4 octet' }. */
  readonly prefs?: Readonly<Record<string, string>>;
  /** Milliseconds; default 20 s. */
  readonly timeoutMs?: number;
  /** Run with `-x`: every field also gets a `<field>_raw` entry with the bytes it covers. */
  readonly raw?: boolean;
}

/** Throws with a clear message when tshark cannot be run: the cross-check must fail, not skip. */
export async function tsharkVersion(): Promise<string> {
  try {
    const { stdout } = await run('tshark', ['--version'], { timeout: 10_000 });
    return stdout.split('\n')[0] ?? '';
  } catch (e) {
    throw new Error(
      `tshark is required for the tshark cross-check and could not be run (${(e as Error).message}). ` +
        'Install it (Debian/Ubuntu: apt-get install tshark).',
    );
  }
}

function ipChecksum(b: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  for (let i = start; i < end; i += 2) sum += (b[i]! << 8) | (i + 1 < end ? b[i + 1]! : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * A classic pcap (Ethernet link type) holding the messages as consecutive
 * TCP segments from 192.0.2.1:179 to 192.0.2.2:50179, one message each.
 */
export function buildPcap(messages: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const global = new DataView(new ArrayBuffer(24));
  global.setUint32(0, 0xa1b2c3d4, true); // magic, microsecond timestamps
  global.setUint16(4, 2, true);
  global.setUint16(6, 4, true);
  global.setUint32(16, 262144, true); // snaplen
  global.setUint32(20, 1, true); // LINKTYPE_ETHERNET
  parts.push(new Uint8Array(global.buffer));

  const src = [192, 0, 2, 1];
  const dst = [192, 0, 2, 2];
  let seq = 1000;
  messages.forEach((msg, i) => {
    const ipLen = 20 + 20 + msg.length;
    if (ipLen > 0xffff) throw new RangeError(`message ${i} of ${msg.length} bytes does not fit one IPv4 packet`);
    const pkt = new Uint8Array(14 + ipLen);
    const v = new DataView(pkt.buffer);
    pkt.set([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01], 0); // dst MAC, src MAC
    v.setUint16(12, 0x0800);
    // IPv4
    const ip = 14;
    pkt[ip] = 0x45;
    v.setUint16(ip + 2, ipLen);
    v.setUint16(ip + 4, i + 1); // identification
    v.setUint16(ip + 6, 0x4000); // DF
    pkt[ip + 8] = 64;
    pkt[ip + 9] = 6;
    pkt.set(src, ip + 12);
    pkt.set(dst, ip + 16);
    v.setUint16(ip + 10, ipChecksum(pkt, ip, ip + 20));
    // TCP
    const tcp = ip + 20;
    v.setUint16(tcp, 179);
    v.setUint16(tcp + 2, 50179);
    v.setUint32(tcp + 4, seq);
    v.setUint32(tcp + 8, 1);
    pkt[tcp + 12] = 5 << 4;
    pkt[tcp + 13] = 0x18; // PSH ACK
    v.setUint16(tcp + 14, 65535);
    pkt.set(msg, tcp + 20);
    const tcpLen = 20 + msg.length;
    let pseudo = 0;
    for (const [a, b] of [[src[0]!, src[1]!], [src[2]!, src[3]!], [dst[0]!, dst[1]!], [dst[2]!, dst[3]!]] as const) {
      pseudo += (a << 8) | b;
    }
    pseudo += 6 + tcpLen;
    v.setUint16(tcp + 16, ipChecksum(pkt, tcp, tcp + tcpLen, pseudo));
    seq = (seq + msg.length) >>> 0;

    const rec = new DataView(new ArrayBuffer(16));
    rec.setUint32(0, 1_700_000_000 + i, true);
    rec.setUint32(8, pkt.length, true);
    rec.setUint32(12, pkt.length, true);
    parts.push(new Uint8Array(rec.buffer), pkt);
  });
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Dissect messages with tshark, one packet per message, in one tshark run.
 * Returns one entry per message, in order. Temporary files are removed.
 */
export async function dissect(messages: readonly Uint8Array[], opts: TsharkOptions = {}): Promise<DissectedPacket[]> {
  await tsharkVersion();
  const dir = await mkdtemp(join(tmpdir(), 'petrel-tshark-'));
  try {
    const pcap = join(dir, 'bgp.pcap');
    await writeFile(pcap, buildPcap(messages));
    const args = ['-n', '-r', pcap, '-T', 'json', '--no-duplicate-keys'];
    if (opts.raw) args.push('-x');
    // Dissect TCP/179 as BGP even without the SYN; keep every message in its own frame.
    args.push('-d', 'tcp.port==179,bgp');
    for (const [k, val] of Object.entries(opts.prefs ?? {})) args.push('-o', `${k}:${val}`);
    const { stdout } = await run('tshark', args, {
      timeout: opts.timeoutMs ?? 20_000,
      maxBuffer: 256 * 1024 * 1024,
      // No personal preferences or plugins: results must not depend on the machine's Wireshark profile.
      env: { ...process.env, WIRESHARK_CONFIG_DIR: dir, LC_ALL: 'C' },
    });
    const frames = JSON.parse(stdout) as { _source: { layers: TsharkTree } }[];
    if (frames.length !== messages.length) {
      throw new Error(`tshark returned ${frames.length} packets for ${messages.length} messages`);
    }
    return frames.map((f, i) => {
      const layers = f._source.layers;
      const bgp = asArray(layers['bgp']).filter(isTree);
      return { frame: i + 1, bgp, layers };
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function asArray(v: TsharkValue | undefined): TsharkValue[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function isTree(v: TsharkValue | undefined): v is TsharkTree {
  return typeof v === 'object' && !Array.isArray(v);
}

/** Depth-first walk over every object node, in document order. */
function walkTrees(node: TsharkValue | undefined, visit: (t: TsharkTree) => void): void {
  if (node === undefined || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) walkTrees(n, visit);
    return;
  }
  visit(node);
  for (const [k, v] of Object.entries(node)) if (!k.endsWith('_raw')) walkTrees(v, visit);
}

/**
 * Every value of a field, depth first in document order, anywhere under
 * `tree` (subtrees named `<field>_tree` and label-named nodes included).
 * Values are tshark's display strings: integers in decimal (or 0x.. hex
 * for fields tshark shows in hex), addresses as text.
 */
export function fieldValues(tree: TsharkValue | undefined, name: string): string[] {
  const out: string[] = [];
  walkTrees(tree, (t) => {
    for (const x of asArray(t[name])) if (typeof x === 'string') out.push(x);
  });
  return out;
}

/** Exactly one value of a field under `tree`; throws (failing the test) when there are none or several. */
export function field(tree: TsharkValue | undefined, name: string): string {
  const all = fieldValues(tree, name);
  if (all.length !== 1) throw new Error(`expected one ${name}, tshark shows ${all.length}: ${JSON.stringify(all)}`);
  return all[0]!;
}

/** Numeric values of a field (decimal, or 0x.. hex as tshark prints some fields). */
export function numbers(tree: TsharkValue | undefined, name: string): number[] {
  return fieldValues(tree, name).map((s) => {
    const n = Number(s);
    if (!Number.isFinite(n)) throw new Error(`${name} = ${JSON.stringify(s)} is not a number`);
    return n;
  });
}

/** Exactly one numeric value of a field. */
export function number(tree: TsharkValue | undefined, name: string): number {
  const s = field(tree, name);
  const n = Number(s);
  if (!Number.isFinite(n)) throw new Error(`${name} = ${JSON.stringify(s)} is not a number`);
  return n;
}

export function has(tree: TsharkValue | undefined, name: string): boolean {
  let found = false;
  walkTrees(tree, (t) => {
    if (Object.prototype.hasOwnProperty.call(t, name)) found = true;
  });
  return found;
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** A `-x` raw entry: [hex, offset, length, bitmask, type], or several of them merged into an array. */
function rawEntries(v: TsharkValue | undefined): Uint8Array[] {
  if (!Array.isArray(v)) return [];
  if (typeof v[0] === 'string') return [hexToBytes(v[0])];
  return v.flatMap((x) => rawEntries(x));
}

/** One occurrence of a (possibly repeated) subtree field, with the bytes tshark says it covers. */
export interface Item {
  readonly node: TsharkTree;
  /** Bytes of the item as tshark delimited them (needs `raw: true`), else empty. */
  readonly raw: Uint8Array;
}

/**
 * Each occurrence of the subtree field `name` under `tree`, in document
 * order, e.g. items(bgp, 'bgp.cap') for the capabilities or
 * items(bgp, 'bgp.update.path_attribute') for the path attributes.
 */
export function items(tree: TsharkValue | undefined, name: string): Item[] {
  const out: Item[] = [];
  walkTrees(tree, (t) => {
    const nodes = asArray(t[name]);
    if (nodes.length === 0) return;
    const raws = rawEntries(t[`${name}_raw`]);
    nodes.forEach((n, i) => {
      if (isTree(n)) out.push({ node: n, raw: raws[i] ?? new Uint8Array(0) });
    });
  });
  return out;
}

/** The bytes tshark attributes to each occurrence of a field (needs `raw: true`). */
export function rawValues(tree: TsharkValue | undefined, name: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  walkTrees(tree, (t) => {
    out.push(...rawEntries(t[`${name}_raw`]));
  });
  return out;
}

/** An expert info item of a packet (any layer). */
export interface ExpertItem {
  readonly severity: number;
  readonly message: string;
}

/** Wireshark's PI_ERROR severity as printed in JSON (0x00800000); PI_WARN is 0x00600000. */
export const EXPERT_ERROR = 0x00800000;
export const EXPERT_WARN = 0x00600000;

export function expertItems(layers: TsharkTree): ExpertItem[] {
  const out: ExpertItem[] = [];
  walkTrees(layers, (t) => {
    const sev = asArray(t['_ws.expert.severity']);
    const msg = asArray(t['_ws.expert.message']);
    sev.forEach((s, i) => out.push({ severity: Number(s), message: String(msg[i] ?? '') }));
  });
  return out;
}

/**
 * What makes a dissection untrustworthy: "Malformed Packet" markers and
 * expert items of error severity, anywhere in the packet.
 */
export function dissectionErrors(layers: TsharkTree): string[] {
  const out: string[] = [];
  for (const e of expertItems(layers)) if (e.severity >= EXPERT_ERROR) out.push(`expert error: ${e.message}`);
  if (has(layers, '_ws.malformed')) out.push('_ws.malformed present');
  return out;
}
