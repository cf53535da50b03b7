/** The results as one markdown table (and the load generator's own load, to show it is not the bottleneck). */
import type { RunResult } from './run-one.js';

const MiB = 2 ** 20;

function secs(r: RunResult, phase: 'announce' | 'withdraw'): string {
  const p = r[phase];
  if (!p) return r.ok ? '' : '-';
  if (p.ok) return p.seconds.toFixed(3);
  return `timeout (${p.held}/${p.target})`;
}

function ratio(mine: number | undefined, theirs: number | undefined): string {
  if (mine === undefined || theirs === undefined || !(theirs > 0) || !(mine > 0)) return '-';
  return `${(mine / theirs).toFixed(2)}x`;
}

const phaseSeconds = (r: RunResult | undefined, phase: 'announce' | 'withdraw'): number | undefined => {
  const p = r?.[phase];
  return p?.ok ? p.seconds : undefined;
};

export function resultTable(results: readonly RunResult[]): string {
  const l: string[] = [];
  l.push(
    '| scenario | implementation | converge s | withdraw s | CPU s (user, sys) | peak RSS MiB | RSS growth MiB | peak B/prefix | petrel ÷ it: converge | withdraw | CPU | peak RSS |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of results) {
    const mine = results.find((x) => x.scenario === r.scenario && x.impl === 'petrel');
    const growth = r.rssPeak !== undefined && r.rssBaseline !== undefined ? ((r.rssPeak - r.rssBaseline) / MiB).toFixed(1) : '-';
    const cells = [
      r.scenario,
      r.ok || r.announce ? r.impl : `${r.impl} (${r.error ?? 'failed'})`,
      secs(r, 'announce'),
      secs(r, 'withdraw'),
      r.cpuTotal !== undefined ? `${r.cpuTotal.toFixed(2)}${r.cpuUser !== undefined && r.cpuSystem !== undefined ? ` (${r.cpuUser.toFixed(2)} u, ${r.cpuSystem.toFixed(2)} s)` : ''}` : '-',
      r.rssPeak !== undefined ? (r.rssPeak / MiB).toFixed(1) : '-',
      growth,
      r.peakGrowthPerPrefix !== undefined ? r.peakGrowthPerPrefix.toFixed(0) : '-',
      r.impl === 'petrel' ? '' : ratio(phaseSeconds(mine, 'announce'), phaseSeconds(r, 'announce')),
      r.impl === 'petrel' ? '' : ratio(phaseSeconds(mine, 'withdraw'), phaseSeconds(r, 'withdraw')),
      r.impl === 'petrel' ? '' : ratio(mine?.cpuTotal, r.cpuTotal),
      r.impl === 'petrel' ? '' : ratio(mine?.rssPeak, r.rssPeak),
    ];
    l.push(`| ${cells.join(' | ')} |`);
  }
  return l.join('\n');
}

export function generatorTable(results: readonly RunResult[]): string {
  const l = [
    '| scenario | implementation | sessions | UPDATEs sent | established s | send s (announce) | gen CPU s (both phases) | gen CPU ÷ phase time (max) | UPDATEs received | load avg (start, end) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of results) {
    const ps = [r.announce, r.withdraw].filter((p) => p !== undefined);
    const cpu = ps.reduce((a, p) => a + p.genCpuSeconds, 0);
    const rx = ps.reduce((a, p) => a + p.updatesReceived, 0);
    const share = Math.max(0, ...ps.map((p) => (p.seconds > 0 ? p.genCpuSeconds / p.seconds : 0)));
    const load = r.loadAvg ? `${r.loadAvg[0].toFixed(1)}, ${r.loadAvg[1].toFixed(1)}` : '-';
    l.push(
      `| ${r.scenario} | ${r.impl} | ${r.sessions} | ${r.updatesSent} | ${r.establishSeconds?.toFixed(2) ?? '-'} | ${r.announce?.sendSeconds.toFixed(3) ?? '-'} | ${ps.length ? cpu.toFixed(2) : '-'} | ${ps.length ? `${(share * 100).toFixed(0)}%` : '-'} | ${ps.length ? rx : '-'} | ${load} |`,
    );
  }
  return l.join('\n');
}
