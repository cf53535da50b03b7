/**
 * Loc-RIB and Calico kernel policy -> the kernel (BIRD's kernel protocol
 * with calico_kernel_programming as its export filter, plus Felix's VXLAN
 * routes). Also the other direction (BIRD's `learn`): Felix's workload
 * routes for borrowed IPs become originated /32s.
 */
import { cidrContains, parseCidr, type Cidr } from '../calico/address.js';
import type { DesiredState, OriginatedPrefix } from '../calico/index.js';
import { ipBytes, macBytes, prefixKey } from '../fib/addr.js';
import { decideRoute, type FibInput, type FibPolicy, type PoolMode, type Vtep } from '../fib/desired.js';
import { globMatch } from '../fib/interfaces.js';
import { KernelFib, type FibStats, type LearntRoute } from '../fib/kernel-fib.js';
import type { VxlanNeighbour } from '../fib/neighbours.js';
import type { Logger } from '../lib/logger.js';
import { formatPrefix, parsePrefix, type Prefix } from '../lib/prefix.js';
import type { BestChange } from '../rib/loc-rib.js';
import type { PeerTransportConfig } from '../transport/peer.js';
import { ipv4Nlri, ipv6Nlri, type Nlri } from '../wire/nlri.js';
import type { RibFeed } from './rib-feed.js';

export interface FibOptions {
  /** rtm_protocol of petrel's routes (`--route-protocol`, default 12 = bird). */
  readonly protocol: number;
  /** How long start-up waits for End-of-RIB from every peer before stale routes go (default 120 s). */
  readonly convergenceWaitMs?: number;
  readonly batchSize?: number;
}

/** A peer as convergence needs it (Daemon.peers()). */
export interface PeerProgress {
  readonly state: string;
  readonly stats: { readonly endOfRibReceived: readonly unknown[] };
}

function poolMode(p: DesiredState['pools'][number]): PoolMode | null {
  switch (p.kernel) {
    case 'tunl0':
      return 'ipip';
    case 'crosssubnet':
      return 'ipip-crosssubnet';
    case 'nic':
      return 'nic';
    case 'vxlan':
      return p.vxlanMode === 'CrossSubnet' ? 'vxlan-crosssubnet' : 'vxlan';
    case 'felix':
      return 'reject';
    case 'none':
      // No address in the family: Calico emits no pool statement at all.
      return null;
  }
}

/** The kernel policy of a desired state, as the FIB takes it. */
export function fibPolicy(state: DesiredState): FibPolicy {
  const pools: { prefix: Prefix; mode: PoolMode }[] = [];
  for (const p of state.pools) {
    const prefix = parsePrefix(p.cidr, true);
    const mode = poolMode(p);
    if (prefix && mode) pools.push({ prefix, mode });
  }
  const rejectNextHops = new Set<string>();
  for (const f of ['ipv4', 'ipv6'] as const) for (const r of state.kernelPolicy[f]) if (r.rule === 'rejectNextHop') rejectNextHops.add(r.nextHop);
  const localSubnets = [state.nodeAddresses.ipv4?.network, state.nodeAddresses.ipv6?.network].flatMap((n) => (n ? [parsePrefix(n, true)!].filter(Boolean) : []));
  const vteps = new Map<string, Vtep>();
  for (const t of state.vxlanTunnels) {
    const nodeIp = ipBytes(t.nodeIp);
    const ip = ipBytes(t.vtepIp);
    const mac = macBytes(t.vtepMac);
    if (nodeIp && ip && mac) vteps.set(t.nodeIp, { node: t.node, nodeIp, ip, mac });
  }
  return {
    rejectPrefixes: state.kernelReject.flatMap((c) => [parsePrefix(c, true)].filter((x): x is Prefix => x !== null)),
    rejectNextHops,
    pools,
    localSubnets,
    vteps,
  };
}

/** Neighbour and FDB entries for every remote VTEP, when some pool uses VXLAN. */
export function vxlanNeighbours(policy: FibPolicy): VxlanNeighbour[] {
  if (!policy.pools.some((p) => p.mode === 'vxlan' || p.mode === 'vxlan-crosssubnet')) return [];
  return [...policy.vteps.values()].map((v) => ({ vtepIp: v.ip, mac: v.mac, nodeIp: v.nodeIp }));
}

