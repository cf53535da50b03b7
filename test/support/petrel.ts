/**
 * petrel itself as a daemon in a test namespace: `petrel run` (the fresh
 * build in dist/, or src/ through tsx when the build is older) inside `ip netns exec`, its datastore a YAML
 * file built with the helpers below, its management API on a short unix
 * socket. Queries go through the same gRPC API `petrel status` and `petrel
 * routes` use (in-process client: fast enough to poll), and `cli()` runs
 * the real commands for end-to-end checks of their JSON output.
 *
 * The daemon is registered with the harness (netns.ts `spawn`), so useLab
 * stops it and prints its log when a test fails.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { connectApi, type ApiClient } from '../../src/api/client.js';
import type { Family, PathInfo, PeerInfo, SessionState, StatusInfo, Table } from '../../src/api/provider.js';
import { addAddrs, createLan, createNs, exec, nextSubnet, run, socketPath, spawn, testDir, waitFor, type Daemon } from './netns.js';
import { canonicalIp, canonicalPrefix, type NeighborOptions, type Peer, type PeerKind, type PeerOptions } from './peers/common.js';
import { startBird2 } from './peers/bird2.js';
import { startPeer } from './peers/index.js';

/** The repository root (this file is test/support/petrel.ts). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = join(REPO, 'src/cli/main.ts');
const BUILT = join(REPO, 'dist/cli/main.js');

/** Newest modification time under a directory (ms). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * How to run petrel: the compiled dist/ when it is at least as new as every
 * file of src/ (`npm test` builds first; starting compiled code costs about
 * a third of the CPU of tsx), else src/ through tsx. Decided once per run.
 */
const PETREL_ARGV: readonly string[] = (() => {
  try {
    if (statSync(BUILT).mtimeMs >= newest(join(REPO, 'src'))) return [BUILT];
  } catch {
    // no build: run the sources
  }
  return ['--import', 'tsx', MAIN];
})();

// ------------------------------------------------------------------ datastore YAML

type Doc = Record<string, unknown>;
const CALICO = 'projectcalico.org/v3';

export function bgpConfiguration(spec: { asNumber: number; listenPort?: number; extra?: Doc }): Doc {
  return {
    apiVersion: CALICO,
    kind: 'BGPConfiguration',
    metadata: { name: 'default' },
    spec: { nodeToNodeMeshEnabled: false, asNumber: spec.asNumber, bindMode: 'NodeIP', ...(spec.listenPort ? { listenPort: spec.listenPort } : {}), ...spec.extra },
  };
}

/** A Calico node; addresses with prefix length ('198.18.1.1/24'). */
export function calicoNode(name: string, bgp: { ipv4Address?: string; ipv6Address?: string; asNumber?: number }): Doc {
  return { apiVersion: CALICO, kind: 'Node', metadata: { name }, spec: { bgp } };
}

export function ipPool(name: string, cidr: string): Doc {
  return { apiVersion: CALICO, kind: 'IPPool', metadata: { name }, spec: { cidr, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false } };
}

export function blockAffinity(node: string, cidr: string): Doc {
  return { apiVersion: CALICO, kind: 'BlockAffinity', metadata: { name: `${node}-${cidr.replace(/[^0-9a-f]+/gi, '-')}` }, spec: { node, cidr, state: 'confirmed' } };
}

export function secret(name: string, stringData: Record<string, string>): Doc {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'kube-system' }, type: 'Opaque', stringData };
}

export interface BgpPeerSpec {
  readonly name: string;
  /** ip or ip:port */
  readonly peerIP: string;
  readonly asNumber: number;
  readonly password?: { readonly secret: string; readonly key: string };
  readonly ttlSecurity?: number;
  /** Calico durations: '10s' */
  readonly keepaliveTime?: string;
  readonly maxRestartTime?: string;
  /** Restrict to one node (a node-specific peering; the lexical passive rule then does not apply). */
  readonly node?: string;
  /** BGPFilter names, in order. */
  readonly filters?: readonly string[];
  /** metadata.annotations (petrel's own settings, such as petrel.dev/max-prefixes). */
  readonly annotations?: Readonly<Record<string, string>>;
}

export function bgpPeer(p: BgpPeerSpec): Doc {
  return {
    apiVersion: CALICO,
    kind: 'BGPPeer',
    metadata: { name: p.name, ...(p.annotations ? { annotations: { ...p.annotations } } : {}) },
    spec: {
      ...(p.node ? { node: p.node } : {}),
      peerIP: p.peerIP,
      asNumber: p.asNumber,
      ...(p.password ? { password: { secretKeyRef: { name: p.password.secret, key: p.password.key } } } : {}),
      ...(p.ttlSecurity !== undefined ? { ttlSecurity: p.ttlSecurity } : {}),
      ...(p.keepaliveTime ? { keepaliveTime: p.keepaliveTime } : {}),
      ...(p.maxRestartTime ? { maxRestartTime: p.maxRestartTime } : {}),
      ...(p.filters ? { filters: [...p.filters] } : {}),
    },
  };
}

/** Multi-document YAML as `calicoctl apply -f` takes it. */
export function toYaml(docs: readonly Doc[]): string {
  return docs.map((d) => stringify(d).trimEnd()).join('\n---\n') + '\n';
}

export interface NodeDatastore {
  readonly node: string;
  readonly asNumber: number;
  /** With prefix length. */
  readonly ipv4Address: string;
  readonly ipv6Address?: string;
  readonly pools: readonly string[];
  /** The node's confirmed IPAM blocks. */
  readonly blocks: readonly string[];
  readonly peers: readonly BgpPeerSpec[];
  /** Secrets: name -> key -> value. */
  readonly secrets?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * Other Calico nodes (name -> addresses). A global BGPPeer whose peerIP is
   * one of them is subject to Calico's lexical passive rule.
   */
  readonly otherNodes?: Readonly<Record<string, { ipv4Address?: string; ipv6Address?: string }>>;
}

/** One node's whole datastore: mesh off, bindMode NodeIP, its pools, blocks and peers. */
export function nodeDatastore(d: NodeDatastore): string {
  const docs: Doc[] = [bgpConfiguration({ asNumber: d.asNumber })];
  docs.push(calicoNode(d.node, { ipv4Address: d.ipv4Address, ...(d.ipv6Address ? { ipv6Address: d.ipv6Address } : {}) }));
  for (const [name, addrs] of Object.entries(d.otherNodes ?? {})) docs.push(calicoNode(name, addrs));
  d.pools.forEach((cidr, i) => docs.push(ipPool(`pool-${i}`, cidr)));
  for (const b of d.blocks) docs.push(blockAffinity(d.node, b));
  for (const [name, data] of Object.entries(d.secrets ?? {})) docs.push(secret(name, { ...data }));
  for (const p of d.peers) docs.push(bgpPeer(p));
  return toYaml(docs);
}

/** Calico's protocol name of a global BGPPeer to `ip` (Global_198_18_1_2). */
export function globalPeerName(ip: string): string {
  return `Global_${canonicalIp(ip).replaceAll(ip.includes(':') ? ':' : '.', '_')}`;
}

