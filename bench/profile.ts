/**
 * Where petrel's time went: a V8 .cpuprofile (node --cpu-prof) reduced to
 * self time per function (samples whose top frame is that function), the
 * largest first. V8's pseudo-frames ((idle), (program), (garbage
 * collector)) are listed apart so idle time does not hide the work.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface ProfileRow {
  readonly name: string;
  readonly where: string;
  readonly selfMs: number;
  /** Share of the non-idle time. */
  readonly share: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly wallMs: number;
  readonly busyMs: number;
  readonly idleMs: number;
  readonly gcMs: number;
  readonly top: readonly ProfileRow[];
}

export function summarizeProfile(file: string, root: string, topN = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { name: string; where: string; us: number }>();
  let idle = 0;
  let gc = 0;
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    const n = byId.get(p.samples[i]!);
    if (!n) continue;
    total += dt;
    const f = n.callFrame;
    if (f.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    if (f.functionName === '(garbage collector)') gc += dt;
    const url = f.url.startsWith('file://') ? relative(root, new URL(f.url).pathname) : f.url;
    const where = url ? `${url}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName}@${where}`;
    const e = self.get(key) ?? { name: f.functionName || '(anonymous)', where, us: 0 };
    e.us += dt;
    self.set(key, e);
  }
  const busy = total - idle;
  const top = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, topN)
    .map((e) => ({ name: e.name, where: e.where, selfMs: e.us / 1000, share: busy > 0 ? e.us / busy : 0 }));
  return { file, wallMs: (p.endTime - p.startTime) / 1000, busyMs: busy / 1000, idleMs: idle / 1000, gcMs: gc / 1000, top };
}

export function formatProfile(s: ProfileSummary, title: string): string {
  const l = [
    `### petrel profile: ${title}`,
    '',
    `Whole run of the daemon (start-up, sessions, both phases). Sampled wall time: on a loaded machine it includes time the process waited for a CPU, so read the shares. ` +
      `Wall ${(s.wallMs / 1000).toFixed(1)} s, busy ${(s.busyMs / 1000).toFixed(2)} s (GC ${(s.gcMs / 1000).toFixed(2)} s), idle ${(s.idleMs / 1000).toFixed(1)} s.`,
    '',
  ];
  l.push('| self ms (sampled) | % of busy | function | where |', '|---:|---:|---|---|');
  for (const r of s.top) l.push(`| ${r.selfMs.toFixed(1)} | ${(r.share * 100).toFixed(1)} | ${r.name} | ${r.where} |`);
  return l.join('\n');
}