/** What the Loc-RIB's selection for a prefix means to the kernel (null: nothing to write). */
export function fibInput(feed: RibFeed, prefix: Nlri, blackholes: ReadonlySet<string>): FibInput | null {
  const best = feed.rib.best(prefix);
  if (!best) return null;
  if (best.source.kind === 'static') return blackholes.has(formatPrefix(prefix)) ? { kind: 'blackhole' } : null;
  if (best.source.kind !== 'bgp') return null;
  const hops: Uint8Array[] = [];
  for (const p of feed.rib.multipath(prefix)) {
    if (prefix.afi === 1) {
      const nh = p.attrs.nextHop;
      if (nh !== null) hops.push(Uint8Array.of(nh >>> 24, (nh >>> 16) & 255, (nh >>> 8) & 255, nh & 255));
    } else if (p.attrs.mpNextHop && p.attrs.mpNextHop.length >= 16) {
      hops.push(p.attrs.mpNextHop.subarray(0, 16));
    }
  }
  return hops.length > 0 ? { kind: 'bgp', nextHops: hops, localPref: best.attrs.localPref } : null;
}

const toNlri = (p: Prefix): Nlri => (p.afi === 1 ? ipv4Nlri(p.addr, p.len) : ipv6Nlri(p.addr, p.len));

/**
 * Drives a KernelFib from the daemon: best-path changes as they are
 * propagated, full recomputation when the policy or the NIC changes.
 */
export class FibFeed {
  readonly kernel: KernelFib;
  private base: DesiredState;
  private policy: FibPolicy;
  private signature = '';
  private nic: string | null = null;
  private blackholes = new Set<string>();
  private staticVia = new Map<string, { prefix: Prefix; via: Uint8Array }>();
  /** Prefixes handed to the kernel FIB, so a recomputation can clear the rest. */
  private readonly programmed = new Map<string, Prefix>();
  private borrowed = new Map<string, string>();
  private convergeTimer: NodeJS.Timeout | null = null;
  private convergedAt: number | null = null;
  private readonly startedAt = Date.now();
  /** Borrowed /32s changed: the node's originated routes differ. */
  onOriginate: (() => void) | null = null;

  constructor(
    private readonly opts: FibOptions,
    private readonly rib: RibFeed,
    private readonly peers: () => readonly PeerProgress[],
    private readonly log: Logger,
    state: DesiredState,
  ) {
    this.base = state;
    this.policy = fibPolicy(state);
    this.kernel = new KernelFib({ protocol: opts.protocol, log, ...(opts.batchSize ? { batchSize: opts.batchSize } : {}) });
  }

  /** Adopt the kernel's routes, program what the Loc-RIB has now, start watching. */
  async start(): Promise<void> {
    await this.kernel.start();
    this.kernel.onInterfaces = () => this.refreshNic();
    this.kernel.onLearnt = () => this.refreshBorrowed();
    this.setState(this.base);
    this.convergeTimer = setInterval(() => this.checkConvergence(), 500);
    this.convergeTimer.unref();
  }

  stop(): void {
    if (this.convergeTimer) clearInterval(this.convergeTimer);
    this.kernel.stop();
  }

  /** Kernel routes were kept from a previous run and we are still converging: GR's R and F bits. */
  get restarting(): boolean {
    return this.kernel.adopted > 0 && this.convergedAt === null;
  }

  /** A peer's session configuration with the restart state (RFC 4724 §3) set while restarting. */
  sessionConfig(cfg: PeerTransportConfig): PeerTransportConfig {
    return this.restarting ? { ...cfg, session: { ...cfg.session, restarting: true } } : cfg;
  }

  stats(): FibStats {
    return this.kernel.stats();
  }

  /** The desired state with the borrowed /32s the kernel taught us, originated like blocks. */
  withBorrowed(state: DesiredState): DesiredState {
    if (this.borrowed.size === 0) return state;
    const extra: OriginatedPrefix[] = [...this.borrowed.values()].map((prefix) => ({ prefix, blackhole: false, exported: true }));
    return { ...state, originate: [...state.originate, ...extra] };
  }

  /** The desired state as the datastore gave it (without borrowed /32s). */
  get baseState(): DesiredState {
    return this.base;
  }

  /** A new desired state: recompute everything if its kernel policy differs. Returns it with the borrowed /32s. */
  setState(state: DesiredState): DesiredState {
    this.base = state;
    this.blackholes = new Set(state.originate.filter((o) => o.blackhole).map((o) => formatPrefix(parsePrefix(o.prefix, true)!)));
    this.staticVia = new Map();
    for (const s of state.staticRoutesVia) {
      const p = parsePrefix(s.prefix, true);
      const via = ipBytes(s.via);
      if (p && via) this.staticVia.set(prefixKey(p), { prefix: p, via });
    }
    this.policy = fibPolicy(state);
    this.kernel.setNeighbours(vxlanNeighbours(this.policy));
    this.nic = this.findNic();
    const sig = JSON.stringify([state.pools, state.kernelReject, state.kernelPolicy, state.nodeAddresses, state.vxlanTunnels, [...this.blackholes], state.staticRoutesVia, this.nic]);
    if (sig !== this.signature) {
      this.signature = sig;
      this.recomputeAll();
    }
    this.refreshBorrowed(false);
    return this.withBorrowed(state);
  }

