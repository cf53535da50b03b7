/**
 * `petrel lab down`: stop the lab's daemons by their recorded pids, delete
 * every `petrel-lab-*` namespace (killing whatever still runs inside) and
 * remove the state directory. Safe to run twice, or with no lab at all.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stopProcess } from './processes.js';
import { cmd } from './shell.js';
import { DEFAULT_LAB_DIRS, labDirCandidates, loadState, STATE_FILE } from './state.js';
import { NS_PREFIX } from './topology.js';

export interface DownResult {
  readonly processes: number;
  readonly namespaces: string[];
  readonly dirs: string[];
}

/** Namespaces whose names start with the lab prefix. */
export async function labNamespaces(): Promise<string[]> {
  const { stdout } = await cmd('ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(NS_PREFIX));
}

async function killInside(ns: string): Promise<void> {
  const { stdout } = await cmd('ip', ['netns', 'pids', ns], { allowFail: true });
  for (const pid of stdout.split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

export async function labDown(): Promise<DownResult> {
  let processes = 0;
  const dirs: string[] = [];
  const recorded = new Set<string>();
  for (const dir of labDirCandidates()) {
    const state = loadState(dir);
    if (!state) continue;
    // Graceful first: petrel and FRR get SIGTERM (petrel leaves its routes, as BIRD's persist does; the namespace goes anyway).
    await Promise.all(state.processes.map((p) => stopProcess(p, state.dir)));
    processes += state.processes.length;
    for (const ns of state.namespaces) recorded.add(ns);
  }
  const namespaces = [...new Set([...recorded, ...(await labNamespaces())])];
  const existing = new Set(await labNamespaces());
  for (const ns of namespaces) {
    if (!existing.has(ns)) continue;
    await killInside(ns);
    await cmd('ip', ['netns', 'del', ns], { allowFail: true });
  }
  for (const dir of labDirCandidates()) {
    // A directory named by PETREL_LAB_DIR is removed only if it holds a lab: it may be anything.
    const ours = existsSync(join(dir, STATE_FILE)) || DEFAULT_LAB_DIRS.includes(dir);
    if (!ours || !existsSync(dir)) continue;
    rmSync(dir, { recursive: true, force: true });
    dirs.push(dir);
  }
  return { processes, namespaces: namespaces.filter((n) => existing.has(n)), dirs };
}
