/**
 * The FIB reconciler: keeps the kernel's routes of petrel's protocol (BIRD's
 * `proto bird`, 12) in the main table equal to the wanted routes.
 *
 * - Work is batched: up to `batchSize` requests per sendmsg(), one batch per
 *   event-loop tick, so BGP is never starved. Successes are silent; every
 *   error names its request by sequence number and so its route.
 * - Start-up adopts the routes of our protocol already in the kernel (a
 *   restart keeps forwarding); the ones nobody wants are removed only after
 *   `converged()`. Shutdown leaves every route in place (BIRD's `persist`).
 * - Kernel changes arrive as notifications (RTNLGRP_LINK, *_IFADDR,
 *   *_ROUTE): a route of ours removed by someone else is written again, a
 *   device that appears retries the routes that needed it, and alien host
 *   routes (Felix's workload /32s) are reported to `onLearnt`.
 * - Recursive next hops (BIRD's `gateway recursive`) off every connected
 *   subnet are written through the alien route reaching them, and follow
 *   it when it changes; unreachable ones are not written.
 */
import type { Logger } from '../lib/logger.js';
import type { Prefix } from '../lib/prefix.js';
import { formatIp, prefixKey } from './addr.js';
import { sameRoute, type WantedRoute } from './desired.js';
import { Interfaces } from './interfaces.js';
import { ENOBUFS, NetlinkError, NetlinkSocket, RTMGRP_IPV4_IFADDR, RTMGRP_IPV4_ROUTE, RTMGRP_IPV6_IFADDR, RTMGRP_IPV6_ROUTE, RTMGRP_LINK } from './netlink-socket.js';
import { NeighbourTable, type VxlanNeighbour } from './neighbours.js';
import { AlienTable } from './recursive.js';
import {
  AF_INET,
  AF_INET6,
  RequestWriter,
  RT_TABLE_MAIN,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_GETROUTE,
  RTN_BLACKHOLE,
  RTN_UNICAST,
  RTPROT_KERNEL,
  decodeMessages,
  writeDelRoute,
  writeDump,
  writeNewRoute,
  type Decoded,
  type RtNextHop,
  type RtRoute,
} from './rtnl.js';

export interface KernelFibOptions {
  /** rtm_protocol of our routes (12 = bird). */
  readonly protocol: number;
  readonly log: Logger;
  /** Requests per sendmsg() and per tick. */
  readonly batchSize?: number;
}

/** An alien host route in the main table (Felix's `<pod IP> dev cali...`). */
export interface LearntRoute {
  readonly prefix: Prefix;
  readonly ifname: string;
}

/** A route of our protocol as the kernel has it. */
interface Installed {
  readonly metric: number;
  readonly blackhole: boolean;
  readonly nextHops: readonly RtNextHop[];
}

interface Op {
  readonly key: string;
  readonly kind: 'add' | 'del';
  readonly metric: number;
  readonly installed?: Installed;
}

export interface FibStats {
  readonly wanted: number;
  readonly installed: number;
  readonly pending: number;
  readonly failed: number;
}

const same = (a: Uint8Array | null, b: Uint8Array | null): boolean => a === b || (a !== null && b !== null && a.length === b.length && a.every((x, i) => x === b[i]));

export class KernelFib {
  readonly interfaces = new Interfaces();
  private cmd: NetlinkSocket | null = null;
  private monitor: NetlinkSocket | null = null;
  private seq = 1;
  private readonly wanted = new Map<string, WantedRoute>();
  private readonly actual = new Map<string, Installed[]>();
  private readonly prefixes = new Map<string, Prefix>();
  private readonly dirty = new Set<string>();
  /** key -> problem, for routes that could not be written. */
  private readonly failed = new Map<string, string>();
  private readonly problemsSaid = new Set<string>();
  private readonly learnt = new Map<string, LearntRoute>();
  /** The main table's routes that are not ours, for recursive next hops. */
  private readonly aliens = new AlienTable();
  private removeUnwanted = false;
  /** Adopted at start-up and not wanted since: kept until convergence. */
  private readonly adoptedOnly = new Set<string>();
  private scheduled = false;
  private resyncTimer: NodeJS.Timeout | null = null;
  private idle: (() => void)[] = [];
  private readonly batchSize: number;
  readonly neighbours: NeighbourTable;
  /** Alien host routes appeared or went (after start()). */
  onLearnt: ((added: readonly LearntRoute[], removed: readonly Prefix[]) => void) | null = null;
  /** Links or addresses changed: the NIC may be another one now. */
  onInterfaces: (() => void) | null = null;
  /** Routes of our protocol found at start-up. */
  adopted = 0;

