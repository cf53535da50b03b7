/**
 * One implementation through one scenario: generator ready, daemon started,
 * every session Established and quiet, then the timed phases, with the
 * daemon's CPU and memory read from /proc around them.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { LoadGen } from './loadgen/client.js';
import type { PhaseResult } from './loadgen/protocol.js';
import { sampleProc, type ProcSample } from './lib/proc.js';
import type { Impl, StartOptions } from './impls/types.js';
import type { Scenario } from './scenarios/scenario.js';

export interface RunOptions extends StartOptions {
  readonly phaseTimeoutMs: number;
  readonly setupTimeoutMs: number;
  readonly dir: string;
  readonly profile: boolean;
}

export interface RunResult {
  readonly scenario: string;
  readonly impl: string;
  readonly version: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly sessions: number;
  readonly prefixesSent: number;
  readonly updatesSent: number;
  /** Seconds from the daemon's start to every session Established. */
  readonly establishSeconds?: number;
  readonly announce?: PhaseResult;
  readonly withdraw?: PhaseResult;
  /** Daemon CPU seconds over announce, withdraw and both (with the pause between). */
  readonly cpuAnnounce?: number;
  readonly cpuWithdraw?: number;
  readonly cpuTotal?: number;
  /** The same split into user and system (kernel: socket writes, and loopback TCP's work in the writer's context). */
  readonly cpuUser?: number;
  readonly cpuSystem?: number;
  /** RSS once sessions are up (before any route), at announce convergence, and the peak (VmHWM) at the end. */
  readonly rssBaseline?: number;
  readonly rssConverged?: number;
  readonly rssPeak?: number;
  /** (peak - baseline) / distinct prefixes the daemon held. */
  readonly peakGrowthPerPrefix?: number;
  /** The machine's 1-minute load average when the run started and ended (the machine is shared: read times with it). */
  readonly loadAvg?: readonly [number, number];
  readonly logFile?: string;
  readonly profileFile?: string;
}

export async function runOne(impl: Impl, sc: Scenario, o: RunOptions): Promise<RunResult> {
  const dir = join(o.dir, `${sc.name}-${impl.name}`);
  mkdirSync(dir, { recursive: true });
  const profileDir = o.profile && impl.name === 'petrel' ? join(dir, 'profile') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const base = { scenario: sc.name, impl: impl.name, version: impl.version(o) };
  const missing = impl.missing(o);
  if (missing) return { ...base, ok: false, error: missing, sessions: 0, prefixesSent: 0, updatesSent: 0 };

  const load0 = loadavg()[0]!;
  const gen = new LoadGen();
  let r: Partial<RunResult> = {};
  let setup: Awaited<ReturnType<LoadGen['setup']>>;
  let started: ReturnType<Impl['start']>;
  try {
    // The generator listens (or starts dialling) before the daemon exists: a daemon that dials finds it there.
    setup = await gen.setup(sc.gen(impl.sessionMode(sc.spec)));
    started = impl.start(sc.spec, dir, { ...o, ...(profileDir ? { profileDir } : {}) });
  } catch (e) {
    await gen.close();
    return { ...base, ok: false, error: (e as Error).message.split('\n')[0]!, sessions: 0, prefixesSent: 0, updatesSent: 0 };
  }
  const pid = started.daemon.pid;
  try {
    const t0 = Date.now();
    await started.ready();
    await gen.established(o.setupTimeoutMs);
    r = { ...r, establishSeconds: (Date.now() - t0) / 1000 };
    // Whatever a daemon sends on its own once up (End-of-RIB) is over before the clock starts.
    await gen.settle(1000, 15_000);
    const s0 = sampleProc(pid);
    const announce = await gen.phase('announce', o.phaseTimeoutMs);
    const s1 = sampleProc(pid);
    r = { ...r, announce, cpuAnnounce: s1.cpuSeconds - s0.cpuSeconds, rssBaseline: s0.rssBytes, rssConverged: s1.rssBytes };
    let s2: ProcSample = s1;
    if (announce.ok) {
      await gen.settle(500, 10_000);
      const s1b = sampleProc(pid);
      const withdraw = await gen.phase('withdraw', o.phaseTimeoutMs);
      s2 = sampleProc(pid);
      r = { ...r, withdraw, cpuWithdraw: s2.cpuSeconds - s1b.cpuSeconds };
    }
    r = {
      ...r,
      cpuTotal: s2.cpuSeconds - s0.cpuSeconds,
      cpuUser: s2.userSeconds - s0.userSeconds,
      cpuSystem: s2.systemSeconds - s0.systemSeconds,
      rssPeak: s2.hwmBytes,
      peakGrowthPerPrefix: (s2.hwmBytes - s0.rssBytes) / sc.prefixesHeld,
    };
    const ok = announce.ok && (r.withdraw?.ok ?? false);
    r = { ...r, ok, ...(ok ? {} : { error: (r.withdraw ?? announce).error ?? 'timeout' }) };
  } catch (e) {
    r = { ...r, ok: false, error: (e as Error).message.split('\n')[0] };
  } finally {
    await gen.close();
    await started.stop();
  }
  const prof = profileDir ? readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile')) : undefined;
  return {
    ...base,
    ok: false,
    ...r,
    loadAvg: [load0, loadavg()[0]!],
    sessions: setup.sessions,
    prefixesSent: setup.prefixes,
    updatesSent: setup.updates,
    logFile: started.daemon.logFile,
    ...(prof ? { profileFile: join(profileDir!, prof) } : {}),
  };
}
