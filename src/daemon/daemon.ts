import { createDatastore, sessionsDisturbed, type CalicoDatastore, type DatastoreSpec, type DatastoreUpdate, type DesiredPeer, type DesiredState, type StateChange, type TranslationEnv } from '../calico/index.js';
import type { Logger } from '../lib/logger.js';
import { realTimers } from '../lib/timer.js';
import { Neighbor, type NeighborStats } from '../speaker/neighbor.js';
import { Listener } from '../transport/listener.js';
import { Peer } from '../transport/peer.js';
import { md5SelfTest } from '../transport/sockopt.js';
import type { FsmState, Negotiated } from '../session/types.js';
import { EventEmitter } from 'eventemitter3';
import { CeaseSubcode, ErrorCode } from '../wire/notification-codes.js';
import { localRoutesFor, originContextFor } from './local-routes.js';
import { BGP_PORT, nodeClusterId, transportConfigFor } from './peer-config.js';
import { RibFeed, type PeerIdentity } from './rib-feed.js';
import type { BestChange } from '../rib/loc-rib.js';
import { FibFeed, type FibOptions } from './fib-feed.js';
import { Propagator } from './propagation.js';

export interface DaemonOptions {
  readonly node: string;
  /** Where the Calico resources come from: a spec (the daemon makes the datastore) or a datastore already made. */
  readonly datastore?: DatastoreSpec | CalicoDatastore;
  /** Shorthand for `datastore: { type: 'file', path }`. */
  readonly datastorePath?: string;
  /** --listen: bind address overriding the datastore's bindMode. */
  readonly listen?: string;
  /** --port: overrides BGPConfiguration listenPort. */
  readonly port?: number;
  readonly env?: TranslationEnv;
  readonly log: Logger;
  /** Felix's endpoint-status directory, for local workload peers. */
  readonly endpointStatusDir?: string;
  /** Labs, tests and benchmarks on 127.0.0.0/8 only: accept loopback next hops. */
  readonly allowLoopbackNextHop?: boolean;
  /** `--fib kernel`: program the kernel's routes (absent: `--fib none`). */
  readonly fib?: FibOptions;
}

/** One peer as `petrel status` and the API show it. */
export interface PeerStatus {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly type: DesiredPeer['type'];
  readonly family: DesiredPeer['family'];
  readonly asNumber: number;
  readonly state: FsmState;
  /** ms since the epoch the session became Established (or null). */
  readonly since: number | null;
  readonly lastError: string | null;
  readonly stats: NeighborStats;
  /** Unix ms of the last change into or out of Established. */
  readonly lastTransition: number | null;
  readonly passive: boolean;
  readonly localAs: number;
  readonly negotiated: Negotiated | null;
  /** NOTIFICATIONs received and sent, by "code/subcode". */
  readonly notifications: { readonly in: ReadonlyMap<string, number>; readonly out: ReadonlyMap<string, number> };
  readonly holdTime: number;
  readonly keepaliveTime: number;
}

interface Running {
  desired: DesiredPeer;
  peer: Peer;
  neighbor: Neighbor;
  /** Unix ms of the last change into or out of Established (BIRD's `since`). */
  lastTransition: number | null;
}

export interface DaemonEvents {
  /** A peer's state changed, or it was added or removed. */
  peer: (name: string, event: 'changed' | 'added' | 'removed') => void;
  /** Best-path changes as they are propagated (for API watchers). */
  best: (changes: readonly BestChange[]) => void;
}

/** Best-path changes propagated per event-loop tick, so keepalives are never starved. */
const FLUSH_BATCH = 20_000;

const cease = (subcode: number) => ({ type: 'NOTIFICATION' as const, code: ErrorCode.CEASE, subcode, data: new Uint8Array(0) });

/**
 * The composition root: datastore -> desired state -> sessions and the
 * speaker. Every input is an event on Node's loop handled to completion; a
 * configuration change touches only the peers it affects.
 */