  constructor(private readonly opts: KernelFibOptions) {
    this.batchSize = opts.batchSize ?? 2048;
    this.neighbours = new NeighbourTable(this.interfaces, (w, last) => this.exchange(w, last), () => this.seq++, opts.log);
  }

  get protocol(): number {
    return this.opts.protocol;
  }

  /** Open the sockets and read links, addresses and routes; adopt our routes. */
  async start(): Promise<void> {
    this.monitor = new NetlinkSocket({ groups: RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE, rcvbuf: 64 << 20 });
    this.cmd = new NetlinkSocket();
    // Subscribe first, then dump: a change between the two is seen twice, never lost.
    this.monitor.watch(() => this.drainMonitor());
    for (const m of await this.dump(RTM_GETLINK, 0)) this.onMessage(m, false);
    for (const f of [AF_INET, AF_INET6]) for (const m of await this.dump(RTM_GETADDR, f)) this.onMessage(m, false);
    await this.resync();
    this.adopted = [...this.actual.values()].reduce((n, l) => n + l.length, 0);
    for (const key of this.actual.keys()) this.adoptedOnly.add(key);
    if (this.adopted > 0) this.opts.log.info({ routes: this.adopted, protocol: this.opts.protocol }, 'kernel routes of our protocol adopted; unwanted ones go after convergence');
  }

  /** Leave every route in the kernel (persist) and close the sockets. */
  stop(): void {
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    this.monitor?.close();
    this.cmd?.close();
    this.monitor = this.cmd = null;
  }

  /** Want `route` for its prefix (null: no route). */
  set(prefix: Prefix, wanted: WantedRoute | null): void {
    const key = prefixKey(prefix);
    // IPv6 has no metric 0: the kernel writes 1024 (IP6_RT_PRIO_USER) instead.
    const route = wanted && prefix.afi === 2 && wanted.metric === 0 ? { ...wanted, metric: 1024 } : wanted;
    const old = this.wanted.get(key);
    this.aliens.track(key, route?.nextHops.filter((h) => h.recursive).map((h) => h.gateway) ?? []);
    if (route === null) {
      if (!old) return;
      this.wanted.delete(key);
    } else {
      this.adoptedOnly.delete(key);
      if (old && sameRoute(old, route) && !this.failed.has(key)) return;
      this.wanted.set(key, route);
      this.prefixes.set(key, prefix);
    }
    this.markDirty(key);
  }

  /** A route that cannot be wanted (policy error): remembered so it is reported, nothing written. */
  fail(prefix: Prefix, problem: string, message: string): void {
    const key = prefixKey(prefix);
    this.set(prefix, null);
    this.noteFailure(key, problem, message);
  }

  /** Start-up is over (End-of-RIB from every peer, or the wait ran out): unwanted routes may go. */
  converged(): void {
    if (this.removeUnwanted) return;
    this.removeUnwanted = true;
    this.adoptedOnly.clear();
    let n = 0;
    for (const key of this.actual.keys()) if (!this.wanted.has(key)) (this.markDirty(key), n++);
    this.opts.log.info({ stale: n }, 'FIB converged: removing kernel routes nobody wants');
  }

  stats(): FibStats {
    let installed = 0;
    for (const l of this.actual.values()) installed += l.length;
    return { wanted: this.wanted.size, installed, pending: this.dirty.size, failed: this.failed.size };
  }

  /** Routes that could not be written, with why. */
  failures(): ReadonlyMap<string, string> {
    return this.failed;
  }

