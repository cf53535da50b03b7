/**
 * Network namespaces for integration tests: named namespaces with a per-run
 * prefix, veth links and bridged LANs between them, commands and daemons run
 * inside them, and guaranteed cleanup.
 *
 * Everything lives inside namespaces this module creates (names
 * `pt-<pid>-<n>-<label>`); nothing is ever added to the root namespace. veth
 * pairs are created directly inside their two namespaces. Cleanup runs in a
 * mocha `after` hook (see `useLab`), on process exit and on SIGINT/SIGTERM/
 * SIGHUP; `sweepStale()` removes namespaces (and kills their processes) left
 * by earlier runs whose node process is gone.
 */
import { execFile, execFileSync, spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Namespaces of this run start with this. */
export const RUN_PREFIX = `pt-${process.pid}-`;
const STALE_RE = /^pt-(\d+)-/;

// ------------------------------------------------------------------ registry and cleanup

const namespaces = new Set<string>();
const daemons = new Set<Daemon>();
let nsCounter = 0;
let handlersInstalled = false;

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once('exit', () => cleanupSync());
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      cleanupSync();
      process.kill(process.pid, sig);
    });
  }
}

function killQuietly(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** PIDs of processes whose network namespace is `ns`. */
function nsPidsSync(ns: string): number[] {
  try {
    const out = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function deleteNsSync(ns: string): void {
  const pids = nsPidsSync(ns);
  for (const p of pids) killQuietly(p, 'SIGCONT');
  for (const p of pids) killQuietly(p, 'SIGKILL');
  try {
    execFileSync('ip', ['netns', 'del', ns], { timeout: 5000, stdio: 'ignore' });
  } catch {
    /* already gone */
  }
}

/** Synchronous last-resort cleanup (exit and signal handlers). */
export function cleanupSync(): void {
  for (const d of daemons) d.killSync();
  daemons.clear();
  for (const ns of namespaces) deleteNsSync(ns);
  namespaces.clear();
  if (sockDir) rmSync(sockDir, { recursive: true, force: true });
}

/** Stop every daemon (SIGTERM, then SIGKILL) and delete every namespace this run created. */
export async function cleanupAll(): Promise<void> {
  await Promise.all([...daemons].map((d) => d.stop()));
  daemons.clear();
  for (const ns of [...namespaces]) await deleteNs(ns);
  if (sockDir) rmSync(sockDir, { recursive: true, force: true });
  sockDir = undefined;
}

/** Namespaces `ip netns list` shows. */
export async function listNs(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list'], { timeoutMs: 5000 });
  return stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter(Boolean);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('node');
  } catch {
    return false;
  }
}

/** Remove `pt-<pid>-*` namespaces whose creating node process no longer runs. Returns their names. */
export async function sweepStale(): Promise<string[]> {
  const swept: string[] = [];
  for (const ns of await listNs()) {
    const m = STALE_RE.exec(ns);
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    deleteNsSync(ns);
    swept.push(ns);
  }
  // Socket directories of dead runs (their config and log directories are kept for post-mortems).
  for (const d of readdirSync(tmpdir())) {
    const m = /^pts-(\d+)-/.exec(d);
    if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) rmSync(join(tmpdir(), d), { recursive: true, force: true });
  }
  return swept;
}

// ------------------------------------------------------------------ commands

export interface ExecOptions {
  /** Default 10 s; the command is killed (SIGKILL) after it. */
  readonly timeoutMs?: number;
  /** Written to stdin. */
  readonly input?: string;
  /** Do not throw on a non-zero exit. */
  readonly allowFail?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Exit code; null when killed by a signal (e.g. the timeout). */
  readonly code: number | null;
}

/** Run a command in the root namespace (used for `ip` itself). */
export function run(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { timeout: opts.timeoutMs ?? 10_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, env: opts.env, cwd: opts.cwd },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        if (err && (err as { code?: unknown }).code === 'ENOENT') {
          reject(new Error(`${cmd}: not found (is it installed? see .ci/run)`));
          return;
        }
        if (code !== 0 && !opts.allowFail) {
          const why = err?.killed ? `timed out after ${opts.timeoutMs ?? 10_000} ms` : `exit ${code}`;
          reject(new Error(`${cmd} ${args.join(' ')}: ${why}\n${stderr || stdout}`.trimEnd()));
          return;
        }
        resolve({ stdout, stderr, code });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Run a command inside namespace `ns`. */
export function exec(ns: string, cmd: string, args: readonly string[] = [], opts: ExecOptions = {}): Promise<ExecResult> {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

/** Throws a clear error when an executable is missing: tests must fail, not skip. */
export function requireExecutable(path: string, hint: string): void {
  if (path.includes('/')) {
    if (!existsSync(path)) throw new Error(`${path} is missing: ${hint}`);
    return;
  }
  const dirs = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat(['/usr/sbin', '/sbin']);
  if (!dirs.some((d) => existsSync(join(d, path)))) throw new Error(`${path} is not on PATH: ${hint}`);
}

// ------------------------------------------------------------------ namespaces and links

/** Create a namespace with lo up, IPv6 DAD off and forwarding on. Returns its name. */
export async function createNs(label = 'n'): Promise<string> {
  installExitHandlers();
  const name = `${RUN_PREFIX}${nsCounter++}-${label}`;
  await run('ip', ['netns', 'add', name]);
  namespaces.add(name);
  await exec(name, 'ip', ['link', 'set', 'lo', 'up']);
  // /proc/sys/net inside the namespace is the namespace's own (no procps needed).
  const sysctls = ['ipv6/conf/all/accept_dad=0', 'ipv6/conf/default/accept_dad=0', 'ipv6/conf/all/forwarding=1', 'ipv4/ip_forward=1'];
  const script = sysctls.map((kv) => kv.split('=')).map(([k, v]) => `echo ${v} > /proc/sys/net/${k}`).join(' && ');
  await exec(name, 'sh', ['-c', script]);
  return name;
}

/** Kill the processes inside `ns` and delete it. */
export async function deleteNs(ns: string): Promise<void> {
  for (const d of daemons) if (d.ns === ns) await d.stop();
  deleteNsSync(ns);
  namespaces.delete(ns);
}

/** Interface names are at most 15 characters. */
function ifName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 15);
}

export interface LinkEnd {
  readonly ns: string;
  /** Interface name inside `ns` (default `to-<other label>`). */
  readonly ifname?: string;
  /** Addresses with prefix length, e.g. '198.18.1.1/24', '2001:db8:1::1/64'. */
  readonly addrs?: readonly string[];
}

/** The label given to createNs (`pt-<pid>-<n>-<label>`). */
export function labelOf(ns: string): string {
  return /^pt-\d+-\d+-(.*)$/.exec(ns)?.[1] ?? ns;
}

/** Add addresses (IPv6 with `nodad`) and bring the interface up. */
export async function addAddrs(ns: string, ifname: string, addrs: readonly string[]): Promise<void> {
  for (const a of addrs) {
    const extra = a.includes(':') ? ['nodad'] : [];
    await exec(ns, 'ip', ['addr', 'add', a, 'dev', ifname, ...extra]);
  }
  await exec(ns, 'ip', ['link', 'set', ifname, 'up']);
}

/** A veth pair between two namespaces, with addresses; returns the interface names. */
export async function link(a: LinkEnd, b: LinkEnd): Promise<{ a: string; b: string }> {
  const an = ifName(a.ifname ?? `to-${labelOf(b.ns)}`);
  const bn = ifName(b.ifname ?? `to-${labelOf(a.ns)}`);
  await run('ip', ['link', 'add', an, 'netns', a.ns, 'type', 'veth', 'peer', 'name', bn, 'netns', b.ns]);
  await addAddrs(a.ns, an, a.addrs ?? []);
  await addAddrs(b.ns, bn, b.addrs ?? []);
  await waitAddrsReady(a.ns);
  await waitAddrsReady(b.ns);
  return { a: an, b: bn };
}

/** Wait until no address in `ns` is tentative (DAD) and every veth has a carrier. */
export async function waitAddrsReady(ns: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await exec(ns, 'ip', ['-j', 'addr', 'show']);
    const ifs = JSON.parse(stdout) as { ifname: string; operstate: string; addr_info?: { tentative?: boolean }[] }[];
    const busy = ifs.filter(
      (i) => i.ifname !== 'lo' && (i.operstate === 'DOWN' || i.operstate === 'LOWERLAYERDOWN' || (i.addr_info ?? []).some((x) => x.tentative)),
    );
    if (busy.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${ns}: interfaces not ready: ${busy.map((i) => i.ifname).join(', ')}`);
    await sleep(50);
  }
}

/** A LAN: a namespace holding bridge `br0`; `join` plugs another namespace into it. */
export interface Lan {
  readonly ns: string;
  join(ns: string, addrs: readonly string[], ifname?: string): Promise<string>;
}

export async function createLan(label = 'lan'): Promise<Lan> {
  const ns = await createNs(label);
  await exec(ns, 'ip', ['link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
  await exec(ns, 'ip', ['link', 'set', 'br0', 'up']);
  let port = 0;
  return {
    ns,
    async join(member, addrs, ifname = 'lan0') {
      const p = `p${port++}`;
      await run('ip', ['link', 'add', ifName(ifname), 'netns', member, 'type', 'veth', 'peer', 'name', p, 'netns', ns]);
      await exec(ns, 'ip', ['link', 'set', p, 'master', 'br0', 'up']);
      await addAddrs(member, ifName(ifname), addrs);
      await waitAddrsReady(member);
      return ifName(ifname);
    },
  };
}

// ------------------------------------------------------------------ addresses

let subnet = 1;

/**
 * A fresh subnet: IPv4 198.18.x.0/24 (then 198.19.x.0/24) and IPv6
 * 2001:db8:0:x::/64, x from 1. Host numbers 1..254; addresses are in
 * canonical text form (RFC 5952), as the daemons print them.
 */
export function nextSubnet(): { v4(host: number): string; v6(host: number): string; len4: number; len6: number } {
  const n = subnet++;
  if (n >= 511) throw new Error('out of test subnets');
  const v4base = `198.${18 + (n >> 8)}.${n & 0xff}`;
  return { v4: (h) => `${v4base}.${h}`, v6: (h) => `2001:db8:0:${n.toString(16)}::${h.toString(16)}`, len4: 24, len6: 64 };
}

/** One end of a point-to-point link: its namespace and its addresses there. */
export interface Host {
  readonly ns: string;
  readonly v4: string;
  readonly v6: string;
}

/**
 * Two fresh namespaces joined by a veth pair on a fresh subnet: host
 * numbers 1 and 2, both IPv4 and IPv6 (usable at once: DAD is off).
 */
export async function pointToPoint(aLabel: string, bLabel: string): Promise<[Host, Host]> {
  const [a, b] = await Promise.all([createNs(aLabel), createNs(bLabel)]);
  const s = nextSubnet();
  await link({ ns: a, addrs: [`${s.v4(1)}/${s.len4}`, `${s.v6(1)}/${s.len6}`] }, { ns: b, addrs: [`${s.v4(2)}/${s.len4}`, `${s.v6(2)}/${s.len6}`] });
  return [
    { ns: a, v4: s.v4(1), v6: s.v6(1) },
    { ns: b, v4: s.v4(2), v6: s.v6(2) },
  ];
}

// ------------------------------------------------------------------ daemons

export interface SpawnOptions {
  /** Name used in messages and the log file name. */
  readonly name?: string;
  /** Directory for the log file (stdout and stderr together). Default: a temp dir. */
  readonly logDir?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** A daemon running inside a namespace. `pid` is the daemon itself (`ip netns exec` execs it). */
export class Daemon {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private done = false;

  constructor(
    readonly ns: string,
    readonly name: string,
    readonly child: ChildProcess,
    readonly logPath: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.done = true;
        daemons.delete(this);
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name}: no pid (spawn failed)`);
    return this.child.pid;
  }

  get alive(): boolean {
    return !this.done;
  }

  /** The log so far. */
  log(): string {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.done && this.child.pid !== undefined) killQuietly(this.child.pid, sig);
  }

  /** SIGSTOP: the process keeps its sockets but stops answering (hold-timer tests). */
  pause(): void {
    this.signal('SIGSTOP');
  }

  resume(): void {
    this.signal('SIGCONT');
  }

  /** SIGTERM (after SIGCONT), then SIGKILL after `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.done) return;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  killSync(): void {
    this.signal('SIGCONT');
    this.signal('SIGKILL');
  }
}

/** Start a long-running process inside `ns`, stdout and stderr to `<logDir>/<name>.log`. */
export function spawn(ns: string, cmd: string, args: readonly string[], opts: SpawnOptions = {}): Daemon {
  installExitHandlers();
  requireExecutable(cmd, 'install it (see .ci/run)');
  const name = opts.name ?? cmd.slice(cmd.lastIndexOf('/') + 1);
  const dir = opts.logDir ?? mkdtempSync(join(tmpdir(), 'petrel-daemon-'));
  mkdirSync(dir, { recursive: true });
  const logPath = join(dir, `${name}.log`);
  const fd = openSync(logPath, 'a');
  const child = spawnChild('ip', ['netns', 'exec', ns, cmd, ...args], {
    stdio: ['ignore', fd, fd],
    env: opts.env ?? process.env,
    cwd: opts.cwd,
  });
  closeSync(fd);
  const d = new Daemon(ns, name, child, logPath);
  daemons.add(d);
  child.once('error', () => {
    /* reported through exited / the log */
  });
  return d;
}

