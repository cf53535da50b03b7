/**
 * BIRD 1.6 (what calico-node ships), unpacked from Debian's `bird` package
 * into /opt/bird1 by .ci/run (the package conflicts with bird2), or the
 * directory in PETREL_BIRD1_DIR. BIRD 1.6 is two daemons: `bird` speaks
 * IPv4 only and `bird6` IPv6 only (transport and routes alike), so this
 * launcher runs one or both, each with its own config, control socket and
 * `listen bgp address`, and merges their answers. Routes of family F go to
 * the daemon of family F; a neighbor's `families` other than its transport
 * family are not supported by 1.6.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireExecutable, spawn, socketPath, testDir, waitFor, type Daemon } from '../netns.js';
import { birdc, birdExportFilter, parseBirdProtocols, parseBirdRoutes } from './birdcli.js';
import {
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
  type RouteSpec,
} from './common.js';

/** Where BIRD 1.6 is unpacked: PETREL_BIRD1_DIR, default /opt/bird1 (read at each launch). */
export function bird1Dir(): string {
  return process.env.PETREL_BIRD1_DIR ?? '/opt/bird1';
}

const hint = (): string =>
  `BIRD 1.6 is needed in ${bird1Dir()}: run the install step of .ci/run (apt-get download bird; dpkg -x bird_*.deb ${bird1Dir()})`;

const binaries = (f: Family): { daemon: string; client: string } => {
  const sbin = join(bird1Dir(), 'usr/sbin');
  return f === 'ipv4' ? { daemon: join(sbin, 'bird'), client: join(sbin, 'birdc') } : { daemon: join(sbin, 'bird6'), client: join(sbin, 'birdc6') };
};

function neighborBlock(opts: PeerOptions, n: NeighborOptions, i: number): string {
  const fams = neighborFamilies(n);
  if (fams.length !== 1 || fams[0] !== familyOf(n.address)) {
    throw new Error(`BIRD 1.6 carries only the transport's family: neighbor ${n.address} asks for ${fams.join(', ')}`);
  }
  const local = localAddressFor(opts, n);
  const l = [`protocol bgp n${i} {`, `  local ${local} as ${opts.as};`, `  neighbor ${n.address} as ${n.as};`, `  source address ${local};`];
  l.push('  import all;', '  export filter petrel_out;');
  l.push('  start delay time 1; connect retry time 2; error wait time 1, 4; error forget time 10;');
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
  if (n.addPath) l.push(`  add paths ${n.addPath === 'send' ? 'tx' : n.addPath === 'receive' ? 'rx' : 'on'};`);
  if (n.routeReflectorClient) l.push('  rr client;');
  if (n.nextHopSelf) l.push('  next hop self;');
  l.push('}');
  return l.join('\n');
}

/** The config of the family-`f` daemon. */
export function bird1Config(opts: PeerOptions, f: Family, routes: readonly RouteSpec[]): string {
  const listen = opts.listen.find((a) => familyOf(a) === f);
  const l = [`router id ${opts.routerId};`, 'log stderr all;', 'timeformat protocol iso long;', 'timeformat route iso long;'];
  if (listen) l.push(`listen bgp address ${listen};`);
  l.push('protocol device { scan time 10; }', 'protocol direct d_direct { }');
  const rs = routes.filter((r) => familyOf(r.prefix) === f);
  l.push('protocol static s_static {', ...rs.map((r) => `  route ${r.prefix} blackhole;`), '}');
  l.push(birdExportFilter('petrel_out', rs));
  opts.neighbors.forEach((n, i) => {
    if (familyOf(n.address) === f) l.push(neighborBlock(opts, n, i));
  });
  return l.join('\n') + '\n';
}

interface Instance {
  readonly family: Family;
  readonly daemon: Daemon;
  readonly conf: string;
  cli(command: string): Promise<string>;
}

export async function startBird1(opts: PeerOptions & { ns: string }): Promise<Peer> {
  const name = opts.name ?? 'bird1';
  const dir = opts.dir ?? testDir(`${opts.ns}-${name}`);
  const routes = [...(opts.routes ?? [])];
  const families = (['ipv4', 'ipv6'] as const).filter(
    (f) => opts.neighbors.some((n) => familyOf(n.address) === f) || routes.some((r) => familyOf(r.prefix) === f) || opts.listen.some((a) => familyOf(a) === f),
  );
  const instances: Instance[] = [];
  for (const f of families) {
    const { daemon: bin, client } = binaries(f);
    requireExecutable(bin, hint());
    requireExecutable(client, hint());
    const tag = `${name}-${f === 'ipv4' ? 'bird' : 'bird6'}`;
    const conf = join(dir, `${tag}.conf`);
    const sock = socketPath(`${tag}.ctl`);
    writeFileSync(conf, bird1Config(opts, f, routes));
    const daemon = spawn(opts.ns, bin, ['-f', '-c', conf, '-s', sock, '-P', join(dir, `${tag}.pid`)], { name: tag, logDir: dir });
    const cli = (command: string): Promise<string> => birdc(client, sock, command);
    instances.push({ family: f, daemon, conf, cli });
  }
  for (const inst of instances) {
    await waitFor(`${inst.daemon.name} control socket`, 10_000, async () => {
      if (!inst.daemon.alive) throw new Error(`${inst.daemon.name} exited:\n${inst.daemon.log()}`);
      return (await inst.cli('show status')).includes('Daemon is up') ? true : undefined;
    }, 100);
  }
  const instanceFor = (f: Family): Instance => {
    const inst = instances.find((i) => i.family === f);
    if (!inst) throw new Error(`${name}: no ${f} daemon (BIRD 1.6 runs one per family; give a ${f} listen address, neighbor or route)`);
    return inst;
  };
  const reconfigure = async (f: Family): Promise<void> => {
    const inst = instanceFor(f);
    writeFileSync(inst.conf, bird1Config(opts, f, routes));
    const out = await inst.cli('configure');
    if (!/Reconfigur/i.test(out)) throw new Error(`${inst.daemon.name} configure: ${out}`);
  };
  return finishPeer({
    kind: 'bird1',
    ns: opts.ns,
    options: opts,
    dir,
    daemons: instances.map((i) => i.daemon),
    /** `ipv6:` before a command sends it to bird6; otherwise to bird (or the only daemon). */
    cli: (command) => {
      const m = /^(ipv4|ipv6):\s*(.*)$/s.exec(command);
      if (m) return instanceFor(m[1] as Family).cli(m[2] ?? '');
      const first = instances[0];
      if (!first) throw new Error(`${name}: no daemon`);
      return first.cli(command);
    },
    sessions: async () => (await Promise.all(instances.map(async (i) => parseBirdProtocols(await i.cli('show protocols all'))))).flat(),
    routes: async (f) => parseBirdRoutes(await instanceFor(f).cli('show route all'), ['d_direct']),
    async announce(route) {
      routes.push(route);
      await reconfigure(familyOf(route.prefix));
    },
    async withdraw(prefix) {
      routes.splice(0, routes.length, ...routes.filter((r) => r.prefix !== prefix));
      await reconfigure(familyOf(prefix));
    },
  });
}
