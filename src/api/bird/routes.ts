/**
 * `show route [all] [count] [primary] [protocol P] [for A] [P]` over the
 * Loc-RIB, in BIRD 1.6's line format (nest/rt-table.c rt_show_rte:
 * "%-18s %s [%s %s%s]%s%s"), which calico-node's route reporter matches
 * with regular expressions. A large table is produced in chunks, so the
 * socket server can yield to the event loop between them.
 */
import { birdTime } from '../bird-format.js';
import { parseIpv4, parseIpv6, parsePrefix, type Prefix } from '../../lib/prefix.js';
import type { AsPathSegment, PathInfo } from '../provider.js';
import type { RouteQuery } from './command.js';
import { ReplyCode, ReplyFramer } from './reply.js';

/** Routes formatted per chunk: a few milliseconds of work between turns of the event loop. */
export const ROUTE_CHUNK = 2000;

/** An address or prefix as a prefix (an address is a host prefix). */
function asPrefix(text: string): Prefix | null {
  if (text.includes('/')) return parsePrefix(text, true);
  const v4 = parseIpv4(text);
  if (v4 !== null) return { afi: 1, addr: v4, len: 32 };
  const v6 = parseIpv6(text);
  return v6 ? { afi: 2, addr: v6, len: 128 } : null;
}

/** Whether `outer` contains `inner` (same family, shorter or equal, same leading bits). */
function contains(outer: Prefix, inner: Prefix): boolean {
  if (outer.afi !== inner.afi || outer.len > inner.len) return false;
  if (outer.afi === 1) {
    const mask = outer.len === 0 ? 0 : (0xffffffff << (32 - outer.len)) >>> 0;
    return ((inner.addr as number) & mask) >>> 0 === outer.addr;
  }
  const a = outer.addr;
  const b = inner.addr as Uint8Array;
  const full = outer.len >>> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = outer.len & 7;
  if (rest === 0) return true;
  const m = (0xff << (8 - rest)) & 0xff;
  return (a[full]! & m) === (b[full]! & m);
}

/** Paths grouped by prefix, in table order (paths of a prefix are adjacent, best first). */
function byPrefix(paths: readonly PathInfo[]): PathInfo[][] {
  const groups: PathInfo[][] = [];
  let current: PathInfo[] | null = null;
  for (const p of paths) {
    if (current && current[0]!.prefix === p.prefix) current.push(p);
    else groups.push((current = [p]));
  }
  return groups;
}

const ORIGIN_CHAR = { igp: 'i', egp: 'e', incomplete: '?' } as const;
const ORIGIN_NAME = { igp: 'IGP', egp: 'EGP', incomplete: 'Incomplete' } as const;

/** The last ASN of the AS_PATH when its last segment is a sequence (BIRD's as_path_get_last). */
function originAs(segments: readonly AsPathSegment[]): number | null {
  let found: number | null = null;
  for (const s of segments) {
    if (s.type === 'sequence' && s.numbers.length > 0) found = s.numbers[s.numbers.length - 1] ?? null;
    else if (s.type === 'set' && s.numbers.length > 0) found = null;
  }
  return found;
}

function asPathText(segments: readonly AsPathSegment[]): string {
  return segments.map((s) => (s.type === 'set' || s.type === 'confedSet' ? `{${s.numbers.join(' ')}}` : s.numbers.join(' '))).join(' ');
}

/**
 * One route line. BGP routes get "(pref/igp) [ASNi]": petrel resolves next
 * hops as Calico's `gateway recursive` makes BIRD do, so the IGP metric is 0
 * unless the path says otherwise; other routes get "(pref)".
 */
function routeLine(p: PathInfo, first: boolean, iface: string | undefined, time: string): string {
  const nh = p.nextHops[0];
  const via = nh !== undefined ? `via ${nh}${iface ? ` on ${iface}` : ''}` : iface ? `dev ${iface}` : 'blackhole';
  const from = p.sourceAddress && p.sourceAddress !== nh ? ` from ${p.sourceAddress}` : '';
  let info: string;
  if (p.sourceAddress !== undefined) {
    const as = originAs(p.asPath);
    info = ` (${p.preference ?? 100}/${p.igpMetric ?? 0}) [${as !== null ? `AS${as}` : ''}${ORIGIN_CHAR[p.origin]}]`;
  } else {
    info = ` (${p.preference ?? 200})`;
  }
  return `${(first ? p.prefix : '').padEnd(18)} ${via} [${p.source || '?'} ${time}${from}]${p.best ? ' *' : ''}${info}`;
}