  /** Resolves when nothing is pending. */
  whenIdle(): Promise<void> {
    if (this.dirty.size === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  setNeighbours(list: readonly VxlanNeighbour[]): void {
    this.neighbours.set(list);
  }

  private markDirty(key: string): void {
    this.dirty.add(key);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || !this.cmd) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private noteFailure(key: string, problem: string, message: string): void {
    this.failed.set(key, problem);
    if (this.problemsSaid.has(problem)) return;
    this.problemsSaid.add(problem);
    // One clear error per kind of problem, with the first route it hit; not one per route.
    this.opts.log.error({ problem, example: key }, `kernel routes cannot be written: ${message}`);
  }

  private clearFailure(key: string): void {
    const problem = this.failed.get(key);
    if (problem === undefined) return;
    this.failed.delete(key);
    if (![...this.failed.values()].includes(problem)) {
      this.problemsSaid.delete(problem);
      this.opts.log.info({ problem }, 'kernel routes written again after an error');
    }
  }

  /**
   * The next hops of `r` with devices resolved and recursive next hops off
   * every connected subnet resolved through the alien routes; or why not:
   * a missing device, or next hops nothing reaches.
   */
  private resolve(r: WantedRoute): RtNextHop[] | { device: string } | { unreachable: Uint8Array } {
    const out: RtNextHop[] = [];
    let unreachable: Uint8Array | null = null;
    for (const h of r.nextHops) {
      let ifindex = 0;
      if (h.device !== null) {
        const i = this.interfaces.ifindex(h.device);
        if (i === null) return { device: h.device };
        ifindex = i;
      }
      let hop: RtNextHop = { gateway: h.gateway, ifindex, onlink: h.onlink };
      const onLink = ifindex !== 0 ? this.interfaces.connectedOn(ifindex, h.gateway) : this.interfaces.connected(h.gateway) !== null;
      if (h.recursive && !onLink) {
        const via = this.aliens.resolve(h.gateway);
        if (via === null) {
          // BIRD's unreachable: this path is left out.
          unreachable ??= h.gateway;
          continue;
        }
        hop = { gateway: via.gateway, ifindex: via.ifindex, onlink: via.onlink };
      }
      // Two BGP next hops behind one router are one kernel next hop.
      if (!out.some((o) => same(o.gateway, hop.gateway) && o.ifindex === hop.ifindex)) out.push(hop);
    }
    if (out.length === 0 && unreachable) return { unreachable };
    return out;
  }

  private matches(want: WantedRoute, hops: readonly RtNextHop[], have: Installed): boolean {
    if (have.metric !== want.metric || have.blackhole !== want.blackhole || have.nextHops.length !== hops.length) return false;
    return hops.every((h) => have.nextHops.some((x) => same(x.gateway, h.gateway) && (h.ifindex === 0 || x.ifindex === h.ifindex) && x.onlink === h.onlink));
  }

  /** Write one batch of dirty routes. */
  private flush(): void {
    this.scheduled = false;
    if (!this.cmd) return;
    const w = new RequestWriter();
    const ops: Op[] = [];
    const base = this.seq;
    for (const key of this.dirty) {
      if (ops.length >= this.batchSize) break;
      this.dirty.delete(key);
      const prefix = this.prefixes.get(key);
      if (!prefix) continue;
      const want = this.wanted.get(key);
      const have = this.actual.get(key) ?? [];
      let keepMetric = -1;
      if (want) {
        const hops = this.resolve(want);
        if ('device' in hops) {
          const d = hops.device;
          this.noteFailure(key, `device ${d}`, `device ${d} does not exist${d === 'tunl0' ? ' (no IPIP in this kernel?)' : ''}; routes through it wait for it`);
          continue;
        }
        if ('unreachable' in hops) {
          // Not written, and what we wrote before goes (below), as BIRD withdraws an unreachable route.
          const hop = formatIp(hops.unreachable);
          this.noteFailure(key, `unreachable ${hop}`, `next hop ${hop} is on no connected subnet and no kernel route reaches it (unreachable); routes through it are written when one does`);
        } else {
          keepMetric = want.metric;
          const current = have.find((h) => h.metric === want.metric);
          if (!current || !this.matches(want, hops, current)) {
            writeNewRoute(w, this.seq, { prefix, protocol: this.opts.protocol, metric: want.metric, blackhole: want.blackhole, nextHops: hops });
            ops.push({ key, kind: 'add', metric: want.metric, installed: { metric: want.metric, blackhole: want.blackhole, nextHops: hops } });
            this.seq++;
          } else this.clearFailure(key);
        }
      } else if (!this.removeUnwanted && this.adoptedOnly.has(key)) {
        continue;
      }
      for (const h of have) {
        if (h.metric === keepMetric) continue;
        writeDelRoute(w, this.seq, prefix, this.opts.protocol, h.metric);
        ops.push({ key, kind: 'del', metric: h.metric });
        this.seq++;
      }
      if (!want) this.failed.delete(key);
    }
    if (ops.length > 0) this.apply(w, ops, base);
    if (this.dirty.size > 0) this.schedule();
    else {
      const waiting = this.idle;
      this.idle = [];
      for (const r of waiting) r();
    }
  }

  /** Send a batch and read its errors; the last request is acked so we know we saw them all. */
  private apply(w: RequestWriter, ops: Op[], base: number): void {
    const errors = this.exchange(w, this.seq - 1);
    if (errors === null) {
      // Errors were lost (ENOBUFS): ask the kernel what it has.
      this.scheduleResync('errors of a batch were lost');
      return;
    }
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const err = errors.get(base + i);
      const list = this.actual.get(op.key) ?? [];
      if (err) {
        // Deleting what is already gone is success.
        if (op.kind === 'del' && err.errno === 3) {
          this.setActual(op.key, list.filter((h) => h.metric !== op.metric));
          continue;
        }
        const prefix = this.prefixes.get(op.key)!;
        const want = this.wanted.get(op.key);
        const via = want?.nextHops.map((h) => `${formatIp(h.gateway)}${h.device ? ` dev ${h.device}` : ''}`).join(', ') ?? '';
        this.noteFailure(op.key, `errno ${err.errno}`, `${op.kind === 'add' ? 'adding' : 'removing'} ${prefixKey(prefix)}${via ? ` via ${via}` : ''}: ${err.message ?? ''} (errno ${err.errno})`.replace(': (', ': ('));
        continue;
      }
      if (op.kind === 'add') {
        this.setActual(op.key, [...list.filter((h) => h.metric !== op.metric), op.installed!]);
        this.clearFailure(op.key);
      } else this.setActual(op.key, list.filter((h) => h.metric !== op.metric));
    }
  }

  private setActual(key: string, list: Installed[]): void {
    if (list.length === 0) this.actual.delete(key);
    else this.actual.set(key, list);
    if (list.length === 0 && !this.wanted.has(key) && !this.failed.has(key)) this.prefixes.delete(key);
  }

  /**
   * Send a batch of requests and collect the errors by sequence number;
   * null when some were lost.
   */
  private exchange(w: RequestWriter, lastSeq: number): Map<number, { errno: number; message: string | null }> | null {
    const errors = new Map<number, { errno: number; message: string | null }>();
    if (!this.cmd) return null;
    if (w.count === 0) return errors;
    w.ackLast();
    this.cmd.send(w.take());
    try {
      for (;;) {
        const buf = this.cmd.recv();
        if (buf === null) return null;
        for (const m of decodeMessages(buf)) {
          if (m.kind !== 'error') continue;
          if (m.errno !== 0) errors.set(m.seq, { errno: m.errno, message: m.message });
          if (m.seq === lastSeq) return errors;
        }
      }
    } catch (e) {
      if (e instanceof NetlinkError && e.errno === ENOBUFS) return null;
      throw e;
    }
  }

  private async dump(type: number, family: number): Promise<Decoded[]> {
    const sock = this.cmd!;
    const w = new RequestWriter();
    const seq = this.seq++;
    writeDump(w, type, seq, family);
    sock.send(w.take());
    const out: Decoded[] = [];
    let idle = 0;
    for (;;) {
      const buf = sock.recv();
      if (buf === null) {
        // The kernel fills the next part as we read; this is rare and short.
        if (++idle > 5000) throw new Error('netlink dump did not finish');
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      for (const m of decodeMessages(buf)) {
        if (m.kind === 'done' || (m.kind === 'error' && m.seq === seq)) return out;
        out.push(m);
      }
    }
  }

  private scheduleResync(why: string): void {
    if (this.resyncTimer) return;
    this.opts.log.debug({ why }, 'FIB resynchronising with the kernel');
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = null;
      void this.resync().catch((e: unknown) => this.opts.log.error({ err: String(e) }, 'reading the kernel routing table failed'));
    }, 50);
  }