  /** Best-path changes (the batch the daemon propagates). */
  changed(batch: readonly BestChange[]): void {
    for (const c of batch) this.program(c.prefix);
  }

  private findNic(): string | null {
    const ip = this.base.nodeAddresses.ipv4?.ip ?? this.base.nodeAddresses.ipv6?.ip;
    const bytes = ip ? ipBytes(ip) : null;
    return bytes ? this.kernel.interfaces.holding(bytes, this.base.ignoredInterfaces) : null;
  }

  private refreshNic(): void {
    const nic = this.findNic();
    if (nic === this.nic) return;
    this.log.info({ from: this.nic, to: nic }, 'NIC changed');
    this.nic = nic;
    this.setState(this.base);
  }

  private recomputeAll(): void {
    const seen = new Set<string>();
    for (const e of this.rib.rib.ranked()) {
      seen.add(formatPrefix(e.prefix));
      this.program(e.prefix);
    }
    for (const s of this.staticVia.values()) if (!seen.has(prefixKey(s.prefix))) (seen.add(prefixKey(s.prefix)), this.program(toNlri(s.prefix)));
    for (const [k, p] of this.programmed) if (!seen.has(k)) this.program(toNlri(p));
  }

  private program(prefix: Nlri): void {
    const p: Prefix = prefix.afi === 1 ? { afi: 1, addr: prefix.addr, len: prefix.len } : { afi: 2, addr: prefix.addr, len: prefix.len };
    const key = prefixKey(p);
    const sv = this.staticVia.get(key);
    const input: FibInput | null = sv ? { kind: 'static', via: sv.via } : fibInput(this.rib, prefix, this.blackholes);
    if (input === null) {
      if (this.programmed.delete(key)) this.kernel.set(p, null);
      return;
    }
    const d = decideRoute(p, input, this.policy, this.nic);
    this.programmed.set(key, p);
    if (d.kind === 'install') this.kernel.set(p, d.route);
    else if (d.kind === 'reject') this.kernel.set(p, null);
    else this.kernel.fail(p, d.problem, d.message);
  }

  /** Felix's workload routes for IPs in a pool but outside this node's blocks (borrowed IPs). */
  private refreshBorrowed(tell = true): void {
    const next = new Map(borrowedWorkloads(this.base, this.kernel.learntRoutes()).map((t) => [t, t]));
    const same = next.size === this.borrowed.size && [...next.keys()].every((k) => this.borrowed.has(k));
    this.borrowed = next;
    if (!same) {
      this.log.info({ borrowed: [...next.keys()].slice(0, 20), count: next.size }, 'borrowed workload addresses originated');
      if (tell) this.onOriginate?.();
    }
  }

  private checkConvergence(): void {
    if (this.convergedAt !== null) return;
    const peers = this.peers();
    const allIn = peers.every((p) => p.state === 'Established' && p.stats.endOfRibReceived.length > 0);
    const waited = Date.now() - this.startedAt >= (this.opts.convergenceWaitMs ?? 120_000);
    if (!allIn && !waited) return;
    this.convergedAt = Date.now();
    this.log.info({ afterMs: this.convergedAt - this.startedAt, reason: allIn ? 'End-of-RIB from every peer' : 'wait ran out' }, 'FIB start-up converged');
    this.kernel.converged();
    if (this.convergeTimer) clearInterval(this.convergeTimer);
  }
}

/**
 * Felix's workload routes (`<ip>/32 dev cali...`) for IPs in a pool but
 * outside this node's blocks: borrowed IPs, which Calico's BIRD exports as
 * /32s (its `learn` plus the pool accept of calico_export_to_bgp_peers).
 */
export function borrowedWorkloads(state: DesiredState, learnt: readonly LearntRoute[]): string[] {
  const pools = state.pools.map((p) => parseCidr(p.cidr)).filter((c): c is Cidr => c !== null);
  const mine = state.originate.map((o) => parseCidr(o.prefix)).filter((c): c is Cidr => c !== null);
  const out: string[] = [];
  for (const r of learnt) {
    if (!globMatch('cali*', r.ifname)) continue;
    const c = parseCidr(formatPrefix(r.prefix));
    if (!c || !pools.some((p) => cidrContains(p, c)) || mine.some((m) => cidrContains(m, c))) continue;
    out.push(c.text);
  }
  return out.sort();
}