// ------------------------------------------------------------------ the daemon

export interface StartPetrelOptions {
  readonly ns: string;
  readonly node: string;
  /** The datastore (see nodeDatastore). */
  readonly yaml: string;
  /** Directory for the datastore file and the log; default testDir(`petrel-<node>`). */
  readonly dir?: string;
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** How long to wait for the API to answer (default 20 s). */
  readonly startTimeoutMs?: number;
  /** More `petrel run` flags (e.g. `--fib kernel`). */
  readonly args?: readonly string[];
}

export interface Petrel {
  readonly ns: string;
  readonly node: string;
  readonly dir: string;
  readonly datastorePath: string;
  readonly apiSocket: string;
  /** The BIRD-compatible control sockets (bird.ctl and bird6.ctl in a directory of their own). */
  readonly birdSocket: string;
  readonly bird6Socket: string;
  /** The current daemon process (a new one after restart()). */
  readonly daemon: Daemon;
  info(): Promise<StatusInfo>;
  /** Every peer (gRPC ListPeers, what `petrel status --json` prints). */
  status(): Promise<PeerInfo[]>;
  /** The peer whose address is `address` (throws if petrel has none). */
  peer(address: string): Promise<PeerInfo>;
  /** A table (gRPC ListPaths, what `petrel routes --json` prints); `peer` is a peer name or address. */
  routes(table: Table, peer: string, family?: Family): Promise<PathInfo[]>;
  /** Run `petrel <args> --api-socket SOCK` (the real command) and return its stdout. */
  cli(args: readonly string[]): Promise<string>;
  /** `petrel status --json`, parsed. */
  cliStatus(): Promise<PeerInfo[]>;
  /** `petrel routes --json --table T --peer NAME [--family F]`, parsed. */
  cliRoutes(table: Table, peer: string, family?: Family): Promise<PathInfo[]>;
  /** Wait until the peer at `address` is in `state` (default Established). */
  waitForState(address: string, state?: SessionState, timeoutMs?: number): Promise<PeerInfo>;
  /** Wait until the peer at `address` satisfies `pred`. */
  waitForPeer(address: string, what: string, pred: (p: PeerInfo) => boolean, timeoutMs?: number): Promise<PeerInfo>;
  /** Wait until `prefix` is in the peer's `table` and `match` accepts it. */
  waitForRoute(table: Table, peer: string, prefix: string, match?: (p: PathInfo) => boolean, timeoutMs?: number): Promise<PathInfo>;
  waitForNoRoute(table: Table, peer: string, prefix: string, timeoutMs?: number): Promise<void>;
  /** Resolves if the peer at `address` is never Established for `durationMs`; throws as soon as it is. */
  assertNeverEstablished(address: string, durationMs: number): Promise<void>;
  /** SIGTERM (petrel sends Cease to every peer), waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, waits for the exit. */
  kill(): Promise<void>;
  pause(): void;
  resume(): void;
  /** The log of every process this handle started (restarts append to the same file). */
  log(): string;
  /** Stop (SIGTERM) and start again with the same datastore; resolves when the API answers. */
  restart(): Promise<void>;
}

export async function startPetrel(opts: StartPetrelOptions): Promise<Petrel> {
  const dir = opts.dir ?? testDir(`petrel-${opts.node}`);
  const datastorePath = join(dir, 'datastore.yaml');
  writeFileSync(datastorePath, opts.yaml);
  const apiSocket = socketPath(`petrel-${opts.node}.sock`);
  // Never the default /var/run/calico/bird.ctl: several daemons share this host's file system.
  const birdDir = socketPath(`bird-${opts.node}`);
  const args = [...PETREL_ARGV, 'run', '--node', opts.node, '--datastore', `file:${datastorePath}`, '--api-socket', apiSocket, '--bird-socket', join(birdDir, 'bird.ctl'), '--log-level', opts.logLevel ?? 'debug', ...(opts.args ?? [])];

  let daemon!: Daemon;
  let client: ApiClient | null = null;
  const api = (): ApiClient => (client ??= connectApi(apiSocket, { timeoutMs: 5000 }));
  const closeClient = (): void => {
    client?.close();
    client = null;
  };

  const launch = async (): Promise<void> => {
    daemon = spawn(opts.ns, process.execPath, args, { name: `petrel-${opts.node}`, logDir: dir, cwd: REPO });
    const d = daemon;
    await waitFor(`petrel ${opts.node} API on ${apiSocket}`, opts.startTimeoutMs ?? 20_000, async () => {
      if (!d.alive) throw new Error(`petrel ${opts.node} exited:\n${d.log().slice(-4000)}`);
      try {
        const s = await api().status();
        return s.nodeName === opts.node ? true : undefined;
      } catch (e) {
        closeClient();
        throw e;
      }
    }, 200);
  };
  await launch();

  const status = (): Promise<PeerInfo[]> => api().listPeers();
  const peer = async (address: string): Promise<PeerInfo> => {
    const a = canonicalIp(address);
    const p = (await status()).find((x) => canonicalIp(x.address) === a);
    if (!p) throw new Error(`petrel ${opts.node} has no peer at ${address}`);
    return p;
  };
  /** A peer name from a name or an address. */
  const nameOf = async (peerOrAddress: string): Promise<string> => (/^[0-9a-f.:]+$/i.test(peerOrAddress) ? (await peer(peerOrAddress)).name : peerOrAddress);
  const routes = async (table: Table, p: string, family?: Family): Promise<PathInfo[]> => {
    const out: PathInfo[] = [];
    for await (const x of api().listPaths({ table, peer: await nameOf(p), ...(family ? { family } : {}) })) out.push(x);
    return out;
  };
  const cli = async (a: readonly string[]): Promise<string> =>
    (await run(process.execPath, [...PETREL_ARGV, ...a, '--api-socket', apiSocket], { cwd: REPO, timeoutMs: 30_000 })).stdout;

  const handle: Petrel = {
    ns: opts.ns,
    node: opts.node,
    dir,
    datastorePath,
    apiSocket,
    birdSocket: join(birdDir, 'bird.ctl'),
    bird6Socket: join(birdDir, 'bird6.ctl'),
    get daemon() {
      return daemon;
    },
    info: () => api().status(),
    status,
    peer,
    routes,
    cli,
    cliStatus: async () => JSON.parse(await cli(['status', '--json'])) as PeerInfo[],
    cliRoutes: async (table, p, family) =>
      JSON.parse(await cli(['routes', '--json', '--table', table, '--peer', await nameOf(p), ...(family ? ['--family', family] : [])])) as PathInfo[],
    async waitForState(address, state = 'Established', timeoutMs = 30_000) {
      let last: PeerInfo | undefined;
      return waitFor(
        () => `petrel ${opts.node}: peer ${address} ${state} (last: ${last ? `${last.state}, lastError ${last.lastError}` : 'none'})`,
        timeoutMs,
        async () => {
          last = await peer(address);
          return last.state === state ? last : undefined;
        },
      );
    },
    async waitForPeer(address, what, pred, timeoutMs = 30_000) {
      let last: PeerInfo | undefined;
      return waitFor(
        () => `petrel ${opts.node}: peer ${address} ${what} (last: ${JSON.stringify(last)})`,
        timeoutMs,
        async () => {
          last = await peer(address);
          return pred(last) ? last : undefined;
        },
      );
    },
    async waitForRoute(table, p, prefix, match, timeoutMs = 30_000) {
      const want = canonicalPrefix(prefix);
      let seen: PathInfo[] = [];
      return waitFor(
        () => `petrel ${opts.node}: ${prefix} in table ${table} of ${p}${match ? ' matching' : ''} (seen: ${JSON.stringify(seen)})`,
        timeoutMs,
        async () => {
          seen = (await routes(table, p)).filter((r) => canonicalPrefix(r.prefix) === want);
          return seen.find((r) => !match || match(r));
        },
      );
    },
    async waitForNoRoute(table, p, prefix, timeoutMs = 30_000) {
      const want = canonicalPrefix(prefix);
      await waitFor(`petrel ${opts.node}: ${prefix} gone from table ${table} of ${p}`, timeoutMs, async () =>
        (await routes(table, p)).some((r) => canonicalPrefix(r.prefix) === want) ? undefined : true,
      );
    },
    async assertNeverEstablished(address, durationMs) {
      const end = Date.now() + durationMs;
      while (Date.now() < end) {
        const p = await peer(address);
        if (p.state === 'Established') throw new Error(`petrel ${opts.node}: peer ${address} reached Established`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async stop() {
      closeClient();
      await daemon.stop(5000);
    },
    async kill() {
      closeClient();
      daemon.killSync();
      await daemon.exited;
    },
    pause: () => daemon.pause(),
    resume: () => daemon.resume(),
    log: () => daemon.log(),
    async restart() {
      closeClient();
      await daemon.stop(5000);
      await launch();
    },
  };
  return handle;
}

// ------------------------------------------------------------------ petrel's JSON log

export interface LogRecord {
  readonly level: number;
  readonly msg: string;
  readonly peer?: string;
  readonly [k: string]: unknown;
}

/** The JSON lines of a petrel log (pino), parsed; other lines skipped. */
export function parseLog(text: string): LogRecord[] {
  const out: LogRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as LogRecord);
    } catch {
      /* a partial last line */
    }
  }
  return out;
}