export class Daemon extends EventEmitter<DaemonEvents> {
  readonly startedAt = Date.now();
  /** Unix ms of the last configuration change applied (BIRD's "Last reconfiguration on"). */
  reconfiguredAt = this.startedAt;
  /** Its syncState is what the metrics report as the datastore's sync state. */
  readonly datastore: CalicoDatastore;
  private listener: Listener | null = null;
  private state: DesiredState | null = null;
  private readonly running = new Map<string, Running>();
  private readonly log: Logger;
  /** The Loc-RIB and what feeds it. */
  readonly rib = new RibFeed();
  private propagator: Propagator | null = null;
  private flushScheduled = false;
  private fib: FibFeed | null = null;

  constructor(private readonly opts: DaemonOptions) {
    super();
    this.log = opts.log;
    const dlog = opts.log.child({ component: 'datastore' });
    const spec = opts.datastore ?? (opts.datastorePath !== undefined ? { type: 'file' as const, path: opts.datastorePath } : undefined);
    if (spec === undefined) throw new Error('Daemon: no datastore given');
    this.datastore =
      'type' in spec
        ? createDatastore(spec, {
            nodeName: opts.node,
            ...(opts.env ? { env: opts.env } : {}),
            ...(opts.endpointStatusDir ? { endpointStatusDir: opts.endpointStatusDir } : {}),
            logger: { info: (m) => dlog.info({}, m), warn: (m) => dlog.warn({}, m), error: (m) => dlog.error({}, m) },
          })
        : spec;
  }

  get desired(): DesiredState | null {
    return this.state;
  }

  /** Load the datastore, check what the configuration needs, open the listener and start every peer. */
  async start(): Promise<void> {
    const loaded = await this.datastore.start();
    if (this.opts.fib) {
      this.fib = new FibFeed(this.opts.fib, this.rib, () => this.peers(), this.log.child({ component: 'fib' }), loaded);
      this.fib.onOriginate = () => this.reoriginate();
      await this.fib.start();
    }
    const state = this.fib ? this.fib.withBorrowed(loaded) : loaded;
    this.state = state;
    await this.checkCapabilities(state);
    this.listener = this.makeListener(state);
    this.propagator = new Propagator(state, this.isClient);
    this.rib.onChange = () => this.scheduleFlush();
    this.rib.setOriginated(state);
    for (const p of state.peers) await this.addPeer(p);
    this.datastore.on('update', (u) => void this.apply(u).catch((e: unknown) => this.log.error({ err: String(e) }, 'applying a configuration change failed')));
    this.datastore.on('rejected', (r) => this.log.error({ reason: r.reason }, `configuration rejected, previous state kept: ${r.message}`));
    this.log.info({ routerId: state.routerId, asNumber: state.asNumber, peers: state.peers.length }, 'petrel started');
  }

  private async checkCapabilities(state: DesiredState): Promise<void> {
    if (!state.peers.some((p) => p.password)) return;
    const t = await md5SelfTest();
    // Never run a password peer unauthenticated.
    if (!t.ok) throw new Error(`peers have passwords but TCP MD5 signatures do not work here: ${t.reason}`);
  }

  private listenPort(state: DesiredState): number {
    return this.opts.port ?? state.listen.port ?? BGP_PORT;
  }

  private makeListener(state: DesiredState): Listener {
    const bind = this.opts.listen
      ? { [this.opts.listen.includes(':') ? 'v6' : 'v4']: this.opts.listen }
      : state.listen.address
        ? { ...(state.listen.addresses.ipv4 ? { v4: state.listen.addresses.ipv4 } : {}), ...(state.listen.addresses.ipv6 ? { v6: state.listen.addresses.ipv6 } : {}) }
        : {};
    return new Listener(this.listenPort(state), this.log.child({ component: 'listener' }), bind);
  }

