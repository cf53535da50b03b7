/**
 * Calico's consumers of BIRD's control socket, ported (own code, same
 * rules) so tests can check petrel against what they accept:
 *
 * - calicoctl node status (calicoctl/commands/node/status.go): sends
 *   `show protocols`, accepts only 0000/0001/2002/1002/space lines, the
 *   heading must be exactly the six BIRD columns, a row needs 6+ fields,
 *   proto BGP and a name ^(Global|Node|Mesh)_(.+)$ whose `_` become the
 *   address separators; every read times out after 2 s.
 * - calico-node -bird-ready (node/pkg/health): all those peers
 *   Established and no 0024 line in `show status` within the threshold
 *   after start, at least one Established after it; no peers: ready.
 * - calico-node -bird-live: birdcl's stdout for `show status` starts with "BIRD".
 */
import { connect } from 'node:net';

export const BIRD_EXPECTED_HEADINGS = ['name', 'proto', 'table', 'state', 'since', 'info'];
const PEER_NAME = /^(Global|Node|Mesh)_(.+)$/;
const PEER_TYPE: Record<string, string> = { Global: 'global', Mesh: 'node-to-node mesh', Node: 'node specific' };

export interface CalicoBgpPeer {
  readonly peerIP: string;
  readonly peerType: string;
  readonly state: string;
  readonly since: string;
  readonly bgpState: string;
  readonly info: string;
}

/** One data row, or null when calicoctl skips it (not BGP, not a Calico peer name, too few columns). */
export function unmarshalBirdRow(line: string, ipSep: '.' | ':'): CalicoBgpPeer | null {
  const cols = line.split(/\s+/).filter((c) => c !== '');
  if (cols.length < 6 || cols[1] !== 'BGP') return null;
  const m = PEER_NAME.exec(cols[0]!);
  if (!m) return null;
  return {
    peerIP: m[2]!.replaceAll('_', ipSep),
    peerType: PEER_TYPE[m[1]!]!,
    state: cols[3]!,
    since: cols[4]!,
    bgpState: cols[5]!,
    info: cols.slice(6).join(' '),
  };
}

/** calicoctl's scan of a `show protocols` reply; throws where calicoctl reports an error. */
export function scanBirdPeers(lines: readonly string[], ipv: '4' | '6'): CalicoBgpPeer[] {
  const ipSep = ipv === '6' ? ':' : '.';
  const peers: CalicoBgpPeer[] = [];
  for (const str of lines) {
    if (str.startsWith('0000')) break;
    if (str.startsWith('0001')) continue;
    if (str.startsWith('2002')) {
      const f = str.slice(5).split(/\s+/).filter((c) => c !== '');
      if (f.join(' ') !== BIRD_EXPECTED_HEADINGS.join(' ')) throw new Error('unknown BIRD table output format');
      continue;
    }
    let row: string;
    if (str.startsWith('1002')) row = str.slice(5);
    else if (str.startsWith(' ')) row = str.slice(1);
    else throw new Error(`unexpected output line from BIRD: ${JSON.stringify(str)}`);
    const p = unmarshalBirdRow(row, ipSep);
    if (p) peers.push(p);
  }
  return peers;
}

/**
 * Send one command and read lines until `stop` says the reply is over,
 * failing if any single read takes longer than `readTimeoutMs` (calicoctl's
 * per-read deadline). Returns every line received, greeting included.
 */
export function birdExchange(path: string, command: string, stop: (line: string) => boolean, readTimeoutMs = 2000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    const lines: string[] = [];
    let buf = '';
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(new Error(`read timed out after ${readTimeoutMs} ms (lines so far: ${JSON.stringify(lines)})`)), readTimeoutMs);
    };
    const finish = (err: Error | null) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(lines);
    };
    sock.setEncoding('utf8');
    sock.once('connect', () => {
      sock.write(`${command}\n`);
      arm();
    });
    sock.on('data', (d: string) => {
      arm();
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        if (stop(line)) return finish(null);
      }
    });
    sock.on('error', (e) => finish(e));
    sock.on('close', () => finish(new Error(`connection closed (lines so far: ${JSON.stringify(lines)})`)));
  });
}