// ------------------------------------------------------------------ a LAN around petrel

export interface LanHost {
  readonly ns: string;
  readonly v4: string;
  readonly v6: string;
}

export interface PetrelLan {
  /** petrel's namespace and addresses (host number 1). */
  readonly petrel: LanHost;
  readonly len4: number;
  readonly len6: number;
  /** A fresh namespace on the LAN with the next host number. */
  member(label: string): Promise<LanHost>;
  /** Add another address (next host number) to a member's LAN interface. */
  extraAddress(host: LanHost): Promise<LanHost>;
}

/**
 * A bridged LAN (one subnet, IPv4 and IPv6) with petrel's namespace on it:
 * every peer is one hop away, so next hops are directly reachable and GTSM
 * sees TTL 255.
 */
export async function petrelLan(label = 'petrel'): Promise<PetrelLan> {
  const lan = await createLan(`${label}-lan`);
  const s = nextSubnet();
  let host = 1;
  const join1 = async (l: string): Promise<LanHost> => {
    const h = host++;
    const ns = await createNs(l);
    await lan.join(ns, [`${s.v4(h)}/${s.len4}`, `${s.v6(h)}/${s.len6}`]);
    return { ns, v4: s.v4(h), v6: s.v6(h) };
  };
  const petrel = await join1(label);
  return {
    petrel,
    len4: s.len4,
    len6: s.len6,
    member: join1,
    async extraAddress(m) {
      const h = host++;
      await addAddrs(m.ns, 'lan0', [`${s.v4(h)}/${s.len4}`, `${s.v6(h)}/${s.len6}`]);
      return { ns: m.ns, v4: s.v4(h), v6: s.v6(h) };
    },
  };
}

// ------------------------------------------------------------------ the interop matrix

/**
 * The standard interop matrix against one peer implementation: one petrel
 * on a LAN, and per (implementation, scenario) a peer daemon in its own
 * namespace with its own session to petrel. Every session is independent,
 * so one scenario's SIGSTOP or SIGKILL disturbs no other, and the slow
 * scenarios (MD5 mismatch window, hold timer, graceful restart) run
 * concurrently: they start as soon as the topology is up and each `it`
 * awaits its own.
 */
export type InteropKind = PeerKind;

export const KIND_LABEL: Readonly<Record<InteropKind, string>> = { bird2: 'BIRD 2', bird1: 'BIRD 1.6', frr: 'FRR', gobgp: 'GoBGP', exabgp: 'ExaBGP' };
const KIND_INDEX: Readonly<Record<InteropKind, number>> = { bird2: 1, bird1: 2, frr: 3, gobgp: 4, exabgp: 5 };

export const PETREL_AS = 64512;
export const PETREL_NODE = 'petrel-node';
export const POOL4 = '10.244.0.0/16';
export const POOL6 = 'fd00:10:244::/48';
export const BLOCK4 = '10.244.1.0/26';
export const BLOCK6 = 'fd00:10:244:1::/122';
export const MD5_SECRET = { secret: 'bgp-passwords', key: 'tor' } as const;
export const MD5_PASSWORD = 'petrel-md5-Secret!';

export type ScenarioKey = 'ebgp4' | 'ibgp6' | 'md5' | 'md5bad' | 'gtsmOut' | 'gtsmIn' | 'gtsmOff' | 'peerPassive' | 'petrelPassive' | 'hold' | 'gr';

interface ScenarioDef {
  readonly family: Family;
  readonly ibgp: boolean;
  /** Peer-side neighbor options beyond address and AS. */
  readonly neighbor: Partial<NeighborOptions>;
  /** petrel-side BGPPeer fields beyond name, peerIP and asNumber. */
  readonly petrel: Partial<BgpPeerSpec>;
  /** Make petrel passive: the peer's address becomes a Calico node (lexical rule). */
  readonly petrelPassive?: boolean;
}

