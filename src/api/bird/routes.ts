/**
 * `show route [all] [count] [primary] [protocol P] [for A] [P]` over the
 * Loc-RIB, in BIRD 1.6's line format (nest/rt-table.c rt_show_rte), which
 * calico-node's route reporter matches with regular expressions.
 */
import { showRouteLine } from '../bird-format.js';
import { parseIpv4, parseIpv6, parsePrefix, type Prefix } from '../../lib/prefix.js';
import type { AsPathSegment, PathInfo } from '../provider.js';
import type { RouteQuery } from './command.js';
import { ReplyCode, type ReplyLine } from './reply.js';

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

function samePrefix(a: Prefix, b: Prefix): boolean {
  return a.len === b.len && contains(a, b);
}

/** Paths grouped by prefix, in table order. */
function byPrefix(paths: readonly PathInfo[]): PathInfo[][] {
  const groups = new Map<string, PathInfo[]>();
  for (const p of paths) {
    const g = groups.get(p.prefix);
    if (g) g.push(p);
    else groups.set(p.prefix, [p]);
  }
  return [...groups.values()];
}

const ORIGIN_NAME = { igp: 'IGP', egp: 'EGP', incomplete: 'Incomplete' } as const;

function asPathText(segments: readonly AsPathSegment[]): string {
  return segments.map((s) => (s.type === 'set' || s.type === 'confedSet' ? `{${s.numbers.join(' ')}}` : s.numbers.join(' '))).join(' ');
}

/** `show route all`: the type line (1008) and the BGP attributes (1012), tab-indented as BIRD does. */
function attributeLines(p: PathInfo): ReplyLine[] {
  const bgp = p.sourceAddress !== undefined;
  const out: ReplyLine[] = [{ code: ReplyCode.ROUTE_TYPE, text: `\tType: ${bgp ? 'BGP' : 'static'} unicast univ` }];
  if (!bgp) return out;
  const a = (text: string) => out.push({ code: ReplyCode.ROUTE_ATTRIBUTES, text: `\t${text}` });
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

export interface RouteReply {
  readonly lines: ReplyLine[];
  readonly final: ReplyLine;
}

/**
 * The reply to a route query. `interfaceFor` supplies "on IF" for next hops
 * whose interface the path does not carry.
 */
export function routeReply(paths: readonly PathInfo[], q: RouteQuery, now: number, interfaceFor?: (nextHop: string) => string | undefined): RouteReply {
  let groups = byPrefix(paths);
  if (q.prefix !== undefined || q.for !== undefined) {
    const want = asPrefix((q.prefix ?? q.for)!);
    if (!want) return { lines: [], final: { code: ReplyCode.PARSE_ERROR, text: 'IP address expected' } };
    const parsed = groups.map((g) => ({ g, p: parsePrefix(g[0]!.prefix, true) }));
    if (q.prefix !== undefined) {
      groups = parsed.filter((x) => x.p && samePrefix(x.p, want)).map((x) => x.g);
    } else {
      // The longest prefix containing the address (BIRD's net_route).
      const match = parsed.filter((x) => x.p && contains(x.p, want)).sort((a, b) => b.p!.len - a.p!.len)[0];
      groups = match ? [match.g] : [];
    }
    if (groups.length === 0) return { lines: [], final: { code: 8001, text: 'Network not in table' } };
  }
  const lines: ReplyLine[] = [];
  let routes = 0;
  let shown = 0;
  for (const g of groups) {
    let first = true;
    for (const path of g) {
      routes++;
      if (q.primary && !path.best) continue;
      if (q.protocol !== undefined && path.source !== q.protocol) continue;
      shown++;
      if (!q.count) {
        const nh = path.nextHops[0];
        const iface = path.interface ?? (nh !== undefined ? interfaceFor?.(nh) : undefined);
        // BIRD resolves BGP next hops recursively (Calico's "gateway recursive"): "(100/0)".
        const shownPath: PathInfo = { ...path, ...(iface ? { interface: iface } : {}), ...(path.sourceAddress !== undefined && path.igpMetric === undefined ? { igpMetric: 0 } : {}) };
        lines.push({ code: ReplyCode.ROUTE, text: showRouteLine(shownPath, { firstOfPrefix: first, table: 'loc', now }) });
        if (q.verbose) lines.push(...attributeLines(shownPath));
      }
      first = false;
    }
  }
  if (q.count) return { lines: [], final: { code: ReplyCode.ROUTE_COUNT, text: `${shown} of ${routes} routes for ${groups.length} networks` } };
  return { lines, final: { code: ReplyCode.OK, text: '' } };
}
