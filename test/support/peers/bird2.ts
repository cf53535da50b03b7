/**
 * BIRD 2 (Debian's bird2): `bird -f -c CONF -s SOCK` in the foreground,
 * queried with `birdc -s SOCK`. One `protocol bgp` per neighbor with
 * `strict bind` on its local address, short connect/error timers so tests
 * do not wait BIRD's default 5 s connect delay or 60 s error wait.
 * Originated routes are blackhole static routes; their attributes are set
 * by the export filter (BIRD's next hop self/keep rules apply).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireExecutable, spawn, socketPath, testDir, waitFor } from '../netns.js';
import { birdc, birdExportFilter, parseBirdProtocols, parseBirdRoutes } from './birdcli.js';
import {
  familyOf,
  finishPeer,
  keepaliveFor,
  localAddressFor,
  neighborFamilies,
  ttlHops,
  type NeighborOptions,
  type Peer,
  type PeerOptions,
  type RouteSpec,
} from './common.js';

const BIRD = '/usr/sbin/bird';
const BIRDC = '/usr/sbin/birdc';
const HINT = 'BIRD 2 is needed: apt-get install bird2 (see .ci/run)';

function neighborBlock(opts: PeerOptions, n: NeighborOptions, i: number): string {
  const l: string[] = [];
  l.push(`protocol bgp n${i} {`);
  l.push(`  local ${localAddressFor(opts, n)} as ${opts.as};`);
  l.push(`  neighbor ${n.address} as ${n.as};`);
  l.push('  strict bind yes;');
  l.push('  connect delay time 1; connect retry time 2; error wait time 1, 4; error forget time 10;');
  l.push('  debug { states, events };');
  if (n.passive) l.push('  passive on;');
  if (n.password !== undefined) l.push(`  password "${n.password}";`);
  if (n.ttlSecurity) l.push('  ttl security on;');
  const hops = ttlHops(n);
  if (n.multihop !== undefined) l.push(`  multihop ${n.multihop};`);
  else if (hops !== undefined && hops > 1) l.push(`  multihop ${hops};`);
  if (n.holdTime !== undefined) l.push(`  hold time ${n.holdTime}; keepalive time ${keepaliveFor(n.holdTime)};`);
  if (n.gracefulRestart) {
    l.push('  graceful restart on;');
    if (typeof n.gracefulRestart === 'object') l.push(`  graceful restart time ${n.gracefulRestart.restartTime};`);
  }
  if (n.routeReflectorClient) l.push('  rr client;');
  for (const f of neighborFamilies(n)) {
    const ch: string[] = ['import all;', `export filter petrel_out;`];
    if (n.addPath) ch.push(`add paths ${n.addPath === 'send' ? 'tx' : n.addPath === 'receive' ? 'rx' : 'on'};`);
    if (n.nextHopSelf) ch.push('next hop self;');
    // IPv4 routes over an IPv6 session (and the reverse) need extended next hop.
    if (f !== familyOf(n.address)) ch.push('extended next hop on;');
    l.push(`  ${f} { ${ch.join(' ')} };`);
  }
  l.push('}');
  return l.join('\n');
}

export function bird2Config(opts: PeerOptions, routes: readonly RouteSpec[]): string {
  const l: string[] = [];
  l.push(`router id ${opts.routerId};`);
  l.push('log stderr all;');
  l.push('timeformat protocol iso long;', 'timeformat route iso long;');
  l.push('protocol device { scan time 10; }');
  l.push('protocol direct d_direct { ipv4; ipv6; }');
  for (const f of ['ipv4', 'ipv6'] as const) {
    const rs = routes.filter((r) => familyOf(r.prefix) === f);
    l.push(`protocol static s_${f} {`, `  ${f};`, ...rs.map((r) => `  route ${r.prefix} blackhole;`), '}');
  }
  l.push(birdExportFilter('petrel_out', routes));
  opts.neighbors.forEach((n, i) => l.push(neighborBlock(opts, n, i)));
  return l.join('\n') + '\n';
}

/** `recover`: start with -R, as a graceful restart recovery (BIRD keeps forwarding state and sets the R and F bits). */
export async function startBird2(opts: PeerOptions & { ns: string; recover?: boolean }): Promise<Peer> {
  requireExecutable(BIRD, HINT);
  requireExecutable(BIRDC, HINT);
  const name = opts.name ?? 'bird2';
  const dir = opts.dir ?? testDir(`${opts.ns}-${name}`);
  const conf = join(dir, `${name}.conf`);
  const sock = socketPath(`${name}.ctl`);
  const routes = [...(opts.routes ?? [])];
  writeFileSync(conf, bird2Config(opts, routes));
  const daemon = spawn(opts.ns, BIRD, [...(opts.recover ? ['-R'] : []), '-f', '-c', conf, '-s', sock, '-P', join(dir, `${name}.pid`)], { name, logDir: dir });
  const cli = (command: string): Promise<string> => birdc(BIRDC, sock, command);
  // Protocol n<i> is neighbor i (neighborBlock).
  const neighborOf = new Map(opts.neighbors.map((n, i) => [`n${i}`, n.address]));
  await waitFor(`${name} control socket`, 10_000, async () => {
    if (!daemon.alive) throw new Error(`${name} exited:\n${daemon.log()}`);
    return (await cli('show status')).includes('Daemon is up') ? true : undefined;
  }, 100);
  const reconfigure = async (): Promise<void> => {
    writeFileSync(conf, bird2Config(opts, routes));
    const out = await cli('configure');
    if (!/Reconfigur|Reconfiguration in progress|Reconfigured/i.test(out)) throw new Error(`${name} configure: ${out}`);
  };
  return finishPeer({
    kind: 'bird2',
    ns: opts.ns,
    options: opts,
    dir,
    daemons: [daemon],
    cli,
    sessions: async () => parseBirdProtocols(await cli('show protocols all')),
    routes: async (family) => parseBirdRoutes(await cli(`show route all table master${family === 'ipv4' ? 4 : 6}`), ['d_direct'], neighborOf),
    async announce(route) {
      routes.push(route);
      await reconfigure();
    },
    async withdraw(prefix) {
      routes.splice(0, routes.length, ...routes.filter((r) => r.prefix !== prefix));
      await reconfigure();
    },
  });
}
