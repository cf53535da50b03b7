/**
 * GoBGP: `gobgpd -f CONF.toml` with its gRPC API on a unix socket in the
 * test directory (so the `gobgp` client runs from the root namespace,
 * `--target unix://...`), pprof off. Originated routes are added with
 * `gobgp global rib add` once the API answers. Queried with `gobgp -j`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireExecutable, run, spawn, socketPath, testDir, waitFor } from '../netns.js';
import {
  canonicalIp,
  familyOf,
  finishPeer,
  keepaliveFor,
  localAddressFor,
  neighborFamilies,
  ttlHops,
  type Family,
  type NeighborOptions,
  type Peer,
  type PeerOptions,
  type RouteInfo,
  type RouteSpec,
  type SessionInfo,
  type SessionState,
} from './common.js';

const GOBGPD = '/usr/bin/gobgpd';
const GOBGP = '/usr/bin/gobgp';
const HINT = 'GoBGP is needed: apt-get install gobgpd (see .ci/run)';

const q = (s: string): string => JSON.stringify(s);

function neighborToml(opts: PeerOptions, n: NeighborOptions): string {
  const l: string[] = ['[[neighbors]]', '  [neighbors.config]'];
  l.push(`    neighbor-address = ${q(n.address)}`, `    peer-as = ${n.as}`);
  if (n.password !== undefined) l.push(`    auth-password = ${q(n.password)}`);
  l.push('  [neighbors.timers.config]', '    connect-retry = 1', '    idle-hold-time-after-reset = 1');
  if (n.holdTime !== undefined) l.push(`    hold-time = ${n.holdTime}`, `    keepalive-interval = ${keepaliveFor(n.holdTime)}`);
  l.push('  [neighbors.transport.config]', `    local-address = ${q(localAddressFor(opts, n))}`);
  if (n.passive) l.push('    passive-mode = true');
  const hops = ttlHops(n);
  if (hops !== undefined) l.push('  [neighbors.ttl-security.config]', '    enabled = true', `    ttl-min = ${256 - hops}`);
  else if (n.multihop !== undefined) l.push('  [neighbors.ebgp-multihop.config]', '    enabled = true', `    multihop-ttl = ${n.multihop}`);
  if (n.gracefulRestart) {
    const t = typeof n.gracefulRestart === 'object' ? n.gracefulRestart.restartTime : 120;
    l.push('  [neighbors.graceful-restart.config]', '    enabled = true', `    restart-time = ${t}`);
  }
  if (n.routeReflectorClient) {
    l.push('  [neighbors.route-reflector.config]', '    route-reflector-client = true', `    route-reflector-cluster-id = ${q(opts.routerId)}`);
  }
  for (const f of neighborFamilies(n)) {
    l.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${f}-unicast"`);
    if (n.gracefulRestart) l.push('    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true');
    if (n.addPath) {
      l.push('    [neighbors.afi-safis.add-paths.config]');
      if (n.addPath !== 'send') l.push('      receive = true');
      if (n.addPath !== 'receive') l.push('      send-max = 8');
    }
  }
  return l.join('\n');
}

export function gobgpConfig(opts: PeerOptions): string {
  const l = ['[global.config]', `  as = ${opts.as}`, `  router-id = ${q(opts.routerId)}`];
  l.push(`  local-address-list = [${opts.listen.map(q).join(', ')}]`);
  for (const n of opts.neighbors) l.push(neighborToml(opts, n));
  return l.join('\n') + '\n';
}

/** `gobgp global rib add` arguments for a route (without the leading `-a FAMILY`). */
export function ribAddArgs(r: RouteSpec): string[] {
  const f = familyOf(r.prefix);
  const a = [r.prefix, 'nexthop', r.nextHop ?? (f === 'ipv4' ? '0.0.0.0' : '::')];
  if (r.asPathPrepend?.length) a.push('aspath', r.asPathPrepend.join(' '));
  if (r.communities?.length) a.push('community', r.communities.join(','));
  if (r.largeCommunities?.length) a.push('large-community', r.largeCommunities.join(','));
  if (r.med !== undefined) a.push('med', String(r.med));
  if (r.localPref !== undefined) a.push('local-pref', String(r.localPref));
  return a;
}

const STATES: Record<number | string, SessionState> = {
  1: 'Idle',
  2: 'Connect',
  3: 'Active',
  4: 'OpenSent',
  5: 'OpenConfirm',
  6: 'Established',
};

interface GobgpPeerJson {
  conf?: { neighbor_address?: string; peer_asn?: number };
  state?: { session_state?: number | string; neighbor_address?: string; peer_asn?: number };
  timers?: { state?: { uptime?: { seconds?: number } } };
}

