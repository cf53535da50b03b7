/**
 * Detached daemons inside lab namespaces: started through `ip netns exec`
 * (which execs, so the pid is the daemon's own), in their own process group,
 * stdout and stderr to a log file, a pid file beside it. They outlive
 * `petrel lab up`; `petrel lab down` stops them by pid.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './shell.js';
import type { LabProcess } from './state.js';

export function startDetached(ns: string, name: string, file: string, args: readonly string[], dir: string): LabProcess {
  const base = name.replace(/[^A-Za-z0-9_.-]+/g, '-');
  const log = join(dir, `${base}.log`);
  const pidFile = join(dir, `${base}.pid`);
  const fd = openSync(log, 'a');
  try {
    const child = spawn('ip', ['netns', 'exec', ns, file, ...args], { detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`${name}: could not start ${file}`);
    child.unref();
    writeFileSync(pidFile, `${child.pid}\n`);
    return { name, ns, pid: child.pid, pidFile, log };
  } finally {
    closeSync(fd);
  }
}

/** Alive and still the process we started (its command line mentions `marker`, e.g. the lab directory). */
export function isOurs(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((a) => a.includes(marker));
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; only if the pid is still ours. */
export async function stopProcess(p: LabProcess, marker: string, graceMs = 3000): Promise<void> {
  if (!isOurs(p.pid, marker)) return;
  signal(p.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurs(p.pid, marker)) return;
    await sleep(50);
  }
  signal(p.pid, 'SIGKILL');
}

/** The last lines of a log, for error messages. */
export function logTail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
