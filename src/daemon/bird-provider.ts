/**
 * The daemon's side of the BIRD-compatible socket: what calico-node's two
 * BIRDs would say about this node, from the daemon's sessions and Loc-RIB.
 * Names, filters and descriptions follow the bird.cfg confd generates
 * (protocol static from the IPAM blocks, kernel, device, direct, then one
 * `protocol bgp` per peer with inline filters and "Connection to BGP peer").
 */
import { networkInterfaces } from 'node:os';
import type { BirdPeer, BirdProvider, BirdStatus, BirdView, LocalProtocol } from '../api/bird/provider.js';
import { startBirdSocket, type BirdSocketServer } from '../api/bird/server.js';
import type { Logger } from '../lib/logger.js';
import type { ApiProvider, PathInfo } from '../api/provider.js';
import { parseIpv4, parseIpv6 } from '../lib/prefix.js';
import { VERSION } from '../lib/version.js';
import { daemonApiProvider } from './api-provider.js';
import type { Daemon } from './daemon.js';

/**
 * The version after "BIRD " in the greeting and `show status`: petrel's
 * own, marked as speaking BIRD 1.6.8's CLI (calico-node's BIRD says
 * v0.3.3+birdv1.6.8). One token, so version-parsing tools keep working.
 */
export const BIRD_VERSION = `v${VERSION}-petrel+birdv1.6.8`;

/** Addresses of this host's interfaces with their prefix lengths, for "via G on IF". */
interface Connected {
  readonly name: string;
  readonly family: 'IPv4' | 'IPv6';
  readonly bytes: Uint8Array;
  readonly len: number;
}

function addressBytes(text: string): Uint8Array | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return Uint8Array.of(v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255);
  return parseIpv6(text);
}

function sameNetwork(a: Uint8Array, b: Uint8Array, len: number): boolean {
  if (a.length !== b.length) return false;
  const full = len >>> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = len & 7;
  if (rest === 0) return true;
  const m = (0xff << (8 - rest)) & 0xff;
  return (a[full]! & m) === (b[full]! & m);
}

/** Interface addresses, re-read at most every few seconds (interfaces come and go; a probe must stay cheap). */
class ConnectedNetworks {
  private cache: Connected[] = [];
  private readAt = 0;

  private read(): Connected[] {
    const now = Date.now();
    if (now - this.readAt < 5000) return this.cache;
    this.readAt = now;
    const out: Connected[] = [];
    for (const [name, addrs] of Object.entries(networkInterfaces())) {
      for (const a of addrs ?? []) {
        const bytes = addressBytes(a.address.split('%')[0]!);
        const len = a.cidr ? Number(a.cidr.split('/')[1]) : NaN;
        if (bytes && Number.isInteger(len)) out.push({ name, family: a.family, bytes, len });
      }
    }
    // The most specific network wins when several contain the next hop.
    this.cache = out.sort((x, y) => y.len - x.len);
    return this.cache;
  }

  interfaceFor(nextHop: string): string | undefined {
    const b = addressBytes(nextHop.split('%')[0]!);
    if (!b) return undefined;
    return this.read().find((c) => sameNetwork(c.bytes, b, c.len))?.name;
  }
}

const countBest = (paths: readonly PathInfo[], source: string) => paths.reduce((n, p) => n + (p.best && p.source === source ? 1 : 0), 0);

