/** The orchestrator's handle on a load generator child (child.ts), request by request. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Envelope, PhaseResult, Reply, Request, SetupRequest } from './protocol.js';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

export class LoadGen {
  private readonly child: ChildProcess;
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;

  constructor() {
    // Its own V8 heap and event loop: a large space's bitmaps and prepared UPDATEs are not ours.
    // PETREL_BENCH_GEN_PROF=DIR: profile the generator itself (is it the bottleneck?).
    const prof = process.env.PETREL_BENCH_GEN_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.PETREL_BENCH_GEN_PROF] : [];
    this.child = fork(CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=4096', ...prof] });
    this.child.on('message', (r: Reply) => {
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.waiting.delete(r.id);
      if (r.ok) w.resolve(r.result);
      else w.reject(new Error(r.error));
    });
    this.child.on('exit', (code) => {
      this.exited = true;
      for (const w of this.waiting.values()) w.reject(new Error(`load generator exited (${code})`));
      this.waiting.clear();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  private ask<T>(req: Request): Promise<T> {
    if (this.exited) return Promise.reject(new Error('load generator has exited'));
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const env: Envelope = { id, req };
      this.child.send(env);
    });
  }

  setup(req: Omit<SetupRequest, 'cmd'>): Promise<{ sessions: number; prefixes: number; updates: number }> {
    return this.ask({ cmd: 'setup', ...req });
  }

  established(timeoutMs: number): Promise<{ established: number }> {
    return this.ask({ cmd: 'established', timeoutMs });
  }

  settle(quietMs: number, maxMs: number): Promise<{ waitedMs: number }> {
    return this.ask({ cmd: 'settle', quietMs, maxMs });
  }

  phase(kind: 'announce' | 'withdraw', timeoutMs: number): Promise<PhaseResult> {
    return this.ask({ cmd: 'phase', kind, timeoutMs });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    await Promise.race([this.ask({ cmd: 'close' }).catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(t);
  }
}