// ------------------------------------------------------------------ per-test directories and mocha wiring

let runDir: string | undefined;
let scope = 'suite';

const slug = (s: string): string => s.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80);

/**
 * A fresh directory for configs and logs: `<run dir>/<current test>/<label>`
 * (the current test is set by useLab; `suite` in before hooks).
 */
export function testDir(label: string): string {
  runDir ??= mkdtempSync(join(tmpdir(), `petrel-it-${process.pid}-`));
  const dir = join(runDir, scope, slug(label));
  mkdirSync(dir, { recursive: true });
  return dir;
}

let sockDir: string | undefined;
let sockCounter = 0;

/**
 * A short path for a unix socket (or a directory of them): sun_path holds
 * only 108 bytes, too few for paths under testDir. Under one directory per
 * run, removed by cleanupAll.
 */
export function socketPath(name: string): string {
  sockDir ??= mkdtempSync(join(tmpdir(), `pts-${process.pid}-`));
  return join(sockDir, `${sockCounter++}-${slug(name).slice(0, 20)}`);
}

/** The run's directory (configs and logs), if any test made one. */
export function runDirectory(): string | undefined {
  return runDir;
}

/** The last `lines` lines of every log file under the run directory (or under the given subdirectories of it). */
export function logTails(lines = 40, subdirs?: readonly string[]): string {
  if (!runDir) return '';
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.log')) {
        const text = readFileSync(p, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
        out.push(`----- ${p}\n${text}`);
      }
    }
  };
  const root = runDir;
  for (const d of subdirs?.map((x) => join(root, x)) ?? [root]) if (existsSync(d)) walk(d);
  return out.join('\n');
}