export const SCENARIOS: Readonly<Record<ScenarioKey, ScenarioDef>> = {
  ebgp4: { family: 'ipv4', ibgp: false, neighbor: {}, petrel: {} },
  ibgp6: { family: 'ipv6', ibgp: true, neighbor: {}, petrel: {} },
  md5: { family: 'ipv4', ibgp: false, neighbor: { password: MD5_PASSWORD }, petrel: { password: MD5_SECRET } },
  md5bad: { family: 'ipv4', ibgp: false, neighbor: { password: 'not-the-password' }, petrel: { password: MD5_SECRET } },
  // GTSM on the connection petrel opens (the peer is passive) ...
  gtsmOut: { family: 'ipv4', ibgp: false, neighbor: { ttlSecurity: true, passive: true }, petrel: { ttlSecurity: 1 } },
  // ... and on the one petrel accepts (petrel is passive by the lexical rule).
  gtsmIn: { family: 'ipv4', ibgp: false, neighbor: { ttlSecurity: true }, petrel: { ttlSecurity: 1 }, petrelPassive: true },
  // petrel insists on GTSM, the peer sends its usual eBGP TTL: never up.
  gtsmOff: { family: 'ipv4', ibgp: false, neighbor: {}, petrel: { ttlSecurity: 1 } },
  peerPassive: { family: 'ipv4', ibgp: false, neighbor: { passive: true }, petrel: {} },
  petrelPassive: { family: 'ipv4', ibgp: false, neighbor: {}, petrel: {}, petrelPassive: true },
  hold: { family: 'ipv4', ibgp: false, neighbor: { holdTime: 3 }, petrel: {} },
  gr: { family: 'ipv4', ibgp: false, neighbor: { gracefulRestart: { restartTime: 30 } }, petrel: {} },
};
const SCENARIO_INDEX: Readonly<Record<ScenarioKey, number>> = Object.fromEntries(Object.keys(SCENARIOS).map((k, i) => [k, i + 1])) as Record<ScenarioKey, number>;

/** The AS of a kind's eBGP peers. */
export const peerAsOf = (kind: InteropKind): number => 65000 + KIND_INDEX[kind];

/** The prefix a scenario's peer originates (distinct per implementation and scenario). */
export function peerPrefix(kind: InteropKind, key: ScenarioKey): string {
  const k = 100 + KIND_INDEX[kind];
  const s = SCENARIO_INDEX[key];
  return SCENARIOS[key].family === 'ipv4' ? `10.${k}.${s}.0/24` : `fd00:${k}:${s}::/48`;
}

/** The prefix the graceful-restart scenario's peer announces only before its restart. */
export function grGonePrefix(kind: InteropKind): string {
  return `10.${100 + KIND_INDEX[kind]}.200.0/24`;
}

export interface InteropSession {
  readonly kind: InteropKind;
  readonly key: ScenarioKey;
  readonly host: LanHost;
  /** The current daemon(s) (replaced by startPeer). */
  readonly peer: Peer;
  readonly peerAs: number;
  readonly family: Family;
  /** The peer's session address (v4 or v6 per the scenario). */
  readonly address: string;
  /** petrel's address of the same family. */
  readonly petrelAddress: string;
  readonly prefix: string;
}

export interface InteropLab {
  readonly petrel: Petrel;
  readonly lan: PetrelLan;
  session(kind: InteropKind, key: ScenarioKey): InteropSession;
  /** SIGKILL the scenario's daemons (no NOTIFICATION) and wait for them to exit. */
  killPeer(kind: InteropKind, key: ScenarioKey): Promise<void>;
  /** Start the scenario's peer again (after killPeer), with neighbor option overrides. */
  startPeer(kind: InteropKind, key: ScenarioKey, neighbor?: Partial<NeighborOptions>, how?: { recovery?: boolean }): Promise<Peer>;
  /** Established TCP connections in `ns`: [local, remote] as ip:port. */
  connections(ns: string): Promise<{ local: string; remote: string }[]>;
  /** Every BGP (port 179) IPv4 segment on petrel's LAN interface since the lab started. */
  segments(): TcpSegment[];
}

type Slow = (lab: InteropLab) => Promise<void>;

export interface InteropSuite {
  readonly lab: InteropLab;
  /** Whether the lab runs this scenario for this implementation. */
  runs(kind: InteropKind, key: ScenarioKey): boolean;
  /** Register a slow scenario: it starts once the topology is up; the returned function awaits it (for an `it`). */
  background(name: string, fn: Slow): () => Promise<void>;
}

/**
 * Build the topology in a `before` hook of the calling describe: the LAN,
 * one namespace per (kind, scenario), every peer and petrel, all at once.
 * Sessions are not awaited here: each test waits for its own, so one
 * broken scenario fails only its tests.
 */
