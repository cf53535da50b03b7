/**
 * Waiting for the lab to settle before reporting: every BGP session
 * Established, then every node's kernel holding a route for every other
 * node's block (and, with a ToR, the router too). A wait that runs out is
 * not an error here: the report shows what is there and says what is missing.
 */
import type { PeerInfo } from '../api/index.js';
import { peersOf } from './petrel-nodes.js';
import { inNs, sleep } from './shell.js';
import { expectKernelRoute, ROUTER_NS, type LabNode, type LabVariant } from './topology.js';

export interface KernelRoute {
  readonly dst: string;
  readonly gateway?: string;
  readonly dev?: string;
  readonly protocol?: string;
  readonly type?: string;
  readonly flags?: readonly string[];
  readonly nexthops?: readonly { gateway?: string; dev?: string; flags?: readonly string[] }[];
}

/** The main table of `ns`, as `ip -json route` gives it. */
export async function kernelRoutes(ns: string): Promise<KernelRoute[]> {
  const { stdout } = await inNs(ns, 'ip', ['-json', 'route', 'show', 'table', 'main']);
  return JSON.parse(stdout || '[]') as KernelRoute[];
}

/** `ip -json` prints a /32 without its length. */
export function hasRouteFor(routes: readonly KernelRoute[], prefix: string): boolean {
  return routes.some((r) => r.dst === prefix || `${r.dst}/32` === prefix);
}

export interface Convergence {
  /** What did not settle in time, one line each; empty when everything did. */
  readonly missing: string[];
  readonly seconds: number;
}

async function until(deadline: number, check: () => Promise<string[]>): Promise<string[]> {
  for (;;) {
    const missing = await check().catch((e: unknown) => [e instanceof Error ? e.message : String(e)]);
    if (missing.length === 0 || Date.now() > deadline) return missing;
    await sleep(250);
  }
}

function notEstablished(n: LabNode, peers: readonly PeerInfo[]): string[] {
  if (peers.length === 0) return [`${n.name}: no BGP peers configured`];
  return peers.filter((p) => p.state !== 'Established').map((p) => `${n.name}: session ${p.name} (${p.address}) is ${p.state}${p.lastError ? `: ${p.lastError}` : ''}`);
}

export async function waitForConvergence(variant: LabVariant, labDir: string, nodes: readonly LabNode[], withRouter: boolean, timeoutMs: number): Promise<Convergence> {
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  const sessions = await until(deadline, async () => (await Promise.all(nodes.map(async (n) => notEstablished(n, await peersOf(labDir, n))))).flat());
  const routes = await until(deadline, async () => {
    const missing: string[] = [];
    for (const n of nodes) {
      const table = await kernelRoutes(n.ns);
      for (const o of nodes) if (o !== n && expectKernelRoute(variant, n, o) && !hasRouteFor(table, o.block)) missing.push(`${n.name}: no kernel route for ${o.block} (${o.name}'s block)`);
      if (!hasRouteFor(table, n.block)) missing.push(`${n.name}: no blackhole route for its own block ${n.block}`);
    }
    if (withRouter) {
      const table = await kernelRoutes(ROUTER_NS);
      for (const o of nodes) if (!hasRouteFor(table, o.block)) missing.push(`router: no route for ${o.block} (${o.name}'s block)`);
    }
    return missing;
  });
  return { missing: [...sessions, ...routes], seconds: (Date.now() - t0) / 1000 };
}