/** calicoctl's getBIRDPeers: `show protocols` over the socket, parsed. */
export async function calicoctlPeers(path: string, ipv: '4' | '6'): Promise<CalicoBgpPeer[]> {
  const lines = await birdExchange(path, 'show protocols', (l) => l.startsWith('0000'));
  return scanBirdPeers(lines, ipv);
}

/** calico-node's GR check: a 0024 line in `show status` means graceful restart recovery is in progress. */
export function scanGrInProgress(lines: readonly string[]): boolean {
  for (const l of lines) {
    if (l.startsWith('0024')) return true;
    if (l.startsWith('0013')) return false;
  }
  return false;
}

export async function grInProgress(path: string): Promise<boolean> {
  return scanGrInProgress(await birdExchange(path, 'show status', (l) => /^\d{4} /.test(l) && !l.startsWith('0001')));
}

/** calico-node's -bird-ready verdict over parsed peers. */
export function birdReadyVerdict(peers: readonly CalicoBgpPeer[], grInProgressNow: boolean, withinThreshold: boolean): { ready: boolean; message: string } {
  if (peers.length === 0) return { ready: true, message: '' };
  const notUp = peers.filter((p) => p.bgpState !== 'Established').map((p) => p.peerIP);
  if (withinThreshold) {
    if (notUp.length > 0) return { ready: false, message: `BGP not established with ${notUp.join(',')}` };
    if (grInProgressNow) return { ready: false, message: 'BIRD graceful restart in progress' };
    return { ready: true, message: '' };
  }
  if (notUp.length < peers.length) return { ready: true, message: '' };
  return { ready: false, message: `BGP not established with ${notUp.join(',')}` };
}

/** calico-node -bird-ready against a socket. */
export async function birdReady(path: string, ipv: '4' | '6', withinThreshold: boolean): Promise<{ ready: boolean; message: string }> {
  const peers = await calicoctlPeers(path, ipv);
  return birdReadyVerdict(peers, withinThreshold ? await grInProgress(path) : false, withinThreshold);
}

/** calico-node -bird-live's test of birdcl's output. */
export function birdLiveOutput(stdout: string): boolean {
  return stdout.startsWith('BIRD');
}

/** One `show route` line as calico-node's CalicoNodeStatus route reporter reads it. */
export interface CalicoBirdRoute {
  readonly destination: string;
  readonly gateway: string;
  readonly interface: string;
  readonly protocol: string;
  readonly primary: boolean;
  readonly kind: 'via' | 'dev' | 'blackhole' | 'unreachable';
}

/**
 * The reporter's four line shapes: `X via G on IF [proto time] * (pref)`,
 * `X dev IF [...]`, `X blackhole [...]`, `X unreachable [...]`; a line
 * with an empty destination column continues the previous destination.
 */
export function scanBirdRoutes(lines: readonly string[]): CalicoBirdRoute[] {
  const out: CalicoBirdRoute[] = [];
  let last = '';
  for (const raw of lines) {
    if (!raw.startsWith('1007-') && !raw.startsWith(' ')) continue;
    const line = raw.startsWith('1007-') ? raw.slice(5) : raw.slice(1);
    const m = /^(\S*)\s+(?:via\s+(\S+)\s+on\s+(\S+)|dev\s+(\S+)|(blackhole)|(unreachable))\s+\[(\S+)\s+[^\]]*\](\s+\*)?\s+\(\d+(?:\/\d+)?\)/.exec(line);
    if (!m) continue;
    const destination = m[1] || last;
    last = destination;
    const kind = m[2] ? 'via' : m[4] ? 'dev' : m[5] ? 'blackhole' : 'unreachable';
    out.push({ destination, gateway: m[2] ?? '', interface: m[3] ?? m[4] ?? '', protocol: m[7]!, primary: m[8] !== undefined, kind });
  }
  return out;
}
