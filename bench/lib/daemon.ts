/**
 * A daemon under test: spawned directly (so its pid is the daemon's, for
 * /proc), output to a log file in its directory rather than through our
 * event loop, stopped with SIGTERM and, if it lingers, SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RunningDaemon {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  alive(): boolean;
  /** The tail of the log. */
  log(maxChars?: number): string;
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnDaemon(name: string, cmd: string, args: readonly string[], dir: string, env?: NodeJS.ProcessEnv): RunningDaemon {
  const logFile = join(dir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', fd, fd], cwd: dir, env: env ?? process.env });
  closeSync(fd);
  let exited = false;
  const done = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true;
      resolve();
    });
    child.on('error', () => {
      exited = true;
      resolve();
    });
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  return {
    name,
    pid: child.pid,
    logFile,
    alive: () => !exited,
    log(maxChars = 4000) {
      try {
        return readFileSync(logFile, 'utf8').slice(-maxChars);
      } catch {
        return '';
      }
    },
    async stop(graceMs = 5000) {
      if (exited) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await done;
      clearTimeout(t);
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `probe` until it returns true; throw `what` (with the daemon's log) after timeoutMs. */
export async function waitUntil(what: string, timeoutMs: number, probe: () => boolean | Promise<boolean>, d?: RunningDaemon): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (d && !d.alive()) throw new Error(`${d.name} exited while waiting for ${what}:\n${d.log()}`);
    try {
      if (await probe()) return;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${d ? `\n${d.log()}` : ''}`);
    await sleep(100);
  }
}