  /** Read every route: ours into `actual`, alien host routes into `learnt`; then reconcile the differences. */
  private async resync(): Promise<void> {
    if (!this.cmd) return;
    const ours = new Map<string, Installed[]>();
    const learnt = new Map<string, LearntRoute>();
    const aliens: RtRoute[] = [];
    for (const f of [AF_INET, AF_INET6]) {
      for (const m of await this.dump(RTM_GETROUTE, f)) {
        if (m.kind !== 'route' || m.route.table !== RT_TABLE_MAIN) continue;
        const key = prefixKey(m.route.prefix);
        if (m.route.protocol === this.opts.protocol) {
          this.prefixes.set(key, m.route.prefix);
          const l = ours.get(key) ?? [];
          l.push(installedOf(m.route));
          ours.set(key, l);
        } else {
          aliens.push(m.route);
          const lr = this.learntOf(m.route);
          if (lr) learnt.set(key, lr);
        }
      }
    }
    this.aliens.reset(aliens);
    for (const key of new Set([...this.actual.keys(), ...ours.keys()])) {
      this.setActual(key, ours.get(key) ?? []);
      this.dirty.add(key);
    }
    for (const key of this.wanted.keys()) this.dirty.add(key);
    this.schedule();
    const added = [...learnt].filter(([k]) => !this.learnt.has(k)).map(([, v]) => v);
    const removed = [...this.learnt].filter(([k]) => !learnt.has(k)).map(([, v]) => v.prefix);
    this.learnt.clear();
    for (const [k, v] of learnt) this.learnt.set(k, v);
    if (added.length > 0 || removed.length > 0) this.onLearnt?.(added, removed);
  }

