/**
 * Pod-to-pod pings across nodes and subnets, from inside the pod
 * namespaces, with the path the source node's kernel picks (`ip route get`).
 */
import { inNs } from './shell.js';
import { expectReachable, type LabNode, type LabVariant } from './topology.js';

export interface PingResult {
  readonly from: LabNode;
  readonly to: LabNode;
  readonly ok: boolean;
  readonly expected: boolean;
  /** Average round trip, ms, when answered. */
  readonly rttMs?: number;
  /** The source node's `ip route get <destination pod>`, first line (the path out of the node). */
  readonly path: string;
  /** ping's summary when it failed. */
  readonly detail: string;
}

async function routeGet(n: LabNode, to: string): Promise<string> {
  const r = await inNs(n.ns, 'ip', ['route', 'get', to, 'from', n.pod.address, 'iif', n.pod.hostIface], { allowFail: true });
  const line = (r.code === 0 ? r.stdout : r.stderr).split('\n')[0] ?? '';
  return line.replace(/\s+/g, ' ').replace(/ uid \d+/, '').trim();
}

export async function ping(variant: LabVariant, from: LabNode, to: LabNode): Promise<PingResult> {
  // Two probes 200 ms apart, 2 s to answer: the first may wait for ARP (proxy ARP, the neighbour).
  const r = await inNs(from.pod.ns, 'ping', ['-n', '-q', '-c', '2', '-i', '0.2', '-W', '2', to.pod.address], { allowFail: true, timeoutMs: 10_000 });
  const rtt = /= [\d.]+\/([\d.]+)\//.exec(r.stdout);
  const summary = /(\d+ packets transmitted.*)/.exec(r.stdout)?.[1] ?? (r.stderr.trim() || `exit ${r.code}`);
  return {
    from,
    to,
    ok: r.code === 0,
    expected: expectReachable(variant, from, to),
    ...(r.code === 0 && rtt ? { rttMs: Number(rtt[1]) } : {}),
    path: await routeGet(from, to.pod.address),
    detail: summary,
  };
}

/** Every pod to every pod on another node, in parallel. */
export async function pingAll(variant: LabVariant, nodes: readonly LabNode[]): Promise<PingResult[]> {
  const pairs = nodes.flatMap((a) => nodes.filter((b) => b !== a).map((b) => [a, b] as const));
  return Promise.all(pairs.map(([a, b]) => ping(variant, a, b)));
}
