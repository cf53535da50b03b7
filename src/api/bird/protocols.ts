/**
 * `show protocols [all]`: BIRD 1.6's table (nest/proto.c proto_cmd_show,
 * "%-8s %-8s %-8s %-5s  %-10s  %s") and, with `all`, the details block
 * (proto_show_stats, bgp_show_proto_info) whose lines calico-node's
 * CalicoNodeStatus reporter reads ("BGP state:", "Neighbor address:").
 */
import { bgpStateDescription, birdTime, protocolState } from '../bird-format.js';
import type { BirdPeer, LocalProtocol, RouteStats } from './provider.js';
import { ReplyCode, type ReplyLine } from './reply.js';

export const PROTOCOLS_HEADING = 'name     proto    table    state  since       info';

/** Socket errors as BIRD words them (strerror after "Socket: "); petrel keeps Node's errno text. */
const SOCKET_ERRORS: ReadonlyArray<readonly [RegExp, string]> = [
  [/ECONNREFUSED/, 'Connection refused'],
  [/EHOSTUNREACH/, 'No route to host'],
  [/ENETUNREACH/, 'Network is unreachable'],
  [/ETIMEDOUT/, 'Connection timed out'],
  [/ECONNRESET/, 'Connection reset by peer'],
  [/EADDRNOTAVAIL/, 'Cannot assign requested address'],
  [/EPIPE/, 'Broken pipe'],
  [/^connection closed$/i, 'Connection closed'],
];

/** A peer's last error in BIRD's form ("Socket: Connection refused"); other errors as petrel says them. */
export function birdLastError(text: string | null): string {
  if (!text) return '';
  for (const [re, words] of SOCKET_ERRORS) if (re.test(text)) return `Socket: ${words}`;
  return text;
}

/** BIRD's info column for a BGP protocol (bgp_get_status): state padded to 14, then the error. */
export function bgpInfo(p: BirdPeer): string {
  const error = p.state === 'Established' ? '' : birdLastError(p.lastError);
  if (p.adminDown) return error;
  return `${bgpStateDescription(p).padEnd(14)}${error}`;
}

function row(name: string, proto: string, state: string, since: number, info: string, now: number): string {
  return `${name.padEnd(8)} ${proto.padEnd(8)} ${'master'.padEnd(8)} ${state.padEnd(5)}  ${birdTime(since, now).padEnd(10)}  ${info}`;
}

export function peerRow(p: BirdPeer, bootedAt: number, now: number): string {
  return row(p.name, 'BGP', protocolState(p), p.since ?? bootedAt, bgpInfo(p), now);
}

export function localRow(p: LocalProtocol, now: number): string {
  return row(p.name, p.proto, p.state, p.since, '', now);
}

const u10 = (n: number) => String(n).padStart(10);
const NONE = '       ---';

function statsLines(s: RouteStats): string[] {
  const iu = s.importUpdates ?? [0, 0, 0, 0, 0];
  const iw = s.importWithdraws ?? [0, 0, 0, 0];
  const eu = s.exportUpdates ?? [0, 0, 0, 0];
  const ew = s.exportWithdraws ?? [0, 0];
  return [
    `  Routes:         ${s.imported} imported, ${s.exported} exported, ${s.preferred} preferred`,
    '  Route change stats:     received   rejected   filtered    ignored   accepted',
    `    Import updates:     ${iu.map(u10).join(' ')}`,
    `    Import withdraws:   ${u10(iw[0])} ${u10(iw[1])} ${NONE} ${u10(iw[2])} ${u10(iw[3])}`,
    `    Export updates:     ${u10(eu[0])} ${u10(eu[1])} ${u10(eu[2])} ${NONE} ${u10(eu[3])}`,
    `    Export withdraws:   ${u10(ew[0])} ${NONE} ${NONE} ${NONE} ${u10(ew[1])}`,
  ];
}

/** What petrel counts, in BIRD's route statistics (current table sizes; update counts where kept). */
export function peerStats(p: BirdPeer): RouteStats {
  const c = p.counters;
  return {
    imported: c.prefixesAccepted,
    exported: c.prefixesAdvertised,
    preferred: p.preferred ?? 0,
    importUpdates: [c.prefixesReceived, c.prefixesReceived - c.prefixesAccepted, 0, 0, c.prefixesAccepted],
    exportUpdates: [c.prefixesAdvertised, 0, 0, c.prefixesAdvertised],
  };
}