export function useInteropLab(
  kinds: readonly InteropKind[],
  /** Scenarios an implementation cannot run, with the reason (kept in the file, never a silent skip). */
  without: Partial<Record<InteropKind, Partial<Record<ScenarioKey, string>>>> = {},
): InteropSuite {
  const sessions = new Map<string, InteropSession | Error>();
  const neighborOpts = new Map<string, NeighborOptions>();
  const generation = new Map<string, number>();
  const dirs = new Map<string, string>();
  const slow = new Map<string, { fn: Slow; promise?: Promise<void> }>();
  let petrel: Petrel | undefined;
  let lan: PetrelLan | undefined;
  let capture: Capture | undefined;
  const id = (kind: InteropKind, key: ScenarioKey): string => `${kind}/${key}`;
  // One implementation is enough to show petrel enforces GTSM.
  const applies = (kind: InteropKind, key: ScenarioKey): boolean => without[kind]?.[key] === undefined && (key !== 'gtsmOff' || kind === 'bird2');

  const launch = async (kind: InteropKind, key: ScenarioKey, host: LanHost, n: NeighborOptions, recovery = false): Promise<Peer> => {
    const k = id(kind, key);
    const gen = (generation.get(k) ?? 0) + 1;
    generation.set(k, gen);
    const def = SCENARIOS[key];
    const addr = def.family === 'ipv4' ? host.v4 : host.v6;
    const prefix = peerPrefix(kind, key);
    const opts: PeerOptions & { ns: string } = {
      ns: host.ns,
      // Restarted daemons write next to the first one (tests run in their own log scopes).
      ...(dirs.has(k) ? { dir: dirs.get(k)! } : {}),
      name: `${kind}-${key}${gen > 1 ? `-${gen}` : ''}`,
      routerId: host.v4,
      as: def.ibgp ? PETREL_AS : peerAsOf(kind),
      listen: [addr],
      neighbors: [n],
      // The first graceful-restart peer also announces a prefix it will not announce after its restart.
      routes: key === 'gr' && gen === 1 ? [{ prefix }, { prefix: grGonePrefix(kind) }] : [{ prefix }],
    };
    if (recovery && kind !== 'bird2') throw new Error(`${kind}: no graceful restart recovery start in this lab`);
    const peer = await (recovery ? startBird2({ ...opts, recover: true }) : startPeer(kind, opts));
    if (!dirs.has(k)) dirs.set(k, peer.dir);
    return peer;
  };

  const lab: InteropLab = {
    get petrel() {
      if (!petrel) throw new Error('the interop lab is not up (its before hook failed)');
      return petrel;
    },
    get lan() {
      if (!lan) throw new Error('the interop lab is not up (its before hook failed)');
      return lan;
    },
    session(kind, key) {
      const s = sessions.get(id(kind, key));
      if (s instanceof Error) throw s;
      if (!s) throw new Error(`no ${kind} ${key} session in this lab`);
      return s;
    },
    async killPeer(kind, key) {
      const s = lab.session(kind, key);
      for (const d of s.peer.daemons) d.signal('SIGKILL');
      await Promise.all(s.peer.daemons.map((d) => d.exited));
    },
    async startPeer(kind, key, overrides = {}, how = {}) {
      const s = lab.session(kind, key);
      const n = { ...neighborOpts.get(id(kind, key))!, ...overrides };
      const peer = await launch(kind, key, s.host, n, how.recovery ?? false);
      sessions.set(id(kind, key), { ...s, peer });
      return peer;
    },
    async connections(ns) {
      const { stdout } = await exec(ns, 'ss', ['-Htn', 'state', 'established']);
      return stdout
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f.length >= 4)
        .map((f) => ({ local: f[f.length - 2]!, remote: f[f.length - 1]! }));
    },
    segments: () => capture?.segments() ?? [],
  };

  before(async function () {
    this.timeout(90_000);
    lan = await petrelLan('petrel');
    capture = await captureBgp(lan.petrel.ns, 'lan0', 'tcp port 179', testDir('capture'));
    const plan: { kind: InteropKind; key: ScenarioKey }[] = [];
    for (const kind of kinds) for (const key of Object.keys(SCENARIOS) as ScenarioKey[]) if (applies(kind, key)) plan.push({ kind, key });
    const hosts = new Map<string, LanHost>();
    const l0 = lan;
    await Promise.all(plan.map(async ({ kind, key }) => hosts.set(id(kind, key), await l0.member(`${kind}-${key}`.slice(0, 20)))));
    const peers: BgpPeerSpec[] = [];
    const otherNodes: Record<string, { ipv4Address?: string }> = {};
    for (const { kind, key } of plan) {
      const def = SCENARIOS[key];
      const host = hosts.get(id(kind, key))!;
      const addr = def.family === 'ipv4' ? host.v4 : host.v6;
      peers.push({ name: `${kind}-${key}`.toLowerCase(), peerIP: addr, asNumber: def.ibgp ? PETREL_AS : peerAsOf(kind), ...def.petrel });
      if (def.petrelPassive) {
        // The lexical rule needs the peer's address to sort after petrel's.
        if (!(addr > lan.petrel.v4)) throw new Error(`lexical rule: ${addr} does not sort after ${lan.petrel.v4}`);
        otherNodes[`calico-${kind}-${key}`.toLowerCase()] = { ipv4Address: `${addr}/${lan.len4}` };
      }
    }
    const yaml = nodeDatastore({
      node: PETREL_NODE,
      asNumber: PETREL_AS,
      ipv4Address: `${lan.petrel.v4}/${lan.len4}`,
      ipv6Address: `${lan.petrel.v6}/${lan.len6}`,
      pools: [POOL4, POOL6],
      blocks: [BLOCK4, BLOCK6],
      peers,
      secrets: { [MD5_SECRET.secret]: { [MD5_SECRET.key]: MD5_PASSWORD } },
      otherNodes,
    });
    const petrelUp = startPetrel({ ns: lan.petrel.ns, node: PETREL_NODE, yaml });
    const l = lan;
    const started = plan.map(async ({ kind, key }) => {
      const def = SCENARIOS[key];
      const host = hosts.get(id(kind, key))!;
      const address = def.family === 'ipv4' ? host.v4 : host.v6;
      const petrelAddress = def.family === 'ipv4' ? l.petrel.v4 : l.petrel.v6;
      const n: NeighborOptions = { address: petrelAddress, as: PETREL_AS, ...def.neighbor };
      neighborOpts.set(id(kind, key), n);
      try {
        const peer = await launch(kind, key, host, n);
        sessions.set(id(kind, key), { kind, key, host, peer, peerAs: def.ibgp ? PETREL_AS : peerAsOf(kind), family: def.family, address, petrelAddress, prefix: peerPrefix(kind, key) });
      } catch (e) {
        sessions.set(id(kind, key), new Error(`${KIND_LABEL[kind]} (${key}) did not start: ${(e as Error).message}`));
      }
    });
    petrel = await petrelUp;
    await Promise.all(started);
    for (const s of slow.values()) {
      s.promise = s.fn(lab);
      s.promise.catch(() => undefined); // reported by the test awaiting it
    }
  });

  return {
    lab,
    runs: (kind, key) => kinds.includes(kind) && applies(kind, key),
    background(name, fn) {
      if (slow.has(name)) throw new Error(`background scenario ${name} registered twice`);
      slow.set(name, { fn });
      return async () => {
        const s = slow.get(name)!;
        if (!s.promise) throw new Error(`background scenario ${name} never started (the lab's before hook failed)`);
        await s.promise;
      };
    },
  };
}


// ------------------------------------------------------------------ the matrix's tests

const asPathOf = (p: PathInfo): number[] => p.asPath.flatMap((s) => [...s.numbers]);
const firstNextHop = (p: PathInfo): string => canonicalIp(p.nextHops[0] ?? '');

export interface DescribeInteropOptions {
  /** Also run the real `petrel status --json` / `petrel routes --json` commands in the eBGP test. */
  readonly cli?: boolean;
}

/**
 * The matrix's tests for one implementation, numbered as the features:
 * 1 eBGP/IPv4, 2 iBGP/IPv6, 3 MD5, 4 GTSM, 5 active/passive, 6 hold timer,
 * 7 graceful restart. Every check is made on both sides: the peer's own
 * CLI (harness queries) and petrel's API.
 */