/**
 * Mocha wiring, called once in a file's top-level describe: sweeps stale
 * namespaces before, names each test's log directory, prints log tails when
 * a test fails, and stops every daemon and deletes every namespace after.
 * The run directory is removed when every test passed and PETREL_KEEP_LOGS
 * is unset.
 */
export function useLab(): void {
  let failed = false;
  before(async function () {
    const swept = await sweepStale();
    if (swept.length) console.log(`      (swept stale namespaces: ${swept.join(', ')})`);
  });
  beforeEach(function () {
    scope = slug(this.currentTest?.fullTitle() ?? 'suite');
  });
  afterEach(function () {
    const testScope = scope;
    scope = 'suite';
    if (this.currentTest?.state === 'failed') {
      failed = true;
      console.log(logTails(40, [testScope, 'suite']));
    }
  });
  after(async function () {
    this.timeout(60_000);
    // A failed before hook fails no test (afterEach never sees it): show and keep the logs then too.
    if (!failed && this.test?.parent && hookFailed(this.test.parent)) {
      failed = true;
      console.log(logTails(40, ['suite']));
    }
    await cleanupAll();
    if (runDir && !failed && !process.env.PETREL_KEEP_LOGS) rmSync(runDir, { recursive: true, force: true });
    else if (runDir) console.log(`      (configs and logs kept in ${runDir})`);
  });
}

/** Whether a before/after hook of `suite` or of a suite inside it failed (mocha marks a failed hook's state). */
function hookFailed(suite: Mocha.Suite): boolean {
  const hooks = suite as unknown as { _beforeAll?: Mocha.Hook[]; _beforeEach?: Mocha.Hook[]; _afterEach?: Mocha.Hook[] };
  const own = [...(hooks._beforeAll ?? []), ...(hooks._beforeEach ?? []), ...(hooks._afterEach ?? [])];
  return own.some((h) => h.state === 'failed') || suite.suites.some(hookFailed);
}

// ------------------------------------------------------------------ small helpers

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Poll `probe` until it returns a value other than undefined; throws after
 * `timeoutMs` with `what` and the last probe error or value description.
 */
export async function waitFor<T>(what: string | (() => string), timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) {
      const text = typeof what === 'string' ? what : what();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${text}${last ? ` (last error: ${last})` : ''}`);
    }
    await sleep(intervalMs);
  }
}
