/**
 * Routing benchmarks: petrel against BIRD 1.6, BIRD 2, GoBGP and FRR in one
 * run, each daemon in turn on 127.0.0.1 inside a network namespace of our
 * own (re-executed under `unshare --net`, so only its loopback exists and
 * the namespace vanishes with the last process), driven by a load
 * generator in a child process. Prints one markdown table and writes JSON.
 *
 * Usage: npm run bench -- [--scenario rr|ingest|all] [--impl petrel,bird1,bird2,gobgp,frr]
 *          [--clients 500] [--prefixes 1000000] [--timeout 180] [--profile] [--out FILE]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bird1, bird2 } from './impls/bird.js';
import { frr } from './impls/frr.js';
import { gobgp } from './impls/gobgp.js';
import { petrel } from './impls/petrel.js';
import type { Impl, ImplName } from './impls/types.js';
import { formatProfile, summarizeProfile } from './profile.js';
import { generatorTable, resultTable } from './report.js';
import { runOne, type RunResult } from './run-one.js';
import { ingestScenario } from './scenarios/ingest.js';
import { rrScenario } from './scenarios/rr.js';
import type { Scenario } from './scenarios/scenario.js';

/** dist-bench/bench/main.js -> the repository. */
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const IMPLS: Record<ImplName, Impl> = { petrel, bird1, bird2, gobgp, frr };
const NS_ENV = 'PETREL_BENCH_NETNS';

const { values: opt } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    impl: { type: 'string', default: 'petrel,bird1,bird2,gobgp,frr' },
    clients: { type: 'string', default: '500' },
    prefixes: { type: 'string', default: '1000000' },
    timeout: { type: 'string', default: '180' },
    profile: { type: 'boolean', default: false },
    out: { type: 'string' },
    'petrel-dir': { type: 'string', default: REPO },
    'keep-dir': { type: 'boolean', default: false },
  },
});

function inNamespace(): never {
  // Re-run ourselves in a fresh network namespace: nothing we bind is visible outside it.
  const r = spawnSync('unshare', ['--net', '--', process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [NS_ENV]: '1' },
  });
  if (r.error) {
    console.error(`unshare --net: ${r.error.message} (the benchmark needs root for its own network namespace)`);
    process.exit(1);
  }
  process.exit(r.status ?? 1);
}

async function main(): Promise<void> {
  if (process.env[NS_ENV] !== '1') inNamespace();
  const lo = spawnSync('ip', ['link', 'set', 'lo', 'up'], { encoding: 'utf8' });
  if (lo.status !== 0) throw new Error(`ip link set lo up: ${lo.stderr}`);

  const names = opt.impl.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!(n in IMPLS)) throw new Error(`--impl ${n}: one of ${Object.keys(IMPLS).join(', ')}`);
  // petrel first: every other row shows petrel's ratio to it.
  const impls = (Object.keys(IMPLS) as ImplName[]).filter((n) => names.includes(n)).map((n) => IMPLS[n]);
  const want = opt.scenario === 'all' ? ['rr', 'ingest'] : opt.scenario.split(',');
  const scenarios: Scenario[] = [];
  for (const s of want) {
    if (s === 'rr') scenarios.push(rrScenario(Number(opt.clients)));
    else if (s === 'ingest') scenarios.push(ingestScenario(Number(opt.prefixes)));
    else throw new Error(`--scenario ${s}: rr, ingest or all`);
  }
  const timeoutMs = Number(opt.timeout) * 1000;
  if (!(timeoutMs > 0)) throw new Error('--timeout SECONDS');
  const dir = mkdtempSync(join(tmpdir(), 'petrel-bench-'));
  const petrelDir = resolve(opt['petrel-dir']);

  const results: RunResult[] = [];
  const profiles: string[] = [];
  for (const sc of scenarios) {
    for (const impl of impls) {
      process.stderr.write(`[bench] ${sc.name} / ${impl.name} ... `);
      const r = await runOne(impl, sc, { dir, petrelDir, phaseTimeoutMs: timeoutMs, setupTimeoutMs: Math.max(60_000, timeoutMs / 2), profile: opt.profile });
      results.push(r);
      const a = r.announce ? `${r.announce.ok ? r.announce.seconds.toFixed(3) : 'timeout'} s` : '-';
      const w = r.withdraw ? `${r.withdraw.ok ? r.withdraw.seconds.toFixed(3) : 'timeout'} s` : '-';
      process.stderr.write(`${r.ok ? 'ok' : `FAILED: ${r.error}`} (converge ${a}, withdraw ${w}, CPU ${r.cpuTotal?.toFixed(2) ?? '-'} s)\n`);
      if (r.profileFile) profiles.push(formatProfile(summarizeProfile(r.profileFile, petrelDir), `${sc.name} (${r.profileFile})`));
    }
  }

  const header = [
    `## petrel routing benchmarks`,
    '',
    `${scenarios.map((s) => (s.name === 'rr' ? `rr: ${opt.clients} clients x 4 /26` : `ingest: ${Number(opt.prefixes).toLocaleString('en')} /24`)).join('; ')}; ` +
      `per-phase timeout ${opt.timeout} s; ${process.platform} ${process.arch}, node ${process.version}`,
    '',
    ...impls.map((i) => `- ${i.name}: ${i.version({ petrelDir })}`),
    '',
  ];
  const legend =
    'converge: first UPDATE written to every watcher holding every route; withdraw: the same for the withdrawals. CPU: the daemon\'s utime+stime over both phases. ' +
    'Peak RSS: VmHWM at the end; growth and B/prefix: peak minus RSS with sessions up and no routes, per distinct prefix held. petrel ÷ it: above 1 petrel is slower or larger.';
  const text = [...header, resultTable(results), '', legend, '', 'Load generator (one process, all sessions):', '', generatorTable(results), '', ...profiles].join('\n');
  console.log(text);
  const out = opt.out ?? join(REPO, 'dist-bench', 'results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), options: opt, results }, null, 2));
  console.log(`\nJSON: ${out}${opt['keep-dir'] ? `\nrun directory (configs, logs): ${dir}` : ''}`);
  if (!opt['keep-dir']) spawnSync('rm', ['-rf', dir]);
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