  private async addPeer(desired: DesiredPeer): Promise<void> {
    const state = this.state!;
    const log = this.log.child({ peer: desired.name });
    const peer = new Peer(this.fibSession(transportConfigFor(state, desired, state.node, this.opts.allowLoopbackNextHop ?? false)), this.listener!, log);
    const neighbor = new Neighbor(desired.name, peer, realTimers, log, this.rib);
    neighbor.setPrefixLimit(desired.maxPrefixes ?? null);
    const r: Running = { desired, peer, neighbor, lastTransition: null };
    peer.on('established', (neg) => {
      r.lastTransition = Date.now();
      this.rib.setIdentity(desired.name, this.identityFor(r, neg));
      neighbor.onEstablished(neg, localRoutesFor(this.state!, r.desired), originContextFor(this.state!, r.desired), this.propagator!.groupFor(r, neg, this.rib.rib));
    });
    peer.on('update', (d) => neighbor.onUpdate(d));
    peer.on('routeRefresh', (m) => neighbor.onRouteRefresh(m));
    peer.on('down', (_reason, graceful, restartTime) => {
      r.lastTransition = Date.now();
      neighbor.onDown(graceful, restartTime);
    });
    peer.on('state', () => this.emit('peer', desired.name, 'changed'));
    this.running.set(desired.name, r);
    this.emit('peer', desired.name, 'added');
    await peer.start();
  }

  /** What the Loc-RIB needs to rank and import a peer's paths. */
  private identityFor(r: Running, neg: Negotiated): PeerIdentity {
    return {
      address: r.desired.address,
      routerId: neg.peerRouterId,
      ebgp: !r.desired.internal,
      localAs: r.desired.localAsNumber ?? this.state!.asNumber,
      allowLocalAs: r.desired.allowLocalAs ?? 0,
      importFilters: r.desired.importFilters,
    };
  }

  private removePeer(name: string, subcode: number): void {
    const r = this.running.get(name);
    if (!r) return;
    this.running.delete(name);
    this.emit('peer', name, 'removed');
    r.peer.stop(cease(subcode));
    r.neighbor.onDown(false, 0);
    this.rib.setIdentity(name, null);
    r.neighbor.destroy();
    // Give the Cease a moment on the wire before the sockets go.
    setTimeout(() => r.peer.destroy(), 1000).unref();
  }

  /** Apply a datastore change: only what it affects. */
  async apply(u: DatastoreUpdate): Promise<void> {
    if (this.fib) u = { ...u, state: this.fib.setState(u.state) };
    const previous = this.state;
    this.state = u.state;
    this.reconfiguredAt = Date.now();
    this.propagator?.setState(u.state);
    this.rib.setOriginated(u.state);
    const disturbed = sessionsDisturbed(u.changes);
    this.log.info({ changes: u.changes.map((c) => c.kind), resets: disturbed }, 'configuration changed');
    for (const c of u.changes) await this.applyChange(c);
    // Our own routes (blocks, export policy, communities, addresses) and the
    // learnt ones (export policy, reflection) may differ for any peer.
    for (const r of this.running.values()) {
      const neg = r.peer.negotiated;
      if (!r.neighbor.established || !neg) continue;
      r.neighbor.updateLocalRoutes(localRoutesFor(u.state, r.desired), originContextFor(u.state, r.desired));
      // A peer whose export settings changed without a reset moves to its new group.
      r.neighbor.regroup(this.propagator!.groupFor(r, neg, this.rib.rib));
    }
    // Re-deriving every group's table walks the whole Loc-RIB: only when what learnt paths export as may have changed.
    if (previous === null || learntExportAffected(previous, u.state, u.changes)) this.propagator!.resync(this.rib.rib);
  }

  /** GR restart state on sessions while the FIB converges after a restart that kept kernel routes. */
  private readonly fibSession = (c: Parameters<FibFeed['sessionConfig']>[0]) => this.fib?.sessionConfig(c) ?? c;

  /** The kernel taught the FIB borrowed /32s (or took them away): originate them like blocks. */
  private reoriginate(): void {
    if (!this.state || !this.fib) return;
    this.state = this.fib.withBorrowed(this.fib.baseState);
    this.rib.setOriginated(this.state);
    for (const r of this.running.values()) if (r.neighbor.established) r.neighbor.updateLocalRoutes(localRoutesFor(this.state, r.desired), originContextFor(this.state, r.desired));
  }

