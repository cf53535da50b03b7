/**
 * ExaBGP 4.2: `exabgp CONF` in the foreground with an API process. The API
 * process is a tiny Python pump written to the test directory: it copies
 * lines from a FIFO (held open read-write, so it never sees end-of-file) to
 * ExaBGP, and everything ExaBGP writes to it (JSON events: state changes,
 * received UPDATE/OPEN/NOTIFICATION, and the text answers of commands, each
 * ended by `done` or `error`) to an events file. Commands are serialized,
 * so an answer is the lines between sending a command and its done/error.
 *
 * sessions() asks `show neighbor extensive`; routes() is the RIB-in rebuilt
 * from the parsed UPDATE events (ExaBGP keeps no RIB-in it can print
 * structured). Routes may carry raw attributes, `[0xTT 0xFF 0xHEX]`, with
 * any flags: ExaBGP computes the attribute length itself (and sets the
 * extended-length bit past 255 bytes), so message framing stays valid; for
 * broken framing use raw.ts.
 */
import { closeSync, constants, existsSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { run, requireExecutable, spawn, testDir, waitFor } from '../netns.js';
import {
  canonicalIp,
  familyOf,
  finishPeer,
  localAddressFor,
  neighborFamilies,
  normalizeState,
  ttlHops,
  type Family,
  type NeighborOptions,
  type Peer,
  type PeerOptions,
  type RouteInfo,
  type RouteSpec,
  type SessionInfo,
} from './common.js';

/** Debian's /usr/sbin/exabgp is an alternatives link to python3-exabgp. */
const EXABGP = ['/usr/sbin/exabgp', '/usr/sbin/python3-exabgp'].find((p) => existsSync(p)) ?? '/usr/sbin/exabgp';
const PYTHON = '/usr/bin/python3';
const HINT = 'ExaBGP is needed: apt-get install exabgp (see .ci/run)';

/** A path attribute ExaBGP sends as given: type code, flags byte, value bytes. */
export interface RawAttribute {
  readonly code: number;
  readonly flags: number;
  /** Value as hex, no 0x (may be empty). */
  readonly hex: string;
}

export interface ExaRoute extends RouteSpec {
  /** The exact AS_PATH to send (ExaBGP sends what it is given, even to eBGP peers); overrides asPathPrepend. */
  readonly asPath?: readonly number[];
  readonly attributes?: readonly RawAttribute[];
  /** Extra text appended to the route (any ExaBGP route keyword). */
  readonly extra?: string;
}

export interface ExaPeerOptions extends PeerOptions {
  readonly routes?: readonly ExaRoute[];
}

export interface ExaPeer extends Peer {
  announce(route: ExaRoute): Promise<void>;
  /** Send any API command (e.g. `neighbor 198.18.1.1 teardown 2`); returns its answer lines. */
  api(command: string): Promise<string>;
  /** Every event ExaBGP reported, parsed (JSON lines only). */
  events(): Record<string, unknown>[];
}

const hex2 = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

/**
 * The ExaBGP text of a route (config `route ...;` and API `announce route
 * ...`). ExaBGP puts a given `as-path` on the wire as is, so for an eBGP
 * neighbor (`localAs` given) asPathPrepend becomes [localAs, ...prepend].
 */
export function exaRouteText(r: ExaRoute, localAs?: number): string {
  const t = [r.prefix, 'next-hop', r.nextHop ?? 'self'];
  const path = r.asPath ?? (r.asPathPrepend?.length ? [...(localAs !== undefined ? [localAs] : []), ...r.asPathPrepend] : undefined);
  if (path) t.push('as-path', `[ ${path.join(' ')} ]`);
  if (r.communities?.length) t.push('community', `[ ${r.communities.join(' ')} ]`);
  if (r.largeCommunities?.length) t.push('large-community', `[ ${r.largeCommunities.join(' ')} ]`);
  if (r.med !== undefined) t.push('med', String(r.med));
  if (r.localPref !== undefined) t.push('local-preference', String(r.localPref));
  for (const a of r.attributes ?? []) t.push('attribute', `[ ${hex2(a.code)} ${hex2(a.flags)} 0x${a.hex} ]`);
  if (r.extra) t.push(r.extra);
  return t.join(' ');
}

function neighborBlock(opts: ExaPeerOptions, n: NeighborOptions, routes: readonly ExaRoute[]): string {
  const local = localAddressFor(opts, n);
  const l = [`neighbor ${n.address} {`, `  router-id ${opts.routerId};`, `  local-address ${local};`];
  l.push(`  local-as ${opts.as};`, `  peer-as ${n.as};`);
  if (n.holdTime !== undefined) l.push(`  hold-time ${n.holdTime};`);
  if (n.passive) l.push('  passive true;');
  if (n.password !== undefined) l.push(`  md5-password "${n.password}";`);
  const hops = ttlHops(n);
  if (hops !== undefined && n.passive) {
    // Seen with 4.2.21: connections ExaBGP accepts leave with TTL 64 and no minimum TTL is set.
    throw new Error('ExaBGP 4.2 does not apply TTL security to connections it accepts: make ExaBGP the active side');
  }
  if (hops !== undefined) l.push('  outgoing-ttl 255;', `  incoming-ttl ${256 - hops};`);
  else if (n.multihop !== undefined) l.push(`  outgoing-ttl ${n.multihop};`);
  if (n.routeReflectorClient) throw new Error('ExaBGP is no route reflector');
  const fams = neighborFamilies(n);
  l.push('  family {', ...fams.map((f) => `    ${f} unicast;`), '  }');
  const caps = ['    route-refresh;'];
  if (n.gracefulRestart) caps.push(`    graceful-restart ${typeof n.gracefulRestart === 'object' ? n.gracefulRestart.restartTime : 120};`);
  if (n.addPath) caps.push(`    add-path ${n.addPath === 'both' ? 'send/receive' : n.addPath};`);
  l.push('  capability {', ...caps, '  }');
  l.push('  api {', '    processes [ pump ];', '    neighbor-changes;', '    receive { parsed; update; open; notification; }', '  }');
  const rs = routes.filter((r) => fams.includes(familyOf(r.prefix)));
  const ebgpAs = n.as !== opts.as ? opts.as : undefined;
  if (rs.length) l.push('  static {', ...rs.map((r) => `    route ${exaRouteText(r, ebgpAs)};`), '  }');
  l.push('}');
  return l.join('\n');
}

export function exabgpConfig(opts: ExaPeerOptions, pumpPath: string, fifo: string, eventsPath: string): string {
  const l = ['process pump {', `  run ${PYTHON} ${pumpPath} ${fifo} ${eventsPath};`, '  encoder json;', '}'];
  for (const n of opts.neighbors) l.push(neighborBlock(opts, n, opts.routes ?? []));
  return l.join('\n') + '\n';
}

const PUMP = `import os, sys, threading
fifo, events = sys.argv[1], sys.argv[2]
def from_exabgp():
    with open(events, 'a', buffering=1) as out:
        for line in sys.stdin:
            out.write(line)
            out.flush()
    os._exit(0)
threading.Thread(target=from_exabgp, daemon=True).start()
with os.fdopen(os.open(fifo, os.O_RDWR), 'r', buffering=1) as commands:
    for line in commands:
        sys.stdout.write(line)
        sys.stdout.flush()
`;

interface ExaUpdateJson {
  type?: string;
  neighbor?: {
    address?: { peer?: string };
    state?: string;
    message?: {
      update?: {
        attribute?: Record<string, unknown>;
        announce?: Record<string, Record<string, { nlri?: string } | string>[] | Record<string, ({ nlri?: string } | string)[]>>;
        withdraw?: Record<string, ({ nlri?: string } | string)[]>;
      };
    };
  };
}

/** Rebuild the RIB-in of `family` from ExaBGP's JSON events (latest per peer and prefix). */
export function exaRibFromEvents(events: readonly Record<string, unknown>[], family: Family): RouteInfo[] {
  const rib = new Map<string, RouteInfo>();
  const key = `${family} unicast`;
  for (const raw of events) {
    const e = raw as ExaUpdateJson;
    const peer = e.neighbor?.address?.peer ?? '';
    if (e.type === 'state' && e.neighbor?.state === 'down') {
      for (const k of [...rib.keys()]) if (k.startsWith(`${peer} `)) rib.delete(k);
    }
    const u = e.type === 'update' ? e.neighbor?.message?.update : undefined;
    if (!u) continue;
    const nlriText = (x: { nlri?: string } | string): string => (typeof x === 'string' ? x : (x.nlri ?? ''));
    for (const w of u.withdraw?.[key] ?? []) rib.delete(`${peer} ${nlriText(w)}`);
    const ann = u.announce?.[key] as Record<string, ({ nlri?: string } | string)[]> | undefined;
    if (!ann) continue;
    const a = u.attribute ?? {};
    const unknown = new Map<number, string>();
    for (const [k, v] of Object.entries(a)) {
      const m = /^attribute-0x([0-9a-f]+)-0x[0-9a-f]+$/i.exec(k);
      if (m?.[1]) unknown.set(parseInt(m[1], 16), String(v).replace(/^0x/i, '').toLowerCase());
    }
    const asPath = (a['as-path'] as unknown[] | Record<string, { value?: number[] }> | undefined) ?? [];
    const flatPath = Array.isArray(asPath) ? asPath.flat().map(Number) : Object.values(asPath).flatMap((s) => s.value ?? []);
    const comms = ((a.community as [number, number][] | undefined) ?? []).map(([x, y]) => `${x}:${y}`);
    const large = ((a['large-community'] as [number, number, number][] | undefined) ?? []).map((c) => c.join(':'));
    for (const [nh, list] of Object.entries(ann)) {
      for (const n of list) {
        const prefix = nlriText(n);
        rib.set(`${peer} ${prefix}`, {
          prefix,
          nextHop: canonicalIp(nh),
          asPath: flatPath,
          communities: comms,
          largeCommunities: large,
          ...(typeof a.med === 'number' ? { med: a.med } : {}),
          ...(typeof a['local-preference'] === 'number' ? { localPref: a['local-preference'] } : {}),
          unknownAttributes: unknown,
          best: true,
        });
      }
    }
  }
  return [...rib.values()];
}

/** `show neighbor extensive` text: blocks starting `Neighbor ADDR` with a `state` line. */
export function parseExaNeighbors(text: string): SessionInfo[] {
  return text
    .split(/^(?=Neighbor )/m)
    .map((block): SessionInfo | undefined => {
      const addr = /^Neighbor (\S+)/.exec(block)?.[1];
      const raw = /^\s+state\s+(\S+)/m.exec(block)?.[1];
      if (!addr || !raw) return undefined;
      const state = normalizeState(raw);
      const up = /up for\s+(?:(\d+) days?, )?(\d+):(\d+):(\d+)/.exec(block);
      const uptime = up ? Number(up[1] ?? 0) * 86400 + Number(up[2]) * 3600 + Number(up[3]) * 60 + Number(up[4]) : undefined;
      const remoteAs = /^\s+AS\s+\d+\s+(\d+)/m.exec(block)?.[1];
      return {
        neighbor: canonicalIp(addr),
        state,
        rawState: raw,
        ...(remoteAs ? { remoteAs: Number(remoteAs) } : {}),
        ...(state === 'Established' && uptime !== undefined ? { uptime } : {}),
      };
    })
    .filter((s): s is SessionInfo => s !== undefined);
}

export async function startExabgp(opts: ExaPeerOptions & { ns: string }): Promise<ExaPeer> {
  requireExecutable(EXABGP, HINT);
  requireExecutable(PYTHON, HINT);
  const name = opts.name ?? 'exabgp';
  const dir = opts.dir ?? testDir(`${opts.ns}-${name}`);
  const conf = join(dir, `${name}.conf`);
  const pump = join(dir, `${name}-pump.py`);
  const fifo = join(dir, `${name}.cmd`);
  const eventsPath = join(dir, `${name}.events`);
  writeFileSync(pump, PUMP);
  writeFileSync(eventsPath, '');
  await run('mkfifo', [fifo]);
  writeFileSync(conf, exabgpConfig(opts, pump, fifo, eventsPath));
  const passive = opts.neighbors.some((n) => n.passive);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    exabgp_daemon_user: 'root',
    exabgp_daemon_drop: 'false',
    exabgp_daemon_daemonize: 'false',
    exabgp_api_cli: 'false',
    exabgp_api_ack: 'true',
    exabgp_log_destination: 'stdout',
    exabgp_log_level: 'INFO',
    exabgp_tcp_bind: passive ? opts.listen.join(' ') : '',
    exabgp_tcp_port: '179',
  };
  const daemon = spawn(opts.ns, EXABGP, [conf], { name, logDir: dir, env });

  const readLines = (from: number): { lines: string[]; end: number } => {
    const buf = readFileSync(eventsPath);
    const text = buf.subarray(from).toString('utf8');
    const cut = text.lastIndexOf('\n') + 1;
    return { lines: text.slice(0, cut).split('\n').filter(Boolean), end: from + Buffer.byteLength(text.slice(0, cut)) };
  };
  let queue: Promise<unknown> = Promise.resolve();
  const send = (command: string): Promise<string> => {
    const job = queue.then(async () => {
      if (!daemon.alive) throw new Error(`${name} is not running:\n${daemon.log()}`);
      let offset = statSync(eventsPath).size;
      let fd: number;
      try {
        fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      } catch (e) {
        throw new Error(`${name}: API pump not running (${(e as Error).message})`);
      }
      try {
        writeSync(fd, `${command}\n`);
      } finally {
        closeSync(fd);
      }
      const answer: string[] = [];
      return waitFor(`${name} answer to "${command}"`, 10_000, async () => {
        const { lines, end } = readLines(offset);
        offset = end;
        for (const line of lines) {
          if (line.startsWith('{')) continue;
          if (line === 'done') return answer.join('\n');
          if (line === 'error') throw new Error(`${name}: "${command}" failed: ${answer.join('\n')}`);
          answer.push(line);
        }
        return undefined;
      }, 50);
    });
    queue = job.catch(() => undefined);
    return job;
  };
  const events = (): Record<string, unknown>[] =>
    readLines(0)
      .lines.filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  await waitFor(`${name} API`, 15_000, async () => {
    if (!daemon.alive) throw new Error(`${name} exited:\n${daemon.log()}`);
    return (await send('version')).length > 0 ? true : undefined;
  }, 100);
  const neighborsFor = (prefix: string): NeighborOptions[] => {
    const ns = opts.neighbors.filter((n) => neighborFamilies(n).includes(familyOf(prefix)));
    if (!ns.length) throw new Error(`${name}: no neighbor carries ${familyOf(prefix)}`);
    return ns;
  };
  const peer = finishPeer({
    kind: 'exabgp',
    ns: opts.ns,
    options: opts,
    dir,
    daemons: [daemon],
    cli: send,
    sessions: async () => parseExaNeighbors(await send('show neighbor extensive')),
    routes: async (family) => exaRibFromEvents(events(), family),
    async announce(route: ExaRoute) {
      for (const n of neighborsFor(route.prefix)) {
        await send(`neighbor ${n.address} announce route ${exaRouteText(route, n.as !== opts.as ? opts.as : undefined)}`);
      }
    },
    async withdraw(prefix) {
      for (const n of neighborsFor(prefix)) await send(`neighbor ${n.address} withdraw route ${prefix} next-hop self`);
    },
  });
  return { ...peer, announce: (r: ExaRoute) => peer.announce(r), api: send, events };
}
