/**
 * What a running lab is made of, recorded in its state directory
 * (lab.json) as it is built, so `petrel lab down` can remove exactly that,
 * even after a half-finished `up`.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabVariant } from './topology.js';

export interface LabProcess {
  /** e.g. `petrel k8s-w1`, `zebra`, `bgpd`. */
  readonly name: string;
  readonly ns: string;
  readonly pid: number;
  readonly pidFile: string;
  readonly log: string;
}

export interface LabState {
  readonly variant: LabVariant;
  readonly startedAt: string;
  readonly dir: string;
  readonly datastore: string;
  readonly namespaces: string[];
  readonly processes: LabProcess[];
}

export const STATE_FILE = 'lab.json';
/** Where labs live unless PETREL_LAB_DIR says otherwise: /run (root), else the temp dir. */
export const DEFAULT_LAB_DIRS: readonly string[] = ['/run/petrel-lab', join(tmpdir(), 'petrel-lab')];

export function labDirCandidates(): string[] {
  const env = process.env['PETREL_LAB_DIR'];
  return env ? [env] : [...DEFAULT_LAB_DIRS];
}

function writable(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function chooseLabDir(): string {
  const dir = labDirCandidates().find(writable);
  if (!dir) throw new Error(`no writable lab directory among ${labDirCandidates().join(', ')} (set PETREL_LAB_DIR)`);
  return dir;
}

export function saveState(state: LabState): void {
  writeFileSync(join(state.dir, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
}

/** The recorded lab in `dir`, or null (none, or a file too damaged to read). */
export function loadState(dir: string): LabState | null {
  const f = join(dir, STATE_FILE);
  if (!existsSync(f)) return null;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as LabState;
  } catch {
    return null;
  }
}

/** The first recorded lab among the candidate directories. */
export function findState(): LabState | null {
  for (const d of labDirCandidates()) {
    const s = loadState(d);
    if (s) return s;
  }
  return null;
}