/** The BIRD view of a running daemon. */
export function daemonBirdProvider(d: Daemon, api: ApiProvider = daemonApiProvider(d)): BirdProvider {
  const connected = new ConnectedNetworks();
  const routes = (view: BirdView): PathInfo[] => {
    const r = api.paths({ table: 'loc', family: view });
    return Array.isArray(r) ? r : [];
  };
  const fibRoutes = (): number => d.fibStats()?.installed ?? 0;

  return {
    status(): BirdStatus {
      const s = api.status();
      return { version: BIRD_VERSION, routerId: s.routerId, bootedAt: d.startedAt, reconfiguredAt: d.reconfiguredAt, gracefulRestart: null };
    },

    localProtocols(view): LocalProtocol[] {
      const since = d.startedAt;
      const statics = routes(view).filter((p) => p.source === 'static1');
      const best = statics.filter((p) => p.best).length;
      const exported = view === 'ipv4' ? fibRoutes() : 0;
      const zero = { imported: 0, exported: 0, preferred: 0 };
      return [
        {
          name: 'static1',
          proto: 'Static',
          state: 'up',
          since,
          preference: 200,
          inputFilter: 'ACCEPT',
          outputFilter: 'REJECT',
          stats: { imported: statics.length, exported: 0, preferred: best, importUpdates: [statics.length, 0, 0, 0, statics.length] },
        },
        { name: 'kernel1', proto: 'Kernel', state: 'up', since, preference: 10, inputFilter: 'ACCEPT', outputFilter: 'calico_kernel_programming', stats: { ...zero, exported } },
        { name: 'device1', proto: 'Device', state: 'up', since, preference: 240, inputFilter: 'ACCEPT', outputFilter: 'REJECT', stats: zero },
        { name: 'direct1', proto: 'Direct', state: 'up', since, preference: 240, inputFilter: 'ACCEPT', outputFilter: 'REJECT', stats: zero },
      ];
    },

    peers(view): BirdPeer[] {
      const desired = new Map((d.desired?.peers ?? []).map((p) => [p.name, p]));
      const table = routes(view);
      return api
        .peers()
        .filter((p) => p.family === view)
        .map((p): BirdPeer => {
          const conf = desired.get(p.name);
          return {
            ...p,
            description: 'Connection to BGP peer',
            ...(conf?.sourceAddress ? { sourceAddress: conf.sourceAddress } : {}),
            preferred: countBest(table, p.name),
            inputFilter: '(unnamed)',
            outputFilter: '(unnamed)',
            gracefulRestartActive: p.state !== 'Established' && (p.counters.prefixesStale ?? 0) > 0,
            routeReflectorClient: conf?.routeReflectorClient ?? false,
            // confd's template makes every iBGP session `multihop`.
            multihop: conf?.internal ?? p.peerAs === p.localAs,
          };
        });
    },

    routes,

    interfaceFor: (nextHop) => connected.interfaceFor(nextHop),
  };
}

/** Where calico-node's BIRD listens; calicoctl and the health checks look here first. */
export const DEFAULT_BIRD_SOCKET = '/var/run/calico/bird.ctl';

/** bird6's socket beside bird's: bird.ctl -> bird6.ctl. */
export function bird6SocketPath(path: string): string {
  return path.endsWith('.ctl') ? `${path.slice(0, -4)}6.ctl` : `${path}6`;
}

export interface BirdSocketsOptions {
  /** --bird-socket: a path, 'none', or absent for the default. */
  readonly socket?: string;
  /** --bird6-socket: a path, 'none', or absent for the IPv4 path's bird6 sibling. */
  readonly socket6?: string;
  readonly log: Logger;
}

/**
 * Serve bird.ctl and bird6.ctl. A path given explicitly must work (an
 * error stops the daemon); the default one is best effort, so several
 * daemons on one host (labs, tests) do not fight over it: the first wins,
 * the others log why they have none.
 */
export async function startBirdSockets(d: Daemon, opts: BirdSocketsOptions): Promise<{ readonly paths: readonly string[]; close(): Promise<void> }> {
  const provider = daemonBirdProvider(d);
  const v4 = opts.socket ?? DEFAULT_BIRD_SOCKET;
  const v6 = opts.socket6 ?? (v4 === 'none' ? 'none' : bird6SocketPath(v4));
  const servers: BirdSocketServer[] = [];
  const open = async (path: string, view: BirdView, explicit: boolean): Promise<void> => {
    if (path === 'none') return;
    try {
      servers.push(await startBirdSocket(provider, { path, view, log: opts.log }));
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (explicit) throw new Error(`BIRD control socket ${path}: ${why}`);
      opts.log.warn({ socket: path, err: why }, 'no BIRD-compatible control socket (calicoctl node status and the -bird-ready check need one; set --bird-socket)');
    }
  };
  try {
    await open(v4, 'ipv4', opts.socket !== undefined);
    await open(v6, 'ipv6', opts.socket6 !== undefined || opts.socket !== undefined);
  } catch (e) {
    await Promise.all(servers.map((s) => s.close()));
    throw e;
  }
  return {
    paths: servers.map((s) => s.path),
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
