/**
 * FIB benchmark: 100,000 routes from a BGP peer into a namespace's kernel,
 * then withdrawn, for petrel (`--fib kernel`) and for BIRD 2's kernel
 * protocol, on the same routes in the same run.
 *
 * A source BIRD 2 (namespace `src`) originates N /26 prefixes (static,
 * disabled until measured). Each device under test runs alone in namespace
 * `dut` on a veth to the source; install time is from `birdc enable` on the
 * source to the N-th route of protocol bird appearing in the DUT's kernel
 * (counted with `ip monitor route`), removal time from `birdc disable` to
 * the N-th deletion. Everything lives in namespaces this script creates and
 * removes. Needs root, bird2 and tsx.
 *
 * Usage: npm run bench:fib [-- --routes N --json]
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values: opts } = parseArgs({ options: { routes: { type: 'string', default: '100000' }, json: { type: 'boolean', default: false } } });
const N = Number(opts.routes);
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TAG = `fb${process.pid}`;
const SRC = `${TAG}-src`;
const DUT = `${TAG}-dut`;
const S_IP = '198.18.200.1';
const D_IP = '198.18.200.2';
const dir = mkdtempSync(join(tmpdir(), 'petrel-bench-fib-'));
const children: ChildProcess[] = [];

const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const inNs = (ns: string, cmd: string, args: string[]): string => sh('ip', ['netns', 'exec', ns, cmd, ...args]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cleanup(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const ns of [SRC, DUT]) {
    try {
      for (const pid of sh('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* gone */
    }
    try {
      sh('ip', ['netns', 'del', ns]);
    } catch {
      /* gone */
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

function prefixes(): string[] {
  const out: string[] = [];
  // /26s from 10.0.0.0 upward (a large cluster's blocks).
  for (let i = 0; i < N; i++) {
    const a = (10 << 24) + i * 64;
    out.push(`${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/26`);
  }
  return out;
}

function startSource(): void {
  const conf = join(dir, 'src.conf');
  writeFileSync(
    conf,
    [
      `router id ${S_IP};`,
      'protocol device {}',
      `protocol static blocks { disabled; ipv4; ${prefixes().map((p) => `route ${p} blackhole;`).join(' ')} }`,
      `protocol bgp dut_peer { local ${S_IP} as 64512; neighbor ${D_IP} as 64512; connect delay time 1; connect retry time 1; error wait time 1, 2;`,
      `  ipv4 { import none; export filter { bgp_local_pref = 2147482623; accept; }; next hop self; }; }`,
    ].join('\n'),
  );
  children.push(spawn('ip', ['netns', 'exec', SRC, 'bird', '-f', '-c', conf, '-s', join(dir, 'src.ctl')], { stdio: 'ignore' }));
}

const birdc = (sock: string, cmd: string): string => sh('birdc', ['-s', sock, cmd]);

async function waitFor(what: string, ms: number, probe: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if (probe()) return;
    } catch {
      /* not yet */
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Polls the DUT's routes of protocol bird until there are `target`; returns
 * the time of the first poll that saw it. (`ip monitor` loses events at
 * these rates, so the table itself is counted; one poll takes ~0.1 s at
 * 100,000 routes, which bounds the resolution.)
 */
async function whenCount(target: number): Promise<number> {
  const deadline = performance.now() + 300_000;
  for (;;) {
    const out = await new Promise<string>((res, rej) =>
      execFile('ip', ['-n', DUT, '-4', 'route', 'show', 'proto', 'bird'], { maxBuffer: 1 << 28 }, (e, o) => (e ? rej(e) : res(o))),
    );
    let n = 0;
    for (let k = out.indexOf('\n'); k >= 0; k = out.indexOf('\n', k + 1)) n++;
    if (process.env.FIB_BENCH_DEBUG) process.stderr.write(`\r${n} routes   `);
    if (n === target) return performance.now();
    if (performance.now() > deadline) throw new Error(`${n} routes, not ${target}, after 300 s`);
  }
}

async function measure(name: string, start: () => ChildProcess, established: () => boolean): Promise<{ name: string; installMs: number; removeMs: number }> {
  sh('ip', ['netns', 'add', DUT]);
  inNs(DUT, 'ip', ['link', 'set', 'lo', 'up']);
  sh('ip', ['link', 'add', 'eth1', 'netns', DUT, 'type', 'veth', 'peer', 'name', 'eth1', 'netns', SRC]);
  inNs(DUT, 'ip', ['addr', 'add', `${D_IP}/24`, 'dev', 'eth1']);
  inNs(SRC, 'ip', ['addr', 'add', `${S_IP}/24`, 'dev', 'eth1']);
  inNs(DUT, 'ip', ['link', 'set', 'eth1', 'up']);
  inNs(SRC, 'ip', ['link', 'set', 'eth1', 'up']);
  const dut = start();
  children.push(dut);
  await waitFor(`${name} session`, 60_000, established);
  await sleep(1000);
  const src = join(dir, 'src.ctl');
  const t0 = performance.now();
  birdc(src, 'enable blocks');
  const t1 = await whenCount(N);
  await sleep(1000);
  const t2 = performance.now();
  birdc(src, 'disable blocks');
  const t3 = await whenCount(0);
  dut.kill('SIGKILL');
  await new Promise((r) => dut.once('exit', r));
  // BIRD/petrel persist routes: delete the namespace with whatever is left.
  sh('ip', ['netns', 'del', DUT]);
  return { name, installMs: t1 - t0, removeMs: t3 - t2 };
}

/** petrel's log, kept in the run directory (printed when something fails). */
function petrelLog(): number {
  return openSync(join(dir, 'petrel.log'), 'a');
}

function startPetrel(): ChildProcess {
  const ds = join(dir, 'datastore.yaml');
  writeFileSync(
    ds,
    [
      'apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata: {name: default}\nspec: {asNumber: 64512, nodeToNodeMeshEnabled: false, bindMode: NodeIP}',
      `apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: dut}\nspec: {bgp: {ipv4Address: ${D_IP}/24}}`,
      `apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: src}\nspec: {peerIP: ${S_IP}, asNumber: 64512}`,
    ].join('\n---\n') + '\n',
  );
  return spawn('ip', ['netns', 'exec', DUT, process.execPath, '--import', 'tsx', join(REPO, 'src/cli/main.ts'), 'run', '--node', 'dut', '--datastore', `file:${ds}`, '--api-socket', join(dir, 'petrel.sock'), '--log-level', 'info', '--fib', 'kernel', '--bird-socket', join(dir, 'p.ctl'), '--bird6-socket', join(dir, 'p6.ctl')], {
    cwd: REPO,
    stdio: ['ignore', petrelLog(), 'inherit'],
  });
}

function startBirdDut(): ChildProcess {
  const conf = join(dir, 'dut.conf');
  writeFileSync(
    conf,
    [
      `router id ${D_IP};`,
      'protocol device {}',
      'protocol kernel { ipv4 { import none; export all; }; merge paths on; }',
      `protocol bgp upstream { local ${D_IP} as 64512; neighbor ${S_IP} as 64512; direct; strict bind yes; connect delay time 1; connect retry time 1; ipv4 { import all; export none; gateway direct; }; }`,
    ].join('\n'),
  );
  return spawn('ip', ['netns', 'exec', DUT, 'bird', '-f', '-c', conf, '-s', join(dir, 'dut.ctl')], { stdio: 'ignore' });
}

const srcEstablished = (): boolean => /Established/.test(birdc(join(dir, 'src.ctl'), 'show protocols dut_peer'));

async function main(): Promise<void> {
  sh('ip', ['netns', 'add', SRC]);
  inNs(SRC, 'ip', ['link', 'set', 'lo', 'up']);
  startSource();
  await waitFor('source BIRD', 30_000, () => /Daemon is up/.test(birdc(join(dir, 'src.ctl'), 'show status')));
  const rows = [];
  rows.push(await measure('petrel', startPetrel, srcEstablished));
  rows.push(await measure('BIRD 2', startBirdDut, srcEstablished));
  const bird = rows[1]!;
  const p = rows[0]!;
  if (opts.json) {
    console.log(JSON.stringify({ routes: N, rows, ratio: { install: p.installMs / bird.installMs, remove: p.removeMs / bird.removeMs } }));
    return;
  }
  console.log(`FIB: ${N.toLocaleString('en')} routes from a BGP peer into the kernel, then withdrawn`);
  console.log('| daemon | install (s) | routes/s | removal (s) | routes/s |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.name} | ${(r.installMs / 1000).toFixed(2)} | ${Math.round(N / (r.installMs / 1000)).toLocaleString('en')} | ${(r.removeMs / 1000).toFixed(2)} | ${Math.round(N / (r.removeMs / 1000)).toLocaleString('en')} |`);
  console.log(`petrel / BIRD 2: install ${(p.installMs / bird.installMs).toFixed(2)}x, removal ${(p.removeMs / bird.removeMs).toFixed(2)}x (target <= 1.5x)`);
}

main()
  .then(() => process.exit(0))
  .catch((e: unknown) => {
    console.error(e);
    try {
      console.error(readFileSync(join(dir, 'petrel.log'), 'utf8').split('\n').slice(-30).join('\n'));
    } catch {
      /* none */
    }
    process.exit(1);
  });
