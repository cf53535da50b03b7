/** Types and helpers shared by the peer launchers. */
import { isIP } from 'node:net';
import { sleep, waitFor, type Daemon } from '../netns.js';

export type Family = 'ipv4' | 'ipv6';

/** RFC 4271 states; implementations' own names are normalized to these. */
export type SessionState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export interface NeighborOptions {
  /** The neighbor's address (IPv4 or IPv6): the session's transport. */
  readonly address: string;
  readonly as: number;
  /** Only accept the neighbor's connection, never connect. */
  readonly passive?: boolean;
  /** TCP MD5 signature password (RFC 2385). */
  readonly password?: string;
  /** GTSM (RFC 5082): accept only packets with TTL >= 255 - hops + 1; sends TTL 255. Default hops 1. */
  readonly ttlSecurity?: boolean | { readonly hops: number };
  /** eBGP multihop with this TTL. */
  readonly multihop?: number;
  /** Seconds (keepalive is a third). */
  readonly holdTime?: number;
  readonly gracefulRestart?: boolean | { readonly restartTime: number };
  readonly addPath?: 'send' | 'receive' | 'both';
  readonly routeReflectorClient?: boolean;
  /** Address families to negotiate; default the transport's family. */
  readonly families?: readonly Family[];
  /** Source address of the session; default the peer's `listen` address of the same family. */
  readonly localAddress?: string;
  /** Rewrite the next hop to self on routes sent to this neighbor (iBGP). */
  readonly nextHopSelf?: boolean;
}

export interface RouteSpec {
  readonly prefix: string;
  /** Default: the implementation's own session address (next hop self). */
  readonly nextHop?: string;
  /** 'AS:VALUE' standard communities. */
  readonly communities?: readonly string[];
  /** 'GA:LD1:LD2' large communities. */
  readonly largeCommunities?: readonly string[];
  readonly med?: number;
  readonly localPref?: number;
  /** ASNs prepended to the path when it is sent. */
  readonly asPathPrepend?: readonly number[];
}

export interface PeerOptions {
  /** Names the daemon in logs. */
  readonly name?: string;
  readonly routerId: string;
  readonly as: number;
  /** Addresses to bind and listen on (one per family at most). */
  readonly listen: readonly string[];
  readonly neighbors: readonly NeighborOptions[];
  readonly routes?: readonly RouteSpec[];
  /** Directory for config and log; default testDir(name). */
  readonly dir?: string;
}

export interface SessionInfo {
  readonly neighbor: string;
  readonly state: SessionState;
  /** Seconds in the current state when the implementation says. */
  readonly uptime?: number;
  readonly remoteAs?: number;
  /** The implementation's own state text. */
  readonly rawState: string;
}

export interface RouteInfo {
  readonly prefix: string;
  readonly nextHop: string;
  /** Flattened AS_PATH (AS_SET members included in order). */
  readonly asPath: readonly number[];
  readonly communities: readonly string[];
  readonly largeCommunities: readonly string[];
  readonly med?: number;
  readonly localPref?: number;
  /** Unknown (optional transitive) attributes kept by the implementation: type code -> lowercase hex value. */
  readonly unknownAttributes: ReadonlyMap<number, string>;
  /** Whether the implementation selected it as best. */
  readonly best: boolean;
  /** RFC 4456 ORIGINATOR_ID, when the route carries one (parsers that read it: BIRD, FRR). */
  readonly originatorId?: string;
  /** RFC 4456 CLUSTER_LIST, first (most recent) cluster first; absent when the route has none. */
  readonly clusterList?: readonly string[];
  /** The neighbor (session address) the route was learnt from; absent for local routes or when the parser cannot tell (BIRD 2, FRR tell). */
  readonly from?: string;
}

export type PeerKind = 'bird2' | 'bird1' | 'frr' | 'gobgp' | 'exabgp';

/** What every launcher returns. */
export interface Peer {
  readonly kind: PeerKind;
  readonly ns: string;
  readonly options: PeerOptions;
  readonly dir: string;
  /** The daemon processes (BIRD 1.6 runs bird and bird6). */
  readonly daemons: readonly Daemon[];
  sessions(): Promise<SessionInfo[]>;
  routes(family: Family): Promise<RouteInfo[]>;
  /** Run a command of the implementation's own CLI, return its output. */
  cli(command: string): Promise<string>;
  /** Originate a route now (and keep it through reconfiguration). */
  announce(route: RouteSpec): Promise<void>;
  withdraw(prefix: string): Promise<void>;
  waitForSession(neighbor: string, state?: SessionState, timeoutMs?: number): Promise<SessionInfo>;
  /** Wait until the session is anything but Established (or gone); returns the state seen. */
  waitForSessionDown(neighbor: string, timeoutMs?: number): Promise<SessionState | 'absent'>;
  /** Wait until `prefix` is in the table and `match` (if given) accepts it. */
  waitForRoute(family: Family, prefix: string, match?: (r: RouteInfo) => boolean, timeoutMs?: number): Promise<RouteInfo>;
  waitForNoRoute(family: Family, prefix: string, timeoutMs?: number): Promise<void>;
  /** Resolves when the session has not been in `state` for the whole duration; throws as soon as it is. */
  assertNeverState(neighbor: string, state: SessionState, durationMs: number): Promise<void>;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
  /** The daemons' logs. */
  log(): string;
}

