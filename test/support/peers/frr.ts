/**
 * FRR: bgpd alone, without zebra (`-Z`, every next hop counts as
 * reachable) and without the frr user (`--skip_runas`), vty on a socket in
 * the test directory (`--vty_socket`), no vty TCP port (`-P 0`). Queried
 * with `vtysh --vty_socket DIR -d bgpd -c '... json'`. Originated routes are
 * `network` statements (import check off: there is no RIB) with a
 * route-map each for their attributes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { run, spawn, requireExecutable, socketPath, testDir, waitFor } from '../netns.js';
import {
  canonicalIp,
  familyOf,
  finishPeer,
  keepaliveFor,
  localAddressFor,
  neighborFamilies,
  normalizeState,
  ttlHops,
  type Family,
  type Peer,
  type PeerOptions,
  type RouteInfo,
  type RouteSpec,
  type SessionInfo,
} from './common.js';

const BGPD = '/usr/lib/frr/bgpd';
const VTYSH = '/usr/bin/vtysh';
const HINT = 'FRR is needed: apt-get install frr (see .ci/run)';

const afName = (f: Family): string => `${f} unicast`;

function routeMapName(r: RouteSpec): string {
  return `rm-${r.prefix.replace(/[^0-9a-fA-F]/g, '-')}`;
}

/** Route-map and `network` lines for one originated route (config mode, inside `router bgp`). */
function routeMapLines(r: RouteSpec): string[] {
  const l = [`route-map ${routeMapName(r)} permit 10`];
  if (r.communities?.length) l.push(` set community ${r.communities.join(' ')} additive`);
  if (r.largeCommunities?.length) l.push(` set large-community ${r.largeCommunities.join(' ')} additive`);
  if (r.med !== undefined) l.push(` set metric ${r.med}`);
  if (r.localPref !== undefined) l.push(` set local-preference ${r.localPref}`);
  if (r.asPathPrepend?.length) l.push(` set as-path prepend ${r.asPathPrepend.join(' ')}`);
  if (r.nextHop) l.push(familyOf(r.nextHop) === 'ipv4' ? ` set ip next-hop ${r.nextHop}` : ` set ipv6 next-hop global ${r.nextHop}`);
  l.push('exit');
  return l;
}

export function frrConfig(opts: PeerOptions, routes: readonly RouteSpec[]): string {
  const l: string[] = ['frr defaults traditional', `hostname ${opts.name ?? 'frr'}`, 'log stdout informational', 'log timestamp precision 3', '!'];
  for (const r of routes) l.push(...routeMapLines(r));
  l.push(`router bgp ${opts.as}`, ` bgp router-id ${opts.routerId}`);
  l.push(' no bgp ebgp-requires-policy', ' no bgp network import-check', ' no bgp default ipv4-unicast');
  if (opts.neighbors.some((n) => n.gracefulRestart)) l.push(' bgp graceful-restart');
  for (const n of opts.neighbors) {
    const a = n.address;
    l.push(` neighbor ${a} remote-as ${n.as}`);
    l.push(` neighbor ${a} update-source ${localAddressFor(opts, n)}`);
    l.push(` neighbor ${a} timers connect 1`);
    l.push(` neighbor ${a} advertisement-interval 0`);
    if (n.passive) l.push(` neighbor ${a} passive`);
    if (n.password !== undefined) l.push(` neighbor ${a} password ${n.password}`);
    const hops = ttlHops(n);
    if (hops !== undefined) l.push(` neighbor ${a} ttl-security hops ${hops}`);
    else if (n.multihop !== undefined) l.push(` neighbor ${a} ebgp-multihop ${n.multihop}`);
    if (n.holdTime !== undefined) l.push(` neighbor ${a} timers ${keepaliveFor(n.holdTime)} ${n.holdTime}`);
    if (n.gracefulRestart) l.push(` neighbor ${a} graceful-restart`);
    if (typeof n.gracefulRestart === 'object') l.push(` bgp graceful-restart restart-time ${n.gracefulRestart.restartTime}`);
  }
  for (const f of ['ipv4', 'ipv6'] as const) {
    const ns = opts.neighbors.filter((n) => neighborFamilies(n).includes(f));
    const rs = routes.filter((r) => familyOf(r.prefix) === f);
    if (!ns.length && !rs.length) continue;
    l.push(` address-family ${afName(f)}`);
    for (const r of rs) l.push(`  network ${r.prefix} route-map ${routeMapName(r)}`);
    for (const n of ns) {
      l.push(`  neighbor ${n.address} activate`);
      if (n.routeReflectorClient) l.push(`  neighbor ${n.address} route-reflector-client`);
      if (n.addPath === 'send' || n.addPath === 'both') l.push(`  neighbor ${n.address} addpath-tx-all-paths`);
      if (n.nextHopSelf) l.push(`  neighbor ${n.address} next-hop-self`);
    }
    l.push(' exit-address-family');
  }
  l.push('exit', '!');
  return l.join('\n') + '\n';
}

interface FrrNeighborJson {
  bgpState?: string;
  remoteAs?: number;
  bgpTimerUpMsec?: number;
}

interface FrrPathJson {
  valid?: boolean;
  bestpath?: { overall?: boolean } | boolean;
  aspath?: { string?: string; segments?: { list?: number[] }[] };
  community?: { string?: string };
  largeCommunity?: { string?: string };
  med?: number;
  metric?: number;
  localpref?: number;
  locPrf?: number;
  nexthops?: { ip?: string; afi?: string; scope?: string; used?: boolean }[];
  originatorId?: string;
  clusterList?: { list?: string[] };
  peer?: { peerId?: string };
}