/** `show route all`: the type line (1008) and the BGP attributes (1012), tab-indented as BIRD does. */
function attributeLines(f: ReplyFramer, p: PathInfo): string {
  const bgp = p.sourceAddress !== undefined;
  let out = f.line(ReplyCode.ROUTE_TYPE, `\tType: ${bgp ? 'BGP' : 'static'} unicast univ`);
  if (!bgp) return out;
  const a = (text: string) => (out += f.line(ReplyCode.ROUTE_ATTRIBUTES, `\t${text}`));
  a(`BGP.origin: ${ORIGIN_NAME[p.origin]}`);
  a(`BGP.as_path: ${asPathText(p.asPath)}`);
  a(`BGP.next_hop: ${p.nextHops.join(' ')}`);
  if (p.med !== undefined) a(`BGP.med: ${p.med}`);
  a(`BGP.local_pref: ${p.localPref ?? 100}`);
  if (p.originatorId) a(`BGP.originator_id: ${p.originatorId}`);
  if (p.clusterList.length > 0) a(`BGP.cluster_list: ${p.clusterList.join(' ')}`);
  if (p.communities.length > 0) a(`BGP.community: ${p.communities.map((c) => `(${c.replace(':', ',')})`).join(' ')}`);
  if (p.extendedCommunities.length > 0) a(`BGP.ext_community: ${p.extendedCommunities.map((c) => `(${c.replaceAll(':', ', ')})`).join(' ')}`);
  if (p.largeCommunities.length > 0) a(`BGP.large_community: ${p.largeCommunities.map((c) => `(${c.globalAdmin}, ${c.localData1}, ${c.localData2})`).join(' ')}`);
  return out;
}

/**
 * The reply to a route query, framed, in pieces of about `chunk` routes.
 * `interfaceFor` supplies "on IF" for next hops whose interface the path
 * does not carry.
 */
export function* routeReplyChunks(
  paths: readonly PathInfo[],
  q: RouteQuery,
  now: number,
  interfaceFor?: (nextHop: string) => string | undefined,
  chunk = ROUTE_CHUNK,
): Generator<string> {
  const f = new ReplyFramer();
  let groups = byPrefix(paths);
  if (q.prefix !== undefined || q.for !== undefined) {
    const want = asPrefix((q.prefix ?? q.for)!);
    if (!want) {
      yield f.final(ReplyCode.PARSE_ERROR, 'IP address expected');
      return;
    }
    const parsed = groups.map((g) => ({ g, p: parsePrefix(g[0]!.prefix, true) }));
    if (q.prefix !== undefined) {
      groups = parsed.filter((x) => x.p && x.p.len === want.len && contains(x.p, want)).map((x) => x.g);
    } else {
      // The longest prefix containing the address (BIRD's net_route).
      const match = parsed.filter((x) => x.p && contains(x.p, want)).sort((a, b) => b.p!.len - a.p!.len)[0];
      groups = match ? [match.g] : [];
    }
    if (groups.length === 0) {
      yield f.final(8001, 'Network not in table');
      return;
    }
  }
  // Routes of one protocol share a few timestamps: format each once.
  const times = new Map<number, string>();
  const timeOf = (at: number): string => {
    let t = times.get(at);
    if (t === undefined) times.set(at, (t = birdTime(at, now)));
    return t;
  };
  let out = '';
  let inChunk = 0;
  let routes = 0;
  let shown = 0;
  for (const g of groups) {
    let first = true;
    for (const path of g) {
      routes++;
      if (q.primary && !path.best) continue;
      if (q.protocol !== undefined && path.source !== q.protocol) continue;
      shown++;
      if (q.count) continue;
      const nh = path.nextHops[0];
      const iface = path.interface ?? (nh !== undefined ? interfaceFor?.(nh) : undefined);
      out += f.line(ReplyCode.ROUTE, routeLine(path, first, iface, timeOf(path.since)));
      if (q.verbose) out += attributeLines(f, path);
      first = false;
      if (++inChunk >= chunk) {
        yield out;
        out = '';
        inChunk = 0;
      }
    }
  }
  if (q.count) yield f.final(ReplyCode.ROUTE_COUNT, `${shown} of ${routes} routes for ${groups.length} networks`);
  else yield out + f.final(ReplyCode.OK, '');
}
