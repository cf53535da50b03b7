/**
 * `petrel status [--json] [--api-socket PATH]`: the peers as `calicoctl node
 * status` shows them (its table of BIRD's `show protocols`), or the raw peer
 * list as JSON.
 */
import { parseArgs } from 'node:util';
import { connectApi } from '../../api/client.js';
import { bgpStateDescription, birdTime, protocolInfo, protocolState } from '../../api/bird-format.js';
import type { Family, PeerInfo, PeerType } from '../../api/provider.js';
import { DEFAULT_API_SOCKET } from '../../api/socket.js';

/** calicoctl's display names; Local_Workload_* peers are not shown, as calicoctl's name regex skips them. */
const PEER_TYPE: Partial<Record<PeerType, string>> = { mesh: 'node-to-node mesh', global: 'global', node: 'node specific' };

export async function runStatus(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      'api-socket': { type: 'string', default: DEFAULT_API_SOCKET },
    },
  });
  const client = connectApi(values['api-socket']);
  try {
    const peers = await client.listPeers();
    if (values.json) {
      console.log(JSON.stringify(peers, null, 2));
      return 0;
    }
    const status = await client.status();
    process.stdout.write(formatStatus(peers, { now: Date.now(), startedAt: status.startedAt }));
    return 0;
  } finally {
    client.close();
  }
}

/** calicoctl node status with both BIRD daemons running: an IPv4 and an IPv6 section. */
export function formatStatus(peers: readonly PeerInfo[], opts: { now: number; startedAt: number }): string {
  let out = 'petrel process is running.\n';
  for (const family of ['ipv4', 'ipv6'] as const satisfies readonly Family[]) {
    const v = family === 'ipv4' ? '4' : '6';
    out += `\nIPv${v} BGP status\n`;
    const rows = peers.filter((p) => p.family === family && PEER_TYPE[p.type]).map((p) => peerRow(p, opts));
    out += rows.length === 0 ? `No IPv${v} peers found.\n` : renderTable(['PEER ADDRESS', 'PEER TYPE', 'STATE', 'SINCE', 'INFO'], rows);
  }
  return `${out}\n`;
}

/**
 * One row as calicoctl builds it from a `show protocols` line: the info
 * column's words joined by single spaces (BGP state, then the last error).
 */
function peerRow(p: PeerInfo, opts: { now: number; startedAt: number }): string[] {
  // BIRD's since is when the protocol last changed state, or when it started.
  const since = birdTime(p.since ?? opts.startedAt, opts.now);
  const words = protocolInfo(p).split(/\s+/).filter((w) => w !== '');
  const info = words.length > 0 ? words.join(' ') : bgpStateDescription(p);
  return [p.address, PEER_TYPE[p.type] ?? p.type, protocolState(p), since, info];
}

// --- The table, as github.com/olekukonko/tablewriter (v0.0.x) renders calicoctl's by default. ---

/** Cells wider than this wrap at word boundaries. */
const MAX_CELL_WIDTH = 30;
const WRAP_PENALTY = 1e5;

/** tablewriter's WrapWords: minimum raggedness line breaking (squared slack). */
function wrapWords(words: readonly string[], limit: number): string[][] {
  const n = words.length;
  const len = (i: number, j: number) => {
    let l = -1;
    for (let k = i; k <= j; k++) l += 1 + (words[k] ?? '').length;
    return l;
  };
  const cost = new Array<number>(n).fill(Number.MAX_SAFE_INTEGER);
  const breakAt = new Array<number>(n).fill(n);
  for (let i = n - 1; i >= 0; i--) {
    if (len(i, n - 1) <= limit) {
      cost[i] = 0;
      breakAt[i] = n;
      continue;
    }
    for (let j = i + 1; j < n; j++) {
      const l = len(i, j - 1);
      const d = limit - l;
      let c = d * d + (cost[j] ?? 0);
      if (l > limit) c += WRAP_PENALTY;
      if (c < (cost[i] ?? 0)) {
        cost[i] = c;
        breakAt[i] = j;
      }
    }
  }
  const lines: string[][] = [];
  for (let i = 0; i < n; i = breakAt[i] ?? n) lines.push(words.slice(i, breakAt[i]));
  return lines;
}

/** A cell's lines and the width it needs. */
function cellLines(text: string): { lines: string[]; width: number } {
  let width = Math.min(text.length, MAX_CELL_WIDTH);
  if (text.length <= MAX_CELL_WIDTH) return { lines: [text], width };
  const words = text.split(' ');
  const limit = Math.max(width, ...words.map((w) => w.length));
  const lines = wrapWords(words, limit).map((l) => l.join(' '));
  for (const l of lines) width = Math.max(width, l.length);
  return { lines, width };
}

/** Header centred (extra space on the right), cells left-aligned, one space of padding, +---+ borders. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = header.map(cellLines);
  const body = rows.map((r) => r.map(cellLines));
  const widths = header.map((_, c) => Math.max(head[c]?.width ?? 0, ...body.map((r) => r[c]?.width ?? 0)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+\n`;
  const centre = (s: string, w: number) => {
    const gap = w - s.length;
    const left = Math.floor(gap / 2);
    return ' '.repeat(left) + s + ' '.repeat(gap - left);
  };
  const line = (cells: readonly { lines: string[] }[], fit: (s: string, w: number) => string) => {
    const height = Math.max(...cells.map((c) => c.lines.length));
    let out = '';
    for (let i = 0; i < height; i++) out += `|${cells.map((c, col) => ` ${fit(c.lines[i] ?? '', widths[col] ?? 0)} `).join('|')}|\n`;
    return out;
  };
  let out = rule + line(head, centre) + rule;
  for (const r of body) out += line(r, (s, w) => s.padEnd(w));
  return out + rule;
}