export function parseFrrNeighbors(json: string): SessionInfo[] {
  const obj = JSON.parse(json) as Record<string, FrrNeighborJson>;
  return Object.entries(obj)
    .filter(([, v]) => typeof v === 'object' && v !== null && 'bgpState' in v)
    .map(([addr, v]) => {
      const state = normalizeState(v.bgpState ?? '');
      return {
        neighbor: canonicalIp(addr),
        state,
        rawState: v.bgpState ?? '',
        ...(v.remoteAs !== undefined ? { remoteAs: v.remoteAs } : {}),
        ...(state === 'Established' && v.bgpTimerUpMsec !== undefined ? { uptime: Math.round(v.bgpTimerUpMsec / 1000) } : {}),
      };
    });
}

/**
 * `show bgp <afi> unicast json detail` (FRR 8.4): {routes: {prefix: [header,
 * path, path...]}} where the header holds only prefix and version.
 */
export function parseFrrDetail(json: string): RouteInfo[] {
  const table = JSON.parse(json) as { routes?: Record<string, (FrrPathJson & { prefix?: string })[]> };
  const out: RouteInfo[] = [];
  for (const [prefix, entries] of Object.entries(table.routes ?? {})) {
    for (const p of entries) {
      if (!('nexthops' in p) && !('aspath' in p)) continue; // the per-prefix header
      out.push(frrPath(prefix, p));
    }
  }
  return out;
}

function frrPath(prefix: string, p: FrrPathJson): RouteInfo {
  const asText = p.aspath?.string ?? '';
  const nh = p.nexthops?.find((n) => n.scope !== 'link-local') ?? p.nexthops?.[0];
  const best = typeof p.bestpath === 'object' ? Boolean(p.bestpath.overall) : Boolean(p.bestpath);
  const med = p.med ?? p.metric;
  const lp = p.localpref ?? p.locPrf;
  return {
    prefix,
    nextHop: canonicalIp(nh?.ip ?? ''),
    asPath: (asText.match(/\d+/g) ?? []).map(Number),
    communities: (p.community?.string ?? '').split(' ').filter(Boolean),
    largeCommunities: (p.largeCommunity?.string ?? '').split(' ').filter(Boolean),
    ...(med !== undefined ? { med } : {}),
    ...(lp !== undefined ? { localPref: lp } : {}),
    unknownAttributes: new Map<number, string>(),
    best,
    ...(p.originatorId !== undefined ? { originatorId: p.originatorId } : {}),
    ...(p.clusterList?.list !== undefined ? { clusterList: p.clusterList.list } : {}),
    // Local routes name no peer ("(unspec)", or 0.0.0.0 / :: for `network` routes).
    ...(p.peer?.peerId && isIP(p.peer.peerId) && !/^(0\.0\.0\.0|::)$/.test(p.peer.peerId) ? { from: canonicalIp(p.peer.peerId) } : {}),
  };
}

export async function startFrr(opts: PeerOptions & { ns: string }): Promise<Peer> {
  requireExecutable(BGPD, HINT);
  requireExecutable(VTYSH, HINT);
  const name = opts.name ?? 'frr';
  const dir = opts.dir ?? testDir(`${opts.ns}-${name}`);
  const vtyDir = socketPath(`${name}-vty`);
  mkdirSync(vtyDir, { recursive: true });
  const conf = join(dir, `${name}.conf`);
  const routes = [...(opts.routes ?? [])];
  writeFileSync(conf, frrConfig(opts, routes));
  const listen = opts.listen.flatMap((a) => ['-l', a]);
  const args = ['-Z', '--skip_runas', '-f', conf, '-i', join(dir, `${name}.pid`), '--vty_socket', vtyDir, '-P', '0', '-z', join(vtyDir, 'zserv.api'), ...listen];
  const daemon = spawn(opts.ns, BGPD, args, { name, logDir: dir });

  const vtysh = async (...commands: string[]): Promise<string> => {
    const { stdout, stderr } = await run(VTYSH, ['--vty_socket', vtyDir, '--config_dir', vtyDir, '-d', 'bgpd', ...commands.flatMap((c) => ['-c', c])], {
      timeoutMs: 10_000,
    });
    if (/% (Unknown|Invalid|Ambiguous|Command incomplete)/.test(stdout + stderr)) throw new Error(`vtysh ${commands.join(' | ')}: ${stdout}${stderr}`);
    return stdout;
  };
  await waitFor(`${name} vty`, 10_000, async () => {
    if (!daemon.alive) throw new Error(`${name} exited:\n${daemon.log()}`);
    return (await vtysh('show bgp summary json')).includes('{') ? true : undefined;
  }, 100);

  const routesOf = async (family: Family): Promise<RouteInfo[]> => parseFrrDetail(await vtysh(`show bgp ${afName(family)} json detail`));
  const bgpMode = (r: RouteSpec): string[] => ['configure terminal', `router bgp ${opts.as}`, `address-family ${afName(familyOf(r.prefix))}`];
  return finishPeer({
    kind: 'frr',
    ns: opts.ns,
    options: opts,
    dir,
    daemons: [daemon],
    cli: (command) => vtysh(command),
    sessions: async () => parseFrrNeighbors(await vtysh('show bgp neighbors json')),
    routes: routesOf,
    async announce(route) {
      routes.push(route);
      await vtysh('configure terminal', ...routeMapLines(route));
      await vtysh(...bgpMode(route), `network ${route.prefix} route-map ${routeMapName(route)}`);
    },
    async withdraw(prefix) {
      const r = routes.find((x) => x.prefix === prefix);
      if (!r) throw new Error(`${name}: ${prefix} was not announced`);
      routes.splice(routes.indexOf(r), 1);
      await vtysh(...bgpMode(r), `no network ${prefix} route-map ${routeMapName(r)}`);
    },
  });
}