  /** Routes learnt so far. */
  learntRoutes(): LearntRoute[] {
    return [...this.learnt.values()];
  }

  private learntOf(r: RtRoute): LearntRoute | null {
    const host = r.prefix.afi === 1 ? 32 : 128;
    if (r.protocol === RTPROT_KERNEL || r.type !== RTN_UNICAST || r.prefix.len !== host || r.nextHops.length !== 1) return null;
    const nh = r.nextHops[0]!;
    if (nh.gateway !== null || nh.ifindex === 0) return null;
    const ifname = this.interfaces.name(nh.ifindex);
    if (!ifname) return null;
    return { prefix: r.prefix, ifname };
  }

  private drainMonitor(): void {
    const sock = this.monitor;
    if (!sock) return;
    try {
      for (let n = 0; n < 4096; n++) {
        const buf = sock.recv();
        if (buf === null) return;
        // Our own additions echo back by the thousand: not decoded. (A route of our
        // protocol added by someone else is found by the next resync instead.)
        for (const m of decodeMessages(buf, this.opts.protocol)) this.onMessage(m, true);
      }
    } catch (e) {
      if (e instanceof NetlinkError && e.errno === ENOBUFS) this.scheduleResync('notifications were lost');
      else this.opts.log.error({ err: String(e) }, 'reading kernel notifications failed');
    }
  }

  private onMessage(m: Decoded, live: boolean): void {
    switch (m.kind) {
      case 'link':
        if (this.interfaces.link(m.ifindex, m.name, m.up, m.del) && live) {
          // IPv4 routes through a device that went down or away vanish without a notification.
          this.retryFailed();
          this.scheduleResync(`link ${m.name} changed`);
          this.onInterfaces?.();
        }
        break;
      case 'addr':
        if (this.interfaces.addr(m.ifindex, m.address, m.prefixLen, m.del) && live) {
          // Connected subnets moved: recursive next hops may be on link, or off it, now.
          this.aliens.invalidate();
          for (const key of this.aliens.tracked()) if (this.wanted.has(key)) this.dirty.add(key);
          this.retryFailed();
          this.onInterfaces?.();
        }
        break;
      case 'route':
        if (live) this.onRoute(m.del, m.route);
        break;
      default:
        break;
    }
  }

  private retryFailed(): void {
    for (const key of this.failed.keys()) if (this.wanted.has(key)) this.dirty.add(key);
    this.neighbours.retry();
    this.schedule();
  }

  private onRoute(del: boolean, r: RtRoute): void {
    if (r.table !== RT_TABLE_MAIN) return;
    const key = prefixKey(r.prefix);
    if (r.protocol === this.opts.protocol) {
      const list = this.actual.get(key) ?? [];
      const has = list.some((h) => h.metric === r.metric);
      if (del && has) {
        // Someone removed a route of ours: write it again if we want it.
        this.setActual(key, list.filter((h) => h.metric !== r.metric));
        if (this.wanted.has(key)) this.markDirty(key);
      } else if (!del && !has) {
        // A route of our protocol we did not write: ours to manage.
        this.prefixes.set(key, r.prefix);
        this.setActual(key, [...list, installedOf(r)]);
        this.markDirty(key);
      }
      return;
    }
    // Routes whose next hops this route reaches are resolved again.
    for (const k of this.aliens.update(r, del)) if (this.wanted.has(k)) this.markDirty(k);
    if (del) {
      const had = this.learnt.get(key);
      if (had) {
        this.learnt.delete(key);
        this.onLearnt?.([], [had.prefix]);
      }
      return;
    }
    const lr = this.learntOf(r);
    if (lr && !this.learnt.has(key)) {
      this.learnt.set(key, lr);
      this.onLearnt?.([lr], []);
    }
  }
}

function installedOf(r: RtRoute): Installed {
  return { metric: r.metric, blackhole: r.type === RTN_BLACKHOLE, nextHops: r.nextHops };
}