export function describeInterop(suite: InteropSuite, kind: InteropKind, o: DescribeInteropOptions = {}): void {
  const { lab } = suite;
  const label = KIND_LABEL[kind];
  const has = (key: ScenarioKey): boolean => suite.runs(kind, key);
  const S = (key: ScenarioKey): InteropSession => lab.session(kind, key);

  /** Established on both sides, as each side reports it. */
  const bothUp = async (key: ScenarioKey, timeoutMs = 20_000): Promise<PeerInfo> => {
    const s = S(key);
    const [p] = await Promise.all([lab.petrel.waitForState(s.address, 'Established', timeoutMs), s.peer.waitForSession(s.petrelAddress, 'Established', timeoutMs)]);
    return p;
  };

  /** Routes both ways: petrel's block at the peer, the peer's prefix at petrel, next hops and AS paths checked. */
  const routesBothWays = async (key: ScenarioKey): Promise<void> => {
    const s = S(key);
    const block = s.family === 'ipv4' ? BLOCK4 : BLOCK6;
    const atPeer = await s.peer.waitForRoute(s.family, block, undefined, 20_000);
    if (atPeer.nextHop !== canonicalIp(s.petrelAddress)) throw new Error(`${label}: ${block} next hop ${atPeer.nextHop}, expected petrel's ${s.petrelAddress}`);
    if (JSON.stringify(atPeer.asPath) !== JSON.stringify(SCENARIOS[key].ibgp ? [] : [PETREL_AS])) {
      throw new Error(`${label}: ${block} AS path ${JSON.stringify(atPeer.asPath)}`);
    }
    const atPetrel = await lab.petrel.waitForRoute('in', s.address, s.prefix, undefined, 20_000);
    if (firstNextHop(atPetrel) !== canonicalIp(s.address)) throw new Error(`petrel: ${s.prefix} next hop ${JSON.stringify(atPetrel.nextHops)}, expected ${s.address}`);
    const wantPath = SCENARIOS[key].ibgp ? [] : [s.peerAs];
    if (JSON.stringify(asPathOf(atPetrel)) !== JSON.stringify(wantPath)) throw new Error(`petrel: ${s.prefix} AS path ${JSON.stringify(atPetrel.asPath)}, expected ${JSON.stringify(wantPath)}`);
  };

  /** GTSM: Established both sides, routes both ways, and every segment between petrel and the peer carried TTL 255. */
  const gtsm = async (key: ScenarioKey): Promise<void> => {
    const s = S(key);
    let up: unknown = null;
    try {
      await bothUp(key);
    } catch (e) {
      up = e;
    }
    // Resets are the kernel's (e.g. before petrel listens): GTSM governs the session's own segments.
    const session = (): TcpSegment[] =>
      lab.segments().filter((x) => (x.flags & 0x04) === 0 && ((x.src === lab.lan.petrel.v4 && x.dst === s.address) || (x.src === s.address && x.dst === lab.lan.petrel.v4)));
    // The capture file may trail the session by a moment.
    await waitFor('petrel\'s segments to the peer in the capture', 3000, async () => (session().some((x) => x.src === lab.lan.petrel.v4) ? true : undefined), 100).catch(() => undefined);
    const between = session();
    const ttls = (from: string): string => [...new Set(between.filter((x) => x.src === from).map((x) => x.ttl))].sort().join('/') || 'none';
    const bad = between.filter((x) => x.src === lab.lan.petrel.v4 && x.ttl !== 255);
    if (bad.length > 0) {
      const first = bad[0]!;
      throw new Error(
        `petrel sent ${bad.length} segment(s) to a GTSM peer with TTL ${ttls(lab.lan.petrel.v4)} (RFC 5082: 255), ` +
          `the first with TCP flags 0x${first.flags.toString(16)} from port ${first.sport} (RSTs not counted); the peer sent TTL ${ttls(s.address)}` +
          (up ? `; the session never came up: ${(up as Error).message}` : ''),
      );
    }
    if (up) throw up;
    await routesBothWays(key);
  };

  describe(label, function () {
    it('1 eBGP over IPv4: Established on both sides, petrel\'s block and the peer\'s route with next hop and AS path', async function () {
      const s = S('ebgp4');
      const p = await bothUp('ebgp4');
      assertEq(p.peerAs, s.peerAs, 'petrel: peer AS');
      assertEq(p.negotiated?.families.join(','), 'ipv4-unicast', 'petrel: negotiated families');
      const atPeer = await s.peer.waitForRoute('ipv4', BLOCK4, undefined, 20_000);
      assertEq(atPeer.nextHop, lab.lan.petrel.v4, `${label}: next hop of ${BLOCK4}`);
      assertEq(JSON.stringify(atPeer.asPath), JSON.stringify([PETREL_AS]), `${label}: AS path of ${BLOCK4}`);
      const atPetrel = await lab.petrel.waitForRoute('in', s.address, s.prefix, undefined, 20_000);
      assertEq(firstNextHop(atPetrel), s.address, `petrel: next hop of ${s.prefix}`);
      assertEq(JSON.stringify(atPetrel.asPath), JSON.stringify([{ type: 'sequence', numbers: [s.peerAs] }]), `petrel: AS path of ${s.prefix}`);
      assertEq(atPetrel.stale, false, 'petrel: stale');
      // What petrel says it advertised agrees with what the peer received.
      const out = await lab.petrel.routes('out', s.address);
      const adv = out.find((r) => r.prefix === BLOCK4);
      if (!adv) throw new Error(`petrel: ${BLOCK4} not in its table out for ${s.address}: ${JSON.stringify(out)}`);
      assertEq(firstNextHop(adv), lab.lan.petrel.v4, 'petrel: advertised next hop');
      assertEq(JSON.stringify(asPathOf(adv)), JSON.stringify([PETREL_AS]), 'petrel: advertised AS path');
      if (o.cli) {
        // The same through the real commands.
        const st = (await lab.petrel.cliStatus()).find((x) => x.address === s.address);
        assertEq(st?.state, 'Established', 'petrel status --json: state');
        if (!st || st.counters.prefixesReceived < 1 || st.counters.prefixesAdvertised < 1) throw new Error(`petrel status --json: counters ${JSON.stringify(st?.counters)}`);
        const rin = await lab.petrel.cliRoutes('in', p.name, 'ipv4');
        const r = rin.find((x) => x.prefix === s.prefix);
        assertEq(r && firstNextHop(r), s.address, 'petrel routes --json --table in: next hop');
        const rout = await lab.petrel.cliRoutes('out', p.name, 'ipv4');
        assertEq(rout.map((x) => x.prefix).join(','), BLOCK4, 'petrel routes --json --table out');
      }
    });

    if (has('ibgp6')) {
      it('2 iBGP over IPv6 with the IPv6 block both ways', async function () {
        const s = S('ibgp6');
        const p = await bothUp('ibgp6');
        assertEq(p.negotiated?.families.join(','), 'ipv6-unicast', 'petrel: negotiated families');
        assertEq(p.peerAs, PETREL_AS, 'petrel: iBGP peer AS');
        const atPeer = await s.peer.waitForRoute('ipv6', BLOCK6, undefined, 20_000);
        assertEq(atPeer.nextHop, canonicalIp(lab.lan.petrel.v6), `${label}: next hop of ${BLOCK6}`);
        assertEq(JSON.stringify(atPeer.asPath), '[]', `${label}: AS path of ${BLOCK6}`);
        const atPetrel = await lab.petrel.waitForRoute('in', s.address, s.prefix, undefined, 20_000);
        assertEq(firstNextHop(atPetrel), canonicalIp(s.address), `petrel: next hop of ${s.prefix}`);
        assertEq(JSON.stringify(atPetrel.asPath), '[]', `petrel: AS path of ${s.prefix}`);
        // Only IPv6 on this session: petrel's IPv4 block is not sent (BIRD 1.6's bird6 has no IPv4 table at all).
        if (kind !== 'bird1') assertEq((await s.peer.routes('ipv4')).filter((r) => r.prefix === BLOCK4).length, 0, `${label}: ${BLOCK4} over the IPv6-only session`);
      });
    }

    it('3 MD5: the right password reaches Established and carries routes', async function () {
      await bothUp('md5');
      await routesBothWays('md5');
    });

    const md5bad = suite.background(`${kind}/md5bad`, async () => {
      const s = S('md5bad');
      await Promise.all([lab.petrel.assertNeverEstablished(s.address, 6000), s.peer.assertNeverState(s.petrelAddress, 'Established', 6000)]);
      const p = await lab.petrel.peer(s.address);
      if (p.state === 'Established') throw new Error('petrel: md5bad Established');
      const ps = (await s.peer.sessions()).find((x) => canonicalIp(x.neighbor) === canonicalIp(s.petrelAddress));
      if (!ps) throw new Error(`${label} does not list petrel as a neighbor`);
      if (ps.state === 'Established') throw new Error(`${label}: md5bad Established`);
    });
    it('3 MD5: a wrong password never reaches Established (6 s, both sides)', md5bad);

    if (has('gtsmOut')) {
      it('4 TTL security (GTSM, 1 hop), petrel connecting: reaches Established over the direct link', () => gtsm('gtsmOut'));
    }

    // In the background: it runs alongside the others rather than after them.
    const gtsmIn = suite.background(`${kind}/gtsmIn`, () => gtsm('gtsmIn'));
    it('4 TTL security (GTSM, 1 hop), the peer connecting: reaches Established over the direct link', gtsmIn);

    if (has('gtsmOff')) {
      const off = suite.background(`${kind}/gtsmOff`, async () => {
        const s = S('gtsmOff');
        const seen = await Promise.allSettled([lab.petrel.assertNeverEstablished(s.address, 6000), s.peer.assertNeverState(s.petrelAddress, 'Established', 6000)]);
        const msgs = bgpMessages(lab.segments()).filter((m) => (m.src === s.address && m.dst === lab.lan.petrel.v4) || (m.src === lab.lan.petrel.v4 && m.dst === s.address));
        const lowOpen = msgs.find((m) => m.src === s.address && m.bytes[18] === 1 && m.ttl < 255);
        const answered = msgs.some((m) => m.src === lab.lan.petrel.v4 && m.bytes[18] === 4);
        if (lowOpen && answered) {
          const p = await lab.petrel.peer(s.address);
          throw new Error(
            `petrel (ttlSecurity 1) took the peer's OPEN that arrived with TTL ${lowOpen.ttl} and answered it with a KEEPALIVE; ` +
              `petrel is ${p.state}, ${label} is ${(await s.peer.sessions()).find((x) => x.neighbor === s.petrelAddress)?.state}`,
          );
        }
        for (const r of seen) if (r.status === 'rejected') throw r.reason;
      });
      it('4 TTL security is enforced: a peer sending its usual eBGP TTL never reaches Established (6 s, both sides)', off);
    }

    it('5 petrel active towards a passive peer', async function () {
      const s = S('peerPassive');
      const p = await bothUp('peerPassive');
      assertEq(p.passive === true, false, 'petrel: passive');
      // The one connection goes from petrel to the peer's port 179.
      const conns = (await lab.connections(lab.petrel.ns)).filter((c) => c.remote.startsWith(`${s.address}:`));
      assertEq(conns.map((c) => c.remote).join(','), `${s.address}:179`, 'connections from petrel to the passive peer');
      await routesBothWays('peerPassive');
    });

    it('5 petrel passive (Calico lexical rule) towards an active peer', async function () {
      const s = S('petrelPassive');
      const p = await bothUp('petrelPassive', 40_000);
      assertEq(p.passive, true, 'petrel: passive');
      const conns = (await lab.connections(lab.petrel.ns)).filter((c) => c.remote.startsWith(`${s.address}:`));
      assertEq(conns.map((c) => c.local).join(','), `${lab.lan.petrel.v4}:179`, 'connections the active peer opened to petrel');
      await routesBothWays('petrelPassive');
    });

    if (has('hold')) {
      const hold = suite.background(`${kind}/hold`, async () => {
        const s = S('hold');
        const before = await bothUp('hold');
        assertEq(before.negotiated?.holdTime, 3, 'petrel: negotiated hold time');
        const cap = await captureBgp(lab.petrel.ns, 'lan0', `host ${s.address} and tcp port 179`, lab.petrel.dir);
        const t0 = Date.now();
        s.peer.pause();
        let down: PeerInfo;
        let wire: TcpSegment[];
        try {
          down = await lab.petrel.waitForPeer(s.address, 'down with Hold Timer Expired', (p) => p.state !== 'Established' && /Hold Timer Expired/i.test(p.lastError ?? ''), 12_000);
        } finally {
          // Still stopped: whatever is on the wire now came from petrel (let tcpdump see the last segment).
          await new Promise((r) => setTimeout(r, 500));
          wire = await cap.stop();
          s.peer.resume();
        }
        const after = Date.now() - t0;
        const notes = bgpMessages(wire).filter((m) => m.src === lab.lan.petrel.v4 && m.bytes[18] === 3).map((m) => Buffer.from(m.bytes.subarray(19)).toString('hex'));
        assertEq(notes.join(','), '0400', 'NOTIFICATIONs (code, subcode, data) petrel put on the wire to the stopped peer');
        if (after < 1500) throw new Error(`petrel dropped the session after ${after} ms: too early for a 3 s hold time`);
        const rec = parseLog(lab.petrel.log()).find((r) => r.peer === down.name && r.msg === 'session down' && /Hold Timer Expired/.test(String(r['reason'])));
        if (!rec) throw new Error(`petrel's log has no "session down" record naming Hold Timer Expired for ${down.name}`);
        if (down.counters.prefixesReceived !== 0) throw new Error(`petrel kept ${down.counters.prefixesReceived} routes of a peer whose hold timer expired`);
        await bothUp('hold', 40_000);
        await lab.petrel.waitForRoute('in', s.address, s.prefix, undefined, 20_000);
      });
      it('6 hold timer: SIGSTOP -> petrel reports Hold Timer Expired (NOTIFICATION 4/0); SIGCONT -> Established again', hold);
    }

    if (has('gr')) {
      const gr = suite.background(`${kind}/gr`, async () => {
        const s0 = S('gr');
        await bothUp('gr');
        await lab.petrel.waitForRoute('in', s0.address, s0.prefix, undefined, 20_000);
        const up = await lab.petrel.peer(s0.address);
        if (!up.negotiated?.capabilities.some((c) => c.startsWith('graceful-restart:30s'))) {
          throw new Error(`petrel did not negotiate the peer's GR (30 s): ${JSON.stringify(up.negotiated?.capabilities)}`);
        }
        // Killed: no NOTIFICATION; petrel keeps the routes as stale.
        await lab.killPeer(kind, 'gr');
        const down = await lab.petrel.waitForPeer(s0.address, 'down with stale routes', (p) => p.state !== 'Established' && (p.counters.prefixesStale ?? 0) > 0, 10_000);
        assertEq(down.counters.prefixesStale, down.counters.prefixesReceived, 'petrel: every route of the restarting peer is stale');
        const stale = (await lab.petrel.routes('in', s0.address)).find((r) => r.prefix === s0.prefix);
        if (!stale?.stale) throw new Error(`petrel: ${s0.prefix} not kept as stale while the peer restarts: ${JSON.stringify(stale)}`);
        if (!(await lab.petrel.routes('in', s0.address)).some((r) => r.prefix === grGonePrefix(kind) && r.stale)) throw new Error(`petrel: ${grGonePrefix(kind)} not kept as stale`);
        // Back (BIRD 2 in graceful restart recovery, -R, as calico-node runs it) with a 4 s restart time and
        // without one of its prefixes: after its End-of-RIB nothing is stale, the prefix it kept is fresh
        // and the one it dropped is gone.
        const peer = await lab.startPeer(kind, 'gr', { gracefulRestart: { restartTime: 4 } }, { recovery: kind === 'bird2' });
        await Promise.all([lab.petrel.waitForState(s0.address, 'Established', 40_000), peer.waitForSession(s0.petrelAddress, 'Established', 40_000)]);
        await lab.petrel.waitForPeer(s0.address, 'no stale routes after End-of-RIB', (p) => p.state === 'Established' && p.counters.prefixesStale === 0 && p.counters.prefixesReceived >= 1, 20_000);
        const fresh = await lab.petrel.waitForRoute('in', s0.address, s0.prefix, (r) => !r.stale, 10_000);
        assertEq(firstNextHop(fresh), s0.address, 'petrel: next hop after the restart');
        await lab.petrel.waitForNoRoute('in', s0.address, grGonePrefix(kind), 5000);
        if (kind === 'bird2') {
          // The Forwarding flag was set: the stale prefix waited for End-of-RIB, and End-of-RIB removed it.
          const recs = parseLog(lab.petrel.log()).filter((r) => r.peer === up.name && /stale routes removed/.test(r.msg));
          if (!recs.some((r) => r.msg.startsWith('End-of-RIB'))) throw new Error(`petrel did not sweep the stale routes at End-of-RIB: ${JSON.stringify(recs.map((r) => r.msg))}`);
        }
        await peer.waitForRoute('ipv4', BLOCK4, undefined, 20_000);
        // Killed again and not back within its (now 4 s) restart time: the routes are swept.
        await lab.killPeer(kind, 'gr');
        const t0 = Date.now();
        await lab.petrel.waitForPeer(s0.address, 'down with stale routes', (p) => p.state !== 'Established' && (p.counters.prefixesStale ?? 0) > 0, 5_000);
        await lab.petrel.waitForPeer(s0.address, 'stale routes swept', (p) => p.counters.prefixesReceived === 0 && (p.counters.prefixesStale ?? 0) === 0, 20_000);
        const sweptAfter = Date.now() - t0;
        if (sweptAfter < 3000) throw new Error(`stale routes swept after ${sweptAfter} ms, before the 4 s restart time`);
        assertEq((await lab.petrel.routes('in', s0.address)).length, 0, 'petrel: routes left after the restart time');
      });
      it('7 graceful restart: SIGKILL -> routes kept stale; back + End-of-RIB -> fresh; not back within restart time -> swept', gr);
    }
  });
}

