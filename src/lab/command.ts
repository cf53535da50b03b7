/**
 * `petrel lab up [mesh|rr|crosssubnet|vxlan|tor] [--fib kernel|none] [--json]`,
 * `petrel lab show [--json]` and `petrel lab down`.
 */
import { parseArgs } from 'node:util';
import { labDown } from './down.js';
import { formatReport, reportOk, type LabReport } from './report.js';
import { isVariant, VARIANTS } from './topology.js';
import { labShow, labUp } from './up.js';

export const LAB_USAGE = `  petrel lab up [${VARIANTS.join('|')}] [--fib kernel|none] [--json]
                                   build a Calico cluster in network namespaces (k8s-ctr, k8s-w1,
                                   k8s-w2 on 192.168.10.0/24, k8s-w0 on 192.168.20.0/24 behind a
                                   router, one pod per node), one petrel per node; print each node's
                                   routes, peers and pod-to-pod pings (default variant: mesh)
  petrel lab show [--json]         print the running lab's routes, peers and pings again
  petrel lab down                  remove every namespace, process and file the lab made`;

function jsonReport(r: LabReport): string {
  return JSON.stringify(
    {
      variant: r.variant,
      dir: r.dir,
      convergence: r.convergence,
      nodes: r.nodes.map((n) => ({ node: n.node.name, address: n.node.address, block: n.node.block, pod: n.node.pod, routes: n.routes, vxlan: n.vxlan, peers: n.peers })),
      router: r.router,
      pings: r.pings.map((p) => ({ from: p.from.pod.address, fromNode: p.from.name, to: p.to.pod.address, toNode: p.to.name, ok: p.ok, expected: p.expected, rttMs: p.rttMs, path: p.path })),
    },
    null,
    2,
  );
}

export async function runLab(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { fib: { type: 'string', default: 'kernel' }, json: { type: 'boolean', default: false } },
  });
  switch (sub) {
    case 'up': {
      const variant = positionals[0] ?? 'mesh';
      if (!isVariant(variant)) throw new Error(`unknown lab variant '${variant}': one of ${VARIANTS.join(', ')}`);
      if (positionals.length > 1) throw new Error(`petrel lab up takes one variant, got ${positionals.join(' ')}`);
      if (values.fib !== 'kernel' && values.fib !== 'none') throw new Error('--fib must be kernel or none');
      const report = await labUp({ variant, fib: values.fib, progress: (l) => console.error(`lab: ${l}`) }).catch((e: unknown) => {
        // What was built stays for a post-mortem (logs in the state directory).
        throw new Error(`lab up failed: ${e instanceof Error ? e.message : String(e)}\n(the half-built lab and its logs are kept; \`petrel lab down\` removes them)`);
      });
      console.log(values.json ? jsonReport(report) : formatReport(report));
      return reportOk(report) ? 0 : 1;
    }
    case 'show': {
      const report = await labShow();
      console.log(values.json ? jsonReport(report) : formatReport(report));
      return reportOk(report) ? 0 : 1;
    }
    case 'down': {
      const r = await labDown();
      console.log(`lab down: ${r.namespaces.length} namespaces deleted, ${r.processes} recorded processes stopped${r.dirs.length ? `, ${r.dirs.join(', ')} removed` : ''}`);
      return 0;
    }
    default:
      console.error(`petrel lab: expected up, show or down\n\n${LAB_USAGE}`);
      return 2;
  }
}
