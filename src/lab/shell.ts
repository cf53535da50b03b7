/**
 * Running iproute2 and friends for the lab: in the root namespace only to
 * create and delete namespaces and veth pairs (whose ends are placed
 * straight into lab namespaces), everything else inside a lab namespace.
 */
import { execFile } from 'node:child_process';

export interface CmdResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Exit code; null when killed (timeout). */
  readonly code: number | null;
}

export interface CmdOptions {
  readonly timeoutMs?: number;
  /** Resolve with the result instead of throwing on a non-zero exit. */
  readonly allowFail?: boolean;
}

export function cmd(file: string, args: readonly string[], opts: CmdOptions = {}): Promise<CmdResult> {
  const timeout = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error(`${file}: not found (petrel lab needs iproute2, iputils-ping and, for the tor variant, frr)`));
        return;
      }
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      if (code !== 0 && !opts.allowFail) {
        const why = code === null ? `timed out after ${timeout} ms` : `exit ${code}`;
        reject(new Error(`${file} ${args.join(' ')}: ${why}: ${(stderr || stdout).trim()}`));
        return;
      }
      resolve({ stdout, stderr, code });
    });
  });
}

/** `ip ARGS` in the root namespace. */
export function ip(...args: string[]): Promise<CmdResult> {
  return cmd('ip', args);
}

/** A command inside namespace `ns`. */
export function inNs(ns: string, file: string, args: readonly string[], opts: CmdOptions = {}): Promise<CmdResult> {
  return cmd('ip', ['netns', 'exec', ns, file, ...args], opts);
}

/** `ip ARGS` inside namespace `ns` (`ip -n`, no exec needed). */
export function ipIn(ns: string, ...args: string[]): Promise<CmdResult> {
  return cmd('ip', ['-n', ns, ...args]);
}

/** Write sysctls of namespace `ns` (its own /proc/sys/net); keys are paths under /proc/sys/net. */
export function sysctls(ns: string, values: Record<string, string | number>): Promise<CmdResult> {
  const script = Object.entries(values)
    .map(([k, v]) => `echo ${v} > /proc/sys/net/${k}`)
    .join(' && ');
  return inNs(ns, 'sh', ['-c', script]);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
