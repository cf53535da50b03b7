/**
 * One real petrel daemon per lab node: `petrel run --node <name> --datastore
 * file:<shared yaml> --fib kernel` inside the node's namespace, its API on a
 * socket in the node's lab directory.
 */
import { mkdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectApi, type PeerInfo } from '../api/index.js';
import { isOurs, logTail, startDetached } from './processes.js';
import { sleep } from './shell.js';
import type { LabProcess } from './state.js';
import type { LabNode } from './topology.js';

export type FibMode = 'kernel' | 'none';

/**
 * How to run this build's `petrel`: from dist, `node dist/cli/main.js`;
 * from sources (tests run through tsx), `node --import tsx src/cli/main.ts`.
 */
export function petrelCommand(): { file: string; args: string[] } {
  const ext = extname(fileURLToPath(import.meta.url));
  const main = fileURLToPath(new URL(`../cli/main${ext}`, import.meta.url));
  return { file: process.execPath, args: ext === '.ts' ? ['--import', 'tsx', main] : [main] };
}

export function nodeDir(labDir: string, n: LabNode): string {
  return join(labDir, n.name);
}

export function apiSocket(labDir: string, n: LabNode): string {
  return join(nodeDir(labDir, n), 'petrel.sock');
}

const processName = (n: LabNode): string => `petrel-${n.name}`;

/** The daemon's log (startDetached names it after the process). */
export function petrelLog(labDir: string, n: LabNode): string {
  return join(nodeDir(labDir, n), `${processName(n)}.log`);
}

export function startPetrel(labDir: string, datastore: string, n: LabNode, fib: FibMode): LabProcess {
  const dir = nodeDir(labDir, n);
  mkdirSync(join(dir, 'endpoint-status'), { recursive: true });
  const { file, args } = petrelCommand();
  const run = [
    ...args,
    'run',
    '--node',
    n.name,
    '--datastore',
    `file:${datastore}`,
    '--fib',
    fib,
    '--api-socket',
    apiSocket(labDir, n),
    '--endpoint-status-dir',
    join(dir, 'endpoint-status'),
    // Each node its own BIRD-compatible socket (calicoctl node status, petrel birdcl -s ...), not the host's.
    '--bird-socket',
    join(dir, 'bird.ctl'),
    '--log-level',
    'info',
  ];
  return startDetached(n.ns, processName(n), file, run, dir);
}

/** Wait until the daemon answers on its API socket; a daemon that exits first is an error with its log. */
export async function waitForApi(labDir: string, n: LabNode, p: LabProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const client = connectApi(apiSocket(labDir, n), { timeoutMs: 2000 });
  try {
    for (;;) {
      if (!isOurs(p.pid, labDir)) throw new Error(`petrel on ${n.name} exited:\n${logTail(p.log)}`);
      try {
        await client.status();
        return;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`petrel on ${n.name} did not answer on its API socket within ${timeoutMs} ms:\n${logTail(p.log)}`);
      await sleep(200);
    }
  } finally {
    client.close();
  }
}

export async function peersOf(labDir: string, n: LabNode): Promise<PeerInfo[]> {
  const client = connectApi(apiSocket(labDir, n), { timeoutMs: 5000 });
  try {
    return await client.listPeers();
  } finally {
    client.close();
  }
}