  private readonly isClient = (peer: string): boolean => this.running.get(peer)?.desired.routeReflectorClient ?? false;

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Propagate best-path changes to every established peer, a bounded batch per tick. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.rib.takeChanges(FLUSH_BATCH);
    this.fib?.changed(batch);
    this.propagator!.propagate(batch);
    if (this.listenerCount('best') > 0) this.emit('best', batch);
    if (this.rib.pendingCount > 0) this.scheduleFlush();
  }

  private async applyChange(c: StateChange): Promise<void> {
    switch (c.kind) {
      case 'peerAdded':
        await this.addPeer(c.peer);
        break;
      case 'peerRemoved':
        this.removePeer(c.name, CeaseSubcode.PEER_DE_CONFIGURED);
        break;
      case 'peerChanged':
        if (c.resetRequired) {
          this.removePeer(c.name, CeaseSubcode.OTHER_CONFIGURATION_CHANGE);
          await this.addPeer(c.after);
        } else {
          const r = this.running.get(c.name);
          // Policy-only changes reach the peer through updateLocalRoutes; the session stays.
          if (r) {
            r.desired = c.after;
            r.neighbor.setPrefixLimit(c.after.maxPrefixes ?? null);
            const neg = r.peer.negotiated;
            if (c.reimportRequired && neg) {
              // Import rules changed: run them again over the stored Adj-RIB-In (pre-policy), no route refresh needed.
              this.rib.setIdentity(c.name, this.identityFor(r, neg));
              this.rib.announced(c.name, [...r.neighbor.adjRibIn.entries()]);
            }
          }
        }
        break;
      case 'listenChanged': {
        const old = this.listener;
        this.listener = this.makeListener(this.state!);
        // Established sessions keep their sockets; only new connections use the new listener.
        for (const r of this.running.values()) await r.peer.rebind(this.listener);
        await old?.close();
        break;
      }
      default:
        // Kernel, pool and static-route changes belong to the FIB; node settings to logging.
        break;
    }
  }

  peers(): PeerStatus[] {
    return [...this.running.values()]
      .map((r) => ({
        name: r.desired.name,
        address: r.desired.address,
        port: r.desired.port ?? this.listenPort(this.state!),
        type: r.desired.type,
        family: r.desired.family,
        asNumber: r.desired.asNumber,
        state: r.peer.state,
        since: r.peer.connection.since,
        lastTransition: r.lastTransition,
        lastError: r.peer.lastError,
        stats: r.neighbor.stats(),
        passive: r.desired.passive,
        localAs: r.desired.localAsNumber ?? this.state!.asNumber,
        negotiated: r.peer.negotiated,
        notifications: r.peer.notificationCounts(),
        holdTime: r.peer.config.session.holdTime,
        keepaliveTime: r.peer.config.session.keepaliveTime ?? Math.floor(r.peer.config.session.holdTime / 3),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  neighbor(name: string): Neighbor | null {
    return this.running.get(name)?.neighbor ?? null;
  }

  /** The kernel FIB's route counts (`--fib kernel`); null without one. */
  fibStats(): ReturnType<FibFeed['stats']> | null {
    return this.fib?.stats() ?? null;
  }

  /** The port BGP listens on. */
  get port(): number {
    return this.state ? this.listenPort(this.state) : BGP_PORT;
  }

  async stop(): Promise<void> {
    this.datastore.stop();
    this.fib?.stop();
    for (const r of this.running.values()) {
      // Kernel routes persist (BIRD's persist): close without a NOTIFICATION so GR peers keep ours too.
      if (this.fib) r.peer.destroy();
      else r.peer.stop(cease(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN));
      r.neighbor.destroy();
    }
    await new Promise((res) => setTimeout(res, 200));
    for (const r of this.running.values()) r.peer.destroy();
    this.running.clear();
    await this.listener?.close();
  }
}

/** Whether a change can alter what learnt paths are exported as (policy, reflection, identity, next-hop-self address). */
export function learntExportAffected(before: DesiredState, after: DesiredState, changes: readonly StateChange[]): boolean {
  if (before.routerId !== after.routerId || before.asNumber !== after.asNumber || nodeClusterId(before) !== nodeClusterId(after)) return true;
  return changes.some(
    (c) =>
      c.kind === 'exportPolicyChanged' ||
      (c.kind === 'peerChanged' && c.reexportRequired) ||
      (c.kind === 'nodeSettingsChanged' && c.fields.some((f) => f === 'normalRoutePriority' || f === 'nodeAddresses')),
  );
}