/** BIRD's "Neighbor caps:" words for what the peer's OPEN offered, in BIRD's order. */
function neighborCaps(caps: readonly string[]): string {
  const has = (prefix: string) => caps.some((c) => c === prefix || c.startsWith(`${prefix}:`));
  const words: string[] = [];
  if (has('route-refresh')) words.push('refresh');
  if (has('enhanced-route-refresh')) words.push('enhanced-refresh');
  if (has('graceful-restart')) words.push('restart-able');
  // BIRD: llgr-able when the peer keeps stale routes for some time, llgr-aware when it only understands LLGR.
  if (caps.includes('long-lived-graceful-restart:0s')) words.push('llgr-aware');
  else if (has('long-lived-graceful-restart')) words.push('llgr-able');
  if (has('4-octet-as')) words.push('AS4');
  if (has('add-path-rx')) words.push('add-path-rx');
  if (has('add-path-tx')) words.push('add-path-tx');
  if (has('extended-message')) words.push('ext-messages');
  return words.map((w) => ` ${w}`).join('');
}

function sessionFlags(p: BirdPeer, caps: readonly string[]): string {
  const has = (prefix: string) => caps.some((c) => c === prefix || c.startsWith(`${prefix}:`));
  let s = p.peerAs === p.localAs ? 'internal' : 'external';
  if (p.multihop) s += ' multihop';
  if (p.routeReflectorClient) s += ' route-reflector';
  if (has('4-octet-as')) s += ' AS4';
  if (has('add-path-rx')) s += ' add-path-rx';
  if (has('add-path-tx')) s += ' add-path-tx';
  if (has('extended-message')) s += ' ext-messages';
  return s;
}

/** The lines under a BGP protocol's row in `show protocols all` (code 1006). */
export function peerDetails(p: BirdPeer): string[] {
  const l: string[] = [];
  if (p.description) l.push(`  Description:    ${p.description}`);
  l.push('  Preference:     100', `  Input filter:   ${p.inputFilter ?? 'ACCEPT'}`, `  Output filter:  ${p.outputFilter ?? 'ACCEPT'}`);
  if (!p.adminDown) l.push(...statsLines(p.stats ?? peerStats(p)));
  l.push(`  BGP state:          ${bgpStateDescription(p)}`, `    Neighbor address: ${p.address}`, `    Neighbor AS:      ${p.peerAs}`);
  if (p.gracefulRestartActive) l.push('    Neighbor graceful restart active');
  if (p.state !== 'Established' && !p.adminDown && p.connectDelay) l.push(`    Connect delay:    ${p.connectDelay[0]}/${p.connectDelay[1]}`);
  const n = p.negotiated;
  if (p.state === 'Established' && n && !p.adminDown) {
    l.push(`    Neighbor ID:      ${n.peerRouterId}`);
    l.push(`    Neighbor caps:   ${neighborCaps(n.capabilities)}`);
    l.push(`    Session:          ${sessionFlags(p, n.capabilities)}`);
    if (p.sourceAddress) l.push(`    Source address:   ${p.sourceAddress}`);
    l.push(`    Hold timer:       ${p.holdTimerRemaining ?? n.holdTime}/${n.holdTime}`);
    l.push(`    Keepalive timer:  ${p.keepaliveTimerRemaining ?? n.keepaliveTime}/${n.keepaliveTime}`);
  }
  const err = p.state === 'Established' ? '' : birdLastError(p.lastError);
  if (err) l.push(`    Last error:       ${err}`);
  l.push('');
  return l;
}

export function localDetails(p: LocalProtocol): string[] {
  const l = [`  Preference:     ${p.preference}`, `  Input filter:   ${p.inputFilter}`, `  Output filter:  ${p.outputFilter}`];
  if (p.state !== 'down') l.push(...statsLines(p.stats));
  l.push('');
  return l;
}

export type ShownProtocol = { readonly kind: 'local'; readonly p: LocalProtocol } | { readonly kind: 'bgp'; readonly p: BirdPeer };

/** The reply lines of `show protocols [all]` for the chosen protocols (at least one). */
export function protocolsReply(shown: readonly ShownProtocol[], verbose: boolean, bootedAt: number, now: number): ReplyLine[] {
  const out: ReplyLine[] = [{ code: ReplyCode.PROTOCOL_HEADING, text: PROTOCOLS_HEADING }];
  for (const s of shown) {
    const text = s.kind === 'bgp' ? peerRow(s.p, bootedAt, now) : localRow(s.p, now);
    out.push({ code: ReplyCode.PROTOCOL, text });
    if (verbose) for (const d of s.kind === 'bgp' ? peerDetails(s.p) : localDetails(s.p)) out.push({ code: ReplyCode.PROTOCOL_DETAILS, text: d });
  }
  return out;
}
