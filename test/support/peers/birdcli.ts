/**
 * Parsers for BIRD's text output (`show protocols all`, `show route all`),
 * shared by BIRD 1.6 and BIRD 2 (their formats differ in the route line,
 * the attribute lines are alike). Configs set `timeformat ... iso long` so
 * times parse.
 */
import { run } from '../netns.js';
import { canonicalIp, normalizeState, parseCommunity, type RouteInfo, type RouteSpec, type SessionInfo } from './common.js';

function isoSeconds(text: string): number | undefined {
  const t = Date.parse(text.replace(' ', 'T'));
  return Number.isNaN(t) ? undefined : Math.max(0, Math.round((Date.now() - t) / 1000));
}

/** Sessions of every BGP protocol in `show protocols all` output. */
export function parseBirdProtocols(out: string): SessionInfo[] {
  const sessions: SessionInfo[] = [];
  // A protocol block starts with an unindented line: name proto table state since(date time) info
  const blocks = out.split(/\n(?=\S)/);
  for (const block of blocks) {
    const head = /^(\S+)\s+BGP\s+\S+\s+(\S+)\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)?/.exec(block);
    if (!head) continue;
    const bgpState = /BGP state:\s+(\S+)/.exec(block)?.[1];
    const neighbor = /Neighbor address:\s+(\S+)/.exec(block)?.[1];
    const remoteAs = /Neighbor AS:\s+(\d+)/.exec(block)?.[1];
    if (!neighbor) continue;
    const rawState = bgpState ?? head[2] ?? 'unknown';
    const state = normalizeState(rawState);
    const since = head[3] ? isoSeconds(head[3]) : undefined;
    sessions.push({
      neighbor: canonicalIp(neighbor.replace(/%.*$/, '')),
      state,
      rawState,
      ...(remoteAs ? { remoteAs: Number(remoteAs) } : {}),
      ...(state === 'Established' && since !== undefined ? { uptime: since } : {}),
    });
  }
  return sessions;
}

function parseAsPath(text: string): number[] {
  return (text.match(/\d+/g) ?? []).map(Number);
}

/**
 * Routes in `show route all` output. `skipProtocols` drops routes from
 * protocols such as `direct`. Unknown attributes are read from lines like
 * `BGP.63 [t]: de ad be ef` (type code in hex, flags t=transitive,
 * p=partial), their value as hex bytes. `neighborOf` maps a protocol name
 * to its neighbor's address (the route's `from`).
 */
export function parseBirdRoutes(out: string, skipProtocols: readonly string[] = [], neighborOf: ReadonlyMap<string, string> = new Map()): RouteInfo[] {
  const routes: RouteInfo[] = [];
  let prefix = '';
  let cur: { prefix: string; proto: string; best: boolean; gw: string; attrs: Map<string, string> } | undefined;
  const flush = (): void => {
    if (!cur || skipProtocols.includes(cur.proto)) return;
    const a = cur.attrs;
    const unknown = new Map<number, string>();
    for (const [k, v] of a) {
      // BIRD names an attribute it does not know by its type code in hex: `BGP.63 [t]: de ad`.
      const m = /^([0-9a-f]{2})$/i.exec(k);
      if (m?.[1]) unknown.set(parseInt(m[1], 16), v.replace(/[^0-9a-f]/gi, '').toLowerCase());
    }
    const nh = a.get('next_hop')?.split(/\s+/)[0];
    routes.push({
      prefix: cur.prefix,
      nextHop: canonicalIp(nh ?? cur.gw),
      asPath: parseAsPath(a.get('as_path') ?? ''),
      communities: [...(a.get('community') ?? '').matchAll(/\((\d+),\s*(\d+)\)/g)].map((m) => `${m[1]}:${m[2]}`),
      largeCommunities: [...(a.get('large_community') ?? '').matchAll(/\((\d+),\s*(\d+),\s*(\d+)\)/g)].map((m) => `${m[1]}:${m[2]}:${m[3]}`),
      ...(a.has('med') ? { med: Number(a.get('med')) } : {}),
      ...(a.has('local_pref') ? { localPref: Number(a.get('local_pref')) } : {}),
      unknownAttributes: unknown,
      best: cur.best,
      // `BGP.originator_id: 198.18.1.2`, `BGP.cluster_list: 224.0.0.1 224.0.0.2`
      ...(a.has('originator_id') ? { originatorId: a.get('originator_id')!.trim() } : {}),
      ...(a.has('cluster_list') ? { clusterList: a.get('cluster_list')!.split(/\s+/).filter(Boolean) } : {}),
      ...(neighborOf.has(cur.proto) ? { from: canonicalIp(neighborOf.get(cur.proto)!) } : {}),
    });
  };
  for (const line of out.split('\n')) {
    const routeLine = /^(\S+)?\s+(?:.*?)\[(\S+)(?:\s[^\]]*)?\](\s+\*)?/.exec(line);
    if (routeLine && !/^\s+(BGP\.|Type:)/.test(line) && !line.startsWith('Table ') && !line.startsWith('BIRD ')) {
      flush();
      if (routeLine[1]) prefix = routeLine[1];
      const gw = /\bvia\s+(\S+)/.exec(line)?.[1] ?? '';
      cur = { prefix, proto: routeLine[2] ?? '', best: Boolean(routeLine[3]), gw, attrs: new Map() };
      continue;
    }
    const via = /^\s+via\s+(\S+)/.exec(line);
    if (via && cur && !cur.gw) cur.gw = via[1] ?? '';
    const attr = /^\s+BGP\.(\S+?)(?:\s+\[[a-z]*\])?:\s*(.*)$/i.exec(line);
    if (attr && cur) cur.attrs.set(attr[1] ?? '', (attr[2] ?? '').trim());
  }
  flush();
  return routes;
}

/**
 * A BIRD filter (both versions) that gives originated routes their
 * attributes on export: `if net = P then { ... }` per route, then accept.
 */
export function birdExportFilter(name: string, routes: readonly RouteSpec[]): string {
  const lines = [`filter ${name} {`, '  if proto = "d_direct" then reject;'];
  for (const r of routes) {
    const body: string[] = [];
    if (r.med !== undefined) body.push(`bgp_med = ${r.med};`);
    if (r.localPref !== undefined) body.push(`bgp_local_pref = ${r.localPref};`);
    for (const c of r.communities ?? []) body.push(`bgp_community.add((${parseCommunity(c).join(',')}));`);
    for (const c of r.largeCommunities ?? []) body.push(`bgp_large_community.add((${c.split(':').join(',')}));`);
    for (const asn of [...(r.asPathPrepend ?? [])].reverse()) body.push(`bgp_path.prepend(${asn});`);
    if (r.nextHop) body.push(`bgp_next_hop = ${r.nextHop};`);
    if (body.length) lines.push(`  if net = ${r.prefix} then { ${body.join(' ')} }`);
  }
  lines.push('  accept;', '}');
  return lines.join('\n');
}

/** Run birdc (either version) against a control socket; strips the banner, throws on BIRD errors. */
export async function birdc(client: string, socket: string, command: string): Promise<string> {
  const { stdout } = await run(client, ['-s', socket, ...command.split(/\s+/).filter(Boolean)], { timeoutMs: 10_000 });
  if (/Unable to connect|^syntax error/im.test(stdout)) throw new Error(`${client} ${command}: ${stdout.trim()}`);
  return stdout.replace(/^BIRD [^\n]*ready\.\n/, '');
}