export function parseGobgpNeighbors(json: string): SessionInfo[] {
  const peers = JSON.parse(json) as GobgpPeerJson[];
  return peers.map((p) => {
    const raw = p.state?.session_state ?? 1;
    const state = STATES[raw] ?? (typeof raw === 'string' ? (Object.values(STATES).find((s) => s.toUpperCase() === raw.toUpperCase()) ?? 'Idle') : 'Idle');
    const up = p.timers?.state?.uptime?.seconds;
    const asn = p.state?.peer_asn ?? p.conf?.peer_asn;
    return {
      neighbor: canonicalIp(p.conf?.neighbor_address ?? p.state?.neighbor_address ?? ''),
      state,
      rawState: String(raw),
      ...(asn !== undefined ? { remoteAs: asn } : {}),
      ...(state === 'Established' && up !== undefined ? { uptime: Math.max(0, Math.round(Date.now() / 1000 - up)) } : {}),
    };
  });
}

interface GobgpAttr {
  type: number;
  as_paths?: { segment_type: number; num: number; asns: number[] }[];
  nexthop?: string;
  communities?: number[];
  metric?: number;
  value?: number | string | { global_admin: number; local_data1: number; local_data2: number }[];
  nexthops?: string[];
  nexthop_ll?: string;
  large_communities?: { global_admin: number; local_data1: number; local_data2: number }[];
}

interface GobgpPathJson {
  nlri?: { prefix?: string };
  attrs?: GobgpAttr[];
  best?: boolean;
  'source-id'?: string;
}

/** `gobgp -j global rib -a FAMILY`: {prefix: [path...]} */
export function parseGobgpRib(json: string): RouteInfo[] {
  const table = JSON.parse(json) as Record<string, GobgpPathJson[]>;
  const out: RouteInfo[] = [];
  for (const [prefix, paths] of Object.entries(table)) {
    for (const p of paths) {
      const attrs = p.attrs ?? [];
      const get = (t: number): GobgpAttr | undefined => attrs.find((a) => a.type === t);
      const asPath = (get(2)?.as_paths ?? []).flatMap((s) => s.asns ?? []);
      const nh = get(3)?.nexthop ?? get(14)?.nexthop ?? get(14)?.nexthops?.[0] ?? '';
      const comms = (get(8)?.communities ?? []).map((c) => `${c >>> 16}:${c & 0xffff}`);
      const large = (get(32)?.large_communities ?? []).map((c) => `${c.global_admin}:${c.local_data1}:${c.local_data2}`);
      const med = get(4)?.metric;
      const lp = get(5)?.value;
      const unknown = new Map<number, string>();
      for (const a of attrs) {
        if (![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32].includes(a.type) && typeof a.value === 'string') {
          unknown.set(a.type, Buffer.from(a.value, 'base64').toString('hex'));
        }
      }
      out.push({
        prefix: p.nlri?.prefix ?? prefix,
        nextHop: canonicalIp(nh),
        asPath,
        communities: comms,
        largeCommunities: large,
        ...(med !== undefined ? { med } : {}),
        ...(typeof lp === 'number' ? { localPref: lp } : {}),
        unknownAttributes: unknown,
        best: Boolean(p.best),
      });
    }
  }
  return out;
}

export async function startGobgp(opts: PeerOptions & { ns: string }): Promise<Peer> {
  requireExecutable(GOBGPD, HINT);
  requireExecutable(GOBGP, HINT);
  const name = opts.name ?? 'gobgp';
  const dir = opts.dir ?? testDir(`${opts.ns}-${name}`);
  const conf = join(dir, `${name}.toml`);
  const sock = socketPath(`${name}.sock`);
  writeFileSync(conf, gobgpConfig(opts));
  const daemon = spawn(opts.ns, GOBGPD, ['-f', conf, '--api-hosts', `unix://${sock}`, '--pprof-disable', '-p', '-l', 'info'], { name, logDir: dir });
  const gobgp = async (args: readonly string[]): Promise<string> =>
    (await run(GOBGP, ['--target', `unix://${sock}`, ...args], { timeoutMs: 10_000 })).stdout;
  await waitFor(`${name} API`, 10_000, async () => {
    if (!daemon.alive) throw new Error(`${name} exited:\n${daemon.log()}`);
    return (await gobgp(['-j', 'global'])).includes('{') ? true : undefined;
  }, 100);
  const announce = async (r: RouteSpec): Promise<void> => {
    await gobgp(['global', 'rib', 'add', '-a', familyOf(r.prefix), ...ribAddArgs(r)]);
  };
  for (const r of opts.routes ?? []) await announce(r);
  return finishPeer({
    kind: 'gobgp',
    ns: opts.ns,
    options: opts,
    dir,
    daemons: [daemon],
    cli: async (command) => gobgp(command.split(/\s+/).filter(Boolean)),
    sessions: async () => parseGobgpNeighbors(await gobgp(['-j', 'neighbor'])),
    routes: async (family: Family) => parseGobgpRib(await gobgp(['-j', 'global', 'rib', '-a', family])),
    announce,
    async withdraw(prefix) {
      await gobgp(['global', 'rib', 'del', '-a', familyOf(prefix), prefix]);
    },
  });
}