export type PeerCore = Pick<Peer, 'kind' | 'ns' | 'options' | 'dir' | 'daemons' | 'sessions' | 'routes' | 'cli' | 'announce' | 'withdraw'>;

/** Adds the generic waits and process control to a launcher's core. */
export function finishPeer(core: PeerCore): Peer {
  const findSession = async (neighbor: string): Promise<SessionInfo | undefined> => {
    const n = canonicalIp(neighbor);
    return (await core.sessions()).find((s) => canonicalIp(s.neighbor) === n);
  };
  const findRoute = async (family: Family, prefix: string): Promise<RouteInfo[]> => {
    const p = canonicalPrefix(prefix);
    return (await core.routes(family)).filter((r) => canonicalPrefix(r.prefix) === p);
  };
  const peer: Peer = {
    ...core,
    async waitForSession(neighbor, state = 'Established', timeoutMs = 30_000) {
      let last: SessionInfo | undefined;
      const what = () => `${core.kind} ${core.ns}: session with ${neighbor} ${state} (last: ${last?.rawState ?? 'no such session'})`;
      return waitFor(what, timeoutMs, async () => {
        last = await findSession(neighbor);
        return last?.state === state ? last : undefined;
      });
    },
    async waitForSessionDown(neighbor, timeoutMs = 30_000) {
      return waitFor(`${core.kind} ${core.ns}: session with ${neighbor} down`, timeoutMs, async () => {
        const s = await findSession(neighbor);
        return s === undefined ? 'absent' : s.state === 'Established' ? undefined : s.state;
      }, 100);
    },
    async waitForRoute(family, prefix, match, timeoutMs = 30_000) {
      let seen: RouteInfo[] = [];
      const what = (): string =>
        `${core.kind} ${core.ns}: ${family} route ${prefix}${match ? ' matching' : ''} (seen: ${seen.length ? JSON.stringify(seen, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v)) : 'none'})`;
      return waitFor(what, timeoutMs, async () => {
        seen = await findRoute(family, prefix);
        return seen.find((r) => !match || match(r));
      });
    },
    async waitForNoRoute(family, prefix, timeoutMs = 30_000) {
      await waitFor(`${core.kind} ${core.ns}: ${family} route ${prefix} gone`, timeoutMs, async () => {
        return (await findRoute(family, prefix)).length === 0 ? true : undefined;
      });
    },
    async assertNeverState(neighbor, state, durationMs) {
      const end = Date.now() + durationMs;
      while (Date.now() < end) {
        const s = await findSession(neighbor);
        if (s?.state === state) throw new Error(`${core.kind} ${core.ns}: session with ${neighbor} reached ${state}`);
        await sleep(250);
      }
    },
    pause: () => core.daemons.forEach((d) => d.pause()),
    resume: () => core.daemons.forEach((d) => d.resume()),
    stop: async () => {
      await Promise.all(core.daemons.map((d) => d.stop()));
    },
    log: () => core.daemons.map((d) => `----- ${d.name}\n${d.log()}`).join('\n'),
  };
  return peer;
}

// ------------------------------------------------------------------ address helpers

export function familyOf(address: string): Family {
  const v = isIP(address.split('/')[0] ?? '');
  if (v === 4) return 'ipv4';
  if (v === 6) return 'ipv6';
  throw new Error(`not an IP address: ${address}`);
}

/** RFC 5952 text for IPv6 (lowercase, longest zero run compressed); IPv4 unchanged. Other text unchanged. */
export function canonicalIp(address: string): string {
  if (isIP(address) !== 6) return address;
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

export function canonicalPrefix(prefix: string): string {
  const [addr = '', len = ''] = prefix.split('/');
  return `${canonicalIp(addr)}/${len}`;
}

/** Families a neighbor negotiates. */
export function neighborFamilies(n: NeighborOptions): readonly Family[] {
  return n.families ?? [familyOf(n.address)];
}

/** The listen address of the neighbor's transport family. */
export function localAddressFor(opts: PeerOptions, n: NeighborOptions): string {
  if (n.localAddress) return n.localAddress;
  const fam = familyOf(n.address);
  const a = opts.listen.find((l) => familyOf(l) === fam);
  if (!a) throw new Error(`${opts.name ?? 'peer'}: no ${fam} listen address for neighbor ${n.address}`);
  return a;
}

export function ttlHops(n: NeighborOptions): number | undefined {
  if (!n.ttlSecurity) return undefined;
  return n.ttlSecurity === true ? 1 : n.ttlSecurity.hops;
}

export function keepaliveFor(hold: number): number {
  return Math.max(1, Math.floor(hold / 3));
}

export function parseCommunity(c: string): [number, number] {
  const m = /^(\d+):(\d+)$/.exec(c);
  if (!m) throw new Error(`bad community ${c}`);
  return [Number(m[1]), Number(m[2])];
}

/** Map an implementation's state text to an RFC 4271 state. */
export function normalizeState(raw: string): SessionState {
  const s = raw.toLowerCase().replace(/[^a-z]/g, '');
  if (s.startsWith('established') || s === 'up') return 'Established';
  if (s.startsWith('openconfirm')) return 'OpenConfirm';
  if (s.startsWith('opensent')) return 'OpenSent';
  if (s.startsWith('active')) return 'Active';
  if (s.startsWith('connect')) return 'Connect';
  return 'Idle';
}
