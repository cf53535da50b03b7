/**
 * `petrel lab up`: build the cluster (router, nodes, pods, VTEPs), write the
 * shared datastore, start FRR (tor) and one petrel per node, wait for the
 * sessions and the kernel routes, then report. Everything is recorded in the
 * state directory as it is made, so `petrel lab down` cleans up even after
 * a failure half-way.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitForConvergence } from './converge.js';
import { labDatastore } from './datastore.js';
import { labDown, labNamespaces } from './down.js';
import { buildVtep } from './felix-vxlan.js';
import { startRouterFrr } from './frr-router.js';
import { buildNode, buildRouter, notReady } from './network.js';
import { startPetrel, waitForApi, type FibMode } from './petrel-nodes.js';
import { buildPod } from './pods.js';
import { collectReport, type LabReport } from './report.js';
import { sleep } from './shell.js';
import { chooseLabDir, findState, saveState, type LabProcess, type LabState } from './state.js';
import { labNodes, ROUTER_NS, VARIANT_INFO, type LabNode, type LabVariant } from './topology.js';

export interface UpOptions {
  readonly variant: LabVariant;
  /** `--fib` for the daemons (default kernel). */
  readonly fib?: FibMode;
  /** How long to wait for sessions and kernel routes before reporting anyway (default 60 s). */
  readonly convergeTimeoutMs?: number;
  /** Progress lines. */
  readonly progress?: (line: string) => void;
}

async function waitReady(namespaces: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const busy = (await Promise.all(namespaces.map(async (ns) => (await notReady(ns)).map((i) => `${ns}/${i}`)))).flat();
    if (busy.length === 0) return;
    if (Date.now() > deadline) throw new Error(`interfaces not up: ${busy.join(', ')}`);
    await sleep(50);
  }
}

/** Fail before building anything when a tool the lab runs is missing. */
function requireTools(): void {
  if (process.getuid?.() !== 0) throw new Error('petrel lab needs root: it creates network namespaces');
  const path = (process.env['PATH'] ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin', '/bin']);
  const missing = [
    ['ip', 'iproute2'],
    ['bridge', 'iproute2'],
    ['ping', 'iputils-ping'],
  ].filter(([tool]) => !path.some((d) => existsSync(join(d, tool!))));
  if (missing.length) throw new Error(`petrel lab needs ${missing.map(([t, pkg]) => `${t} (apt-get install ${pkg})`).join(', ')}`);
}

export async function labUp(opts: UpOptions): Promise<LabReport> {
  const say = opts.progress ?? (() => {});
  const info = VARIANT_INFO[opts.variant];
  requireTools();
  if (findState() || (await labNamespaces()).length > 0) {
    say('removing the lab that is already up');
    await labDown();
  }
  const dir = chooseLabDir();
  mkdirSync(dir, { recursive: true });
  const nodes = labNodes();
  const state: LabState = { variant: opts.variant, startedAt: new Date().toISOString(), dir, datastore: join(dir, 'calico.yaml'), namespaces: [], processes: [] };
  const recordNs = (...ns: string[]) => {
    state.namespaces.push(...ns);
    saveState(state);
  };
  const recordProcess = (p: LabProcess) => {
    state.processes.push(p);
    saveState(state);
  };
  saveState(state);
  writeFileSync(state.datastore, labDatastore(opts.variant, nodes));

  say(`building the network: router, ${nodes.map((n) => n.name).join(', ')}, one pod each`);
  recordNs(ROUTER_NS, ...nodes.flatMap((n) => [n.ns, n.pod.ns]));
  await buildRouter();
  await Promise.all(nodes.map((n) => buildNode(n)));
  await Promise.all(nodes.map((n) => buildPod(n)));
  if (info.vxlanMode !== 'Never') {
    say(`creating vxlan.calico on every node (what Felix does for a VXLAN pool)`);
    await Promise.all(nodes.map((n) => buildVtep(n)));
  }
  await waitReady([ROUTER_NS, ...nodes.flatMap((n) => [n.ns, n.pod.ns])], 10_000);

  if (info.tor) {
    say('starting FRR (zebra, bgpd) in the router namespace');
    await startRouterFrr(dir, nodes, recordProcess);
  }
  say(`starting petrel on every node (--fib ${opts.fib ?? 'kernel'})`);
  const daemons: [LabNode, LabProcess][] = nodes.map((n) => {
    const p = startPetrel(dir, state.datastore, n, opts.fib ?? 'kernel');
    recordProcess(p);
    return [n, p];
  });
  await Promise.all(daemons.map(([n, p]) => waitForApi(dir, n, p, 60_000)));

  say('waiting for BGP sessions and kernel routes');
  const convergence = await waitForConvergence(opts.variant, dir, nodes, info.tor, opts.convergeTimeoutMs ?? 60_000);
  say('collecting route tables, peers and pings');
  return collectReport(opts.variant, dir, nodes, convergence);
}

/** The report of the lab that is up (for `petrel lab show`). */
export async function labShow(): Promise<LabReport> {
  const state = findState();
  if (!state) throw new Error('no lab is up (petrel lab up [variant])');
  return collectReport(state.variant, state.dir, labNodes());
}