function assertEq(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

// ------------------------------------------------------------------ BGP on the wire

/** One IPv4 TCP segment of a capture. */
export interface TcpSegment {
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly ttl: number;
  /** TCP flags byte (0x02 SYN, 0x10 ACK, 0x12 SYN-ACK, ...). */
  readonly flags: number;
  readonly payload: Uint8Array;
}

export interface WireMessage {
  readonly src: string;
  readonly dst: string;
  readonly ttl: number;
  /** The BGP message (header included). */
  readonly bytes: Uint8Array;
}

export interface Capture {
  /** Segments captured so far (the pcap is written per packet). */
  segments(): TcpSegment[];
  /** Stop tcpdump and return every segment. */
  stop(): Promise<TcpSegment[]>;
}

/**
 * tcpdump on `iface` inside `ns` (BPF `filter`) to a pcap file; resolves
 * once it listens. Shows what petrel really put on the wire: TTLs (GTSM),
 * a NOTIFICATION sent to a stopped peer whose own log may never show it.
 */
export async function captureBgp(ns: string, iface: string, filter: string, dir: string): Promise<Capture> {
  const file = join(dir, `capture-${Date.now()}-${Math.floor(Math.random() * 1e6)}.pcap`);
  // --immediate-mode: libpcap hands over each packet at once (no block timeout), -U writes it at once.
  const d = spawn(ns, '/usr/bin/tcpdump', ['--immediate-mode', '-U', '-n', '-i', iface, '-s', '0', '-w', file, filter], { name: 'tcpdump', logDir: dir });
  await waitFor(`tcpdump in ${ns}`, 10_000, async () => {
    if (!d.alive) throw new Error(`tcpdump exited: ${d.log()}`);
    return /listening on/.test(d.log()) ? true : undefined;
  }, 50);
  const read = (): TcpSegment[] => {
    try {
      return parsePcap(readFileSync(file));
    } catch {
      return [];
    }
  };
  return {
    segments: read,
    async stop() {
      await d.stop(2000);
      return read();
    },
  };
}

/** IPv4/TCP segments of a pcap of Ethernet frames (a partial last record is ignored). */
export function parsePcap(pcap: Uint8Array): TcpSegment[] {
  if (pcap.length < 24) return [];
  const v = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
  const magic = v.getUint32(0, true);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const out: TcpSegment[] = [];
  let p = 24;
  while (p + 16 <= pcap.length) {
    const incl = v.getUint32(p + 8, le);
    if (p + 16 + incl > pcap.length) break;
    const pkt = pcap.subarray(p + 16, p + 16 + incl);
    p += 16 + incl;
    if (pkt.length < 14 + 20 || pkt[12] !== 0x08 || pkt[13] !== 0x00) continue;
    const ip = pkt.subarray(14);
    if (ip[9] !== 6) continue;
    const ihl = (ip[0]! & 0x0f) * 4;
    const totalLen = (ip[2]! << 8) | ip[3]!;
    const tcp = ip.subarray(ihl, totalLen);
    if (tcp.length < 20) continue;
    out.push({
      src: [...ip.subarray(12, 16)].join('.'),
      dst: [...ip.subarray(16, 20)].join('.'),
      sport: (tcp[0]! << 8) | tcp[1]!,
      dport: (tcp[2]! << 8) | tcp[3]!,
      ttl: ip[8]!,
      flags: tcp[13]!,
      payload: tcp.subarray((tcp[12]! >> 4) * 4),
    });
  }
  return out;
}

/** The BGP messages in segments (each segment split by the headers' lengths; messages spanning segments are skipped). */
export function bgpMessages(segments: readonly TcpSegment[]): WireMessage[] {
  const out: WireMessage[] = [];
  for (const s of segments) {
    const b = s.payload;
    let q = 0;
    while (q + 19 <= b.length && b.subarray(q, q + 16).every((x) => x === 0xff)) {
      const len = (b[q + 16]! << 8) | b[q + 17]!;
      if (len < 19 || q + len > b.length) break;
      out.push({ src: s.src, dst: s.dst, ttl: s.ttl, bytes: b.slice(q, q + len) });
      q += len;
    }
  }
  return out;
}
