/**
 * What `petrel lab up` shows once the cluster runs: each node's route table
 * as `ip route` prints it (with vxlan.calico's neighbour and FDB entries in
 * VXLAN variants), each node's peers as `petrel status` prints them, the
 * router's table (and FRR's sessions with a ToR), and the pod-to-pod pings.
 */
import { readFile } from 'node:fs/promises';
import { connectApi, type PeerInfo } from '../api/index.js';
import { formatStatus } from '../cli/commands/status.js';
import type { Convergence } from './converge.js';
import { vtysh } from './frr-router.js';
import { pingAll, type PingResult } from './pings.js';
import { apiSocket, petrelLog } from './petrel-nodes.js';
import { cmd, inNs } from './shell.js';
import { ROUTER_NS, SUBNETS, VARIANT_INFO, VXLAN_DEVICE, type LabNode, type LabVariant } from './topology.js';

export interface NodeReport {
  readonly node: LabNode;
  /** `ip route` in the node's namespace. */
  readonly routes: string;
  /** `ip neigh show dev vxlan.calico` and `bridge fdb show dev vxlan.calico` (VXLAN variants). */
  readonly vxlan?: { readonly neigh: string; readonly fdb: string };
  readonly peers: PeerInfo[];
  /** `petrel status` against the node's API socket. */
  readonly status: string;
  /** What petrel logged about kernel routes it could not write (its FIB's warnings and errors). */
  readonly fibProblems: string[];
}

/** The FIB's warnings and errors from a petrel log (pino JSON lines), each said once. */
export function fibProblems(logText: string): string[] {
  const out = new Set<string>();
  for (const line of logText.split('\n')) {
    if (!line.includes('"component":"fib"')) continue;
    try {
      const rec = JSON.parse(line) as { level?: number; msg?: string };
      if ((rec.level ?? 0) >= 40 && rec.msg) out.add(rec.msg);
    } catch {
      /* a partial last line */
    }
  }
  return [...out];
}

export interface LabReport {
  readonly variant: LabVariant;
  readonly dir: string;
  readonly nodes: NodeReport[];
  readonly router: { readonly routes: string; readonly bgp?: string };
  readonly pings: PingResult[];
  readonly convergence?: Convergence;
}

async function nodeReport(labDir: string, n: LabNode, vxlan: boolean): Promise<NodeReport> {
  const routes = (await inNs(n.ns, 'ip', ['route'])).stdout;
  const client = connectApi(apiSocket(labDir, n), { timeoutMs: 5000 });
  let peers: PeerInfo[] = [];
  let status: string;
  try {
    peers = await client.listPeers();
    status = formatStatus(peers, { now: Date.now(), startedAt: (await client.status()).startedAt });
  } catch (e) {
    status = `${e instanceof Error ? e.message : String(e)}\n`;
  } finally {
    client.close();
  }
  const log = await readFile(petrelLog(labDir, n), 'utf8').catch(() => '');
  const problems = fibProblems(log);
  if (!vxlan) return { node: n, routes, peers, status, fibProblems: problems };
  const neigh = (await inNs(n.ns, 'ip', ['neigh', 'show', 'dev', VXLAN_DEVICE], { allowFail: true })).stdout;
  const fdb = (await inNs(n.ns, 'bridge', ['fdb', 'show', 'dev', VXLAN_DEVICE], { allowFail: true })).stdout;
  return { node: n, routes, vxlan: { neigh, fdb }, peers, status, fibProblems: problems };
}

export async function collectReport(variant: LabVariant, labDir: string, nodes: readonly LabNode[], convergence?: Convergence): Promise<LabReport> {
  const info = VARIANT_INFO[variant];
  const [nodeReports, pings, routerRoutes] = await Promise.all([
    Promise.all(nodes.map((n) => nodeReport(labDir, n, info.vxlanMode !== 'Never'))),
    pingAll(variant, nodes),
    cmd('ip', ['-n', ROUTER_NS, 'route']).then((r) => r.stdout),
  ]);
  const bgp = info.tor ? await vtysh(labDir, 'show bgp summary').catch((e: unknown) => String(e)) : undefined;
  return { variant, dir: labDir, nodes: nodeReports, router: { routes: routerRoutes, ...(bgp !== undefined ? { bgp } : {}) }, pings, ...(convergence ? { convergence } : {}) };
}

