/**
 * BIRD 1.6's way of showing protocols and routes, which calicoctl and
 * Calico's status reporters parse (shared/reference/calico-bird.md §8).
 * Shared by the CLI and, later, the BIRD-compatible control socket.
 */
import type { PathInfo, PeerInfo, Table } from './provider.js';

const TWENTY_HOURS_MS = 20 * 3600 * 1000;
const pad2 = (n: number) => String(n).padStart(2, '0');

/** BIRD's default time format: `%T` (local) within 20 hours, `%F` before that. */
export function birdTime(at: number, now: number): string {
  const d = new Date(at);
  if (now - at < TWENTY_HOURS_MS) return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

/** The protocol state column of `show protocols`: up, start or down (BIRD's proto_state_name). */
export function protocolState(p: PeerInfo): 'up' | 'start' | 'down' {
  if (p.adminDown) return 'down';
  return p.state === 'Established' ? 'up' : 'start';
}

/** BIRD's BGP state description: the FSM state, or Passive while a passive peer waits for a connection. */
export function bgpStateDescription(p: PeerInfo): string {
  if (p.adminDown) return 'Down';
  if (p.passive && p.state === 'Active') return 'Passive';
  return p.state;
}

/**
 * The info column of `show protocols` for a BGP protocol: `%-14s` state then
 * the last error, or only the error when the protocol is down.
 */
export function protocolInfo(p: PeerInfo): string {
  const error = p.state === 'Established' ? '' : (p.lastError ?? '');
  if (p.adminDown) return error;
  return `${bgpStateDescription(p).padEnd(14)}${error}`;
}

/** The last ASN of the AS_PATH when its last segment is a sequence (BIRD's as_path_get_last). */
function originAs(path: PathInfo): number | null {
  let found: number | null = null;
  for (const s of path.asPath) {
    if (s.type === 'sequence' && s.numbers.length > 0) found = s.numbers[s.numbers.length - 1] ?? null;
    else if (s.type === 'set' && s.numbers.length > 0) found = null;
  }
  return found;
}

const ORIGIN_CHAR = { igp: 'i', egp: 'e', incomplete: '?' } as const;

/** Paths from a BGP session (or sent to one) get BGP's route info: "(pref/igp) [ASNi]". */
function isBgp(path: PathInfo, table: Table): boolean {
  return table !== 'loc' || path.sourceAddress !== undefined;
}

/**
 * One route as `birdc show route` prints it:
 * `%-18s %s [%s %s%s]%s%s` = prefix (blank for a prefix's further paths),
 * destination, [protocol time from], ` *` for the best, route info.
 */
export function showRouteLine(path: PathInfo, opts: { firstOfPrefix: boolean; table: Table; now: number }): string {
  const nextHop = path.nextHops[0];
  const via =
    nextHop !== undefined
      ? `via ${nextHop}${path.interface ? ` on ${path.interface}` : ''}`
      : path.interface
        ? `dev ${path.interface}`
        : 'blackhole';
  const from = path.sourceAddress && path.sourceAddress !== nextHop ? ` from ${path.sourceAddress}` : '';
  let info: string;
  if (isBgp(path, opts.table)) {
    const metric = path.igpMetric !== undefined ? `/${path.igpMetric}` : '';
    const as = originAs(path);
    info = ` (${path.preference ?? 100}${metric}) [${as !== null ? `AS${as}` : ''}${ORIGIN_CHAR[path.origin]}]`;
  } else {
    info = ` (${path.preference ?? 200})`;
  }
  const ia = opts.firstOfPrefix ? path.prefix : '';
  return `${ia.padEnd(18)} ${via} [${path.source || '?'} ${birdTime(path.since, opts.now)}${from}]${path.best ? ' *' : ''}${info}`;
}
