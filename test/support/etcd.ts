/**
 * A real etcd (Debian's etcd-server) for datastore tests: one member on
 * 127.0.0.1 with free ports and a temporary data directory, which can be
 * stopped and started again on the same ports and data (a restart).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ETCD_BINARY = process.env['ETCD_BINARY'] ?? '/usr/bin/etcd';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class EtcdServer {
  private proc: ChildProcess | null = null;
  private dir = '';
  private clientPort = 0;
  private peerPort = 0;
  private output = '';

  get endpoint(): string {
    return `http://127.0.0.1:${this.clientPort}`;
  }

  async start(): Promise<void> {
    if (this.dir === '') {
      this.dir = await mkdtemp(join(tmpdir(), 'petrel-etcd-'));
      this.clientPort = await freePort();
      this.peerPort = await freePort();
    }
    const peer = `http://127.0.0.1:${this.peerPort}`;
    this.output = '';
    const proc = spawn(
      ETCD_BINARY,
      [
        '--name', 'petrel-test',
        '--data-dir', join(this.dir, 'data'),
        '--listen-client-urls', this.endpoint,
        '--advertise-client-urls', this.endpoint,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `petrel-test=${peer}`,
        '--log-level', 'error',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.proc = proc;
    await this.waitHealthy(20_000);
  }

  private async waitHealthy(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (this.proc?.exitCode !== null) throw new Error(`etcd exited: ${this.output.slice(-2000)}`);
      try {
        const r = await fetch(`${this.endpoint}/health`);
        if (r.ok && ((await r.json()) as { health?: string }).health === 'true') return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`etcd not healthy within ${ms} ms: ${this.output.slice(-2000)}`);
  }

  /** Stop the process (SIGKILL when `crash`), keeping the data for a restart. */
  async stop(crash = false): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(crash ? 'SIGKILL' : 'SIGTERM');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop(true);
    if (this.dir !== '') await rm(this.dir, { recursive: true, force: true });
  }
}