function indent(text: string, by = '    '): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => (l ? by + l : l))
    .join('\n');
}

function pingLine(p: PingResult): string {
  const what = `${p.from.pod.address.padEnd(14)} (${p.from.name.padEnd(7)}) -> ${p.to.pod.address.padEnd(14)} (${p.to.name.padEnd(7)})`;
  const result = p.ok ? `ok   ${p.rttMs !== undefined ? `${p.rttMs.toFixed(3)} ms` : ''}` : 'no reply';
  const note = p.ok === p.expected ? (p.ok ? '' : ' (expected: see the note above)') : p.ok ? ' (unexpected: should have failed)' : ' (unexpected)';
  return `${what}  ${result.padEnd(14)}${note}\n      path: ${p.path}${p.ok ? '' : `\n      ping: ${p.detail}`}`;
}

/** The report as text. */
export function formatReport(r: LabReport): string {
  const info = VARIANT_INFO[r.variant];
  const out: string[] = [];
  out.push(`petrel lab (${r.variant}): ${info.title}`);
  out.push(`  subnets ${SUBNETS.lan10.cidr} (k8s-ctr, k8s-w1, k8s-w2) and ${SUBNETS.lan20.cidr} (k8s-w0), router ${SUBNETS.lan10.gateway} / ${SUBNETS.lan20.gateway}`);
  for (const n of info.notes) out.push(`  note: ${n}`);
  out.push(`  state, datastore and logs: ${r.dir} (petrel lab down removes everything)`);
  if (r.convergence) {
    out.push(`  converged in ${r.convergence.seconds.toFixed(1)} s${r.convergence.missing.length ? ', except:' : ''}`);
    for (const m of r.convergence.missing) out.push(`    - ${m}`);
  }
  out.push('', '== Route tables (ip route) ==');
  for (const n of r.nodes) {
    out.push('', `${n.node.name} (${n.node.address}) $ ip route`, indent(n.routes));
    for (const p of n.fibProblems) out.push(`  petrel's FIB on ${n.node.name}: ${p}`);
    if (n.vxlan) {
      out.push(`${n.node.name} $ ip neigh show dev ${VXLAN_DEVICE}`, indent(n.vxlan.neigh || '(none)'));
      out.push(`${n.node.name} $ bridge fdb show dev ${VXLAN_DEVICE}`, indent(n.vxlan.fdb || '(none)'));
    }
  }
  out.push('', `router (${SUBNETS.lan10.gateway}, ${SUBNETS.lan20.gateway}) $ ip route`, indent(r.router.routes));
  if (r.router.bgp) out.push(`router $ vtysh -c 'show bgp summary'`, indent(r.router.bgp));
  out.push('', '== BGP peers (petrel status) ==');
  for (const n of r.nodes) out.push('', `${n.node.name} $ petrel status`, indent(n.status));
  out.push('', '== Pod to pod (ping from the pod namespaces) ==', '');
  for (const p of r.pings) out.push(`  ${pingLine(p)}`);
  const ok = r.pings.filter((p) => p.ok).length;
  const unexpected = r.pings.filter((p) => p.ok !== p.expected).length;
  out.push('', `${ok}/${r.pings.length} pings answered; ${unexpected === 0 ? 'every result as expected' : `${unexpected} not as expected`}.`);
  return out.join('\n') + '\n';
}

/** Every ping did what the variant says it should. */
export function reportOk(r: LabReport): boolean {
  return r.pings.every((p) => p.ok === p.expected);
}
