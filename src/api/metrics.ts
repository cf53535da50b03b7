/**
 * Prometheus metrics (prom-client) for a BGP speaker in a Calico node:
 * per-peer session state and counters, the FIB, the datastore. Values are
 * pulled from a provider at scrape time, so nothing is updated on the hot
 * path; events that have no state to read (FIB programming latency and
 * errors) are pushed through the returned hooks.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PeerInfo, SessionState } from './provider.js';

export interface FibMetrics {
  /** Routes the FIB has programmed into the kernel. */
  readonly routes: number;
  /** Routes it wants in the kernel, waiting to be written, and failing to be written now. */
  readonly wanted?: number;
  readonly pending?: number;
  readonly failed?: number;
  /** Programming failures since start, if the FIB counts them (the hooks count too; the larger is shown). */
  readonly programmingErrors?: number;
}

export interface DatastoreMetrics {
  /** 'file', 'kubernetes', 'etcdv3'. */
  readonly type: string;
  /** In sync with the datastore (false while it is unreachable and the last good state is used). */
  readonly synced: boolean;
  /** Unix ms of the last successful sync, if any. */
  readonly lastSyncAt?: number;
  /** Errors talking to the datastore since start. */
  readonly errors?: number;
}

export interface MetricsProvider {
  peers(): PeerInfo[];
  /** null or absent: no FIB in this daemon (the FIB metrics stay at zero). */
  fib?(): FibMetrics | null;
  datastore(): DatastoreMetrics;
  /** Whether the node is ready by Calico's rules (see health.ts). */
  ready?(): boolean;
}

/** Pushed by whoever programs the kernel. */
export interface MetricsHooks {
  fibProgrammed(seconds: number): void;
  fibError(): void;
}

const STATES: readonly SessionState[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

export interface PetrelMetrics {
  readonly registry: Registry;
  readonly hooks: MetricsHooks;
}

/** A registry of its own (never prom-client's global one), with every petrel metric and the process metrics. */
export function createMetrics(provider: MetricsProvider, now: () => number = Date.now): PetrelMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'petrel_' });
  const peerLabels = ['peer', 'peer_address', 'peer_type', 'family'] as const;
  const labelsOf = (p: PeerInfo) => ({ peer: p.name, peer_address: p.address, peer_type: p.type, family: p.family });
  /** One snapshot per scrape: every collect() of the same scrape reads the same peers. */
  let snapshot: { at: number; peers: PeerInfo[] } | null = null;
  const peers = (): PeerInfo[] => {
    const t = now();
    if (!snapshot || t - snapshot.at > 100) snapshot = { at: t, peers: provider.peers() };
    return snapshot.peers;
  };
  const perPeer = (name: string, help: string, value: (p: PeerInfo) => number) =>
    new Gauge({
      name,
      help,
      labelNames: peerLabels,
      registers: [registry],
      collect() {
        this.reset();
        for (const p of peers()) this.set(labelsOf(p), value(p));
      },
    });

  new Gauge({
    name: 'petrel_bgp_peer_state',
    help: 'BGP session state (RFC 4271 FSM): 1 for the current state, 0 for the others',
    labelNames: [...peerLabels, 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of peers()) for (const s of STATES) this.set({ ...labelsOf(p), state: s }, p.state === s ? 1 : 0);
    },
  });
  perPeer('petrel_bgp_peer_up', 'Whether the BGP session is Established', (p) => (p.state === 'Established' ? 1 : 0));
  perPeer('petrel_bgp_peer_uptime_seconds', 'Seconds the session has been Established (0 when it is not)', (p) =>
    p.state === 'Established' && p.since !== null ? Math.max(0, (now() - p.since) / 1000) : 0,
  );
  perPeer('petrel_bgp_prefixes_received', 'Paths in the Adj-RIB-In', (p) => p.counters.prefixesReceived);
  perPeer('petrel_bgp_prefixes_accepted', 'Received paths that passed import policy', (p) => p.counters.prefixesAccepted);
  perPeer('petrel_bgp_prefixes_advertised', 'Paths in the Adj-RIB-Out', (p) => p.counters.prefixesAdvertised);

  const perPeerCounter = (name: string, help: string, value: (p: PeerInfo) => number) =>
    new Counter({
      name,
      help,
      labelNames: peerLabels,
      registers: [registry],
      collect() {
        this.reset();
        for (const p of peers()) this.inc(labelsOf(p), value(p));
      },
    });
  perPeerCounter('petrel_bgp_updates_received_total', 'UPDATE messages received', (p) => p.counters.updatesIn);
  perPeerCounter('petrel_bgp_updates_sent_total', 'UPDATE messages sent', (p) => p.counters.updatesOut);
  const notifications = (name: string, help: string, dir: 'notificationsIn' | 'notificationsOut') =>
    new Counter({
      name,
      help,
      labelNames: [...peerLabels, 'code', 'subcode'],
      registers: [registry],
      collect() {
        this.reset();
        for (const p of peers()) for (const n of p.counters[dir] ?? []) this.inc({ ...labelsOf(p), code: String(n.code), subcode: String(n.subcode) }, n.count);
      },
    });
  notifications('petrel_bgp_notifications_received_total', 'NOTIFICATION messages received, by error code and subcode', 'notificationsIn');
  notifications('petrel_bgp_notifications_sent_total', 'NOTIFICATION messages sent, by error code and subcode', 'notificationsOut');
  new Gauge({
    name: 'petrel_bgp_peers',
    help: 'Configured BGP peers by session state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of STATES) this.set({ state: s }, peers().filter((p) => p.state === s).length);
    },
  });

  const fibGauge = (name: string, help: string, value: (f: FibMetrics) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const f = provider.fib?.();
        this.set(f ? (value(f) ?? 0) : 0);
      },
    });
  fibGauge('petrel_fib_routes', 'Routes programmed into the kernel (0 without a FIB)', (f) => f.routes);
  fibGauge('petrel_fib_routes_wanted', 'Routes the kernel should have', (f) => f.wanted);
  fibGauge('petrel_fib_routes_pending', 'Routes waiting to be written to the kernel', (f) => f.pending);
  fibGauge('petrel_fib_routes_failed', 'Routes the kernel refused and that are being retried', (f) => f.failed);
  /** Failures pushed through the hooks; a FIB that counts its own is read instead when it counts more. */
  let pushedFibErrors = 0;
  new Counter({
    name: 'petrel_fib_programming_errors_total',
    help: 'Kernel route programming failures',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(Math.max(pushedFibErrors, provider.fib?.()?.programmingErrors ?? 0));
    },
  });
  const fibLatency = new Histogram({
    name: 'petrel_fib_programming_seconds',
    help: 'Time from a best-path change to the kernel acknowledging it',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });

  new Gauge({
    name: 'petrel_datastore_synced',
    help: 'Whether the desired state is in sync with the datastore (0: the last good state is in use)',
    labelNames: ['datastore'],
    registers: [registry],
    collect() {
      this.reset();
      const d = provider.datastore();
      this.set({ datastore: d.type }, d.synced ? 1 : 0);
    },
  });
  new Gauge({
    name: 'petrel_datastore_last_sync_timestamp_seconds',
    help: 'Unix time of the last successful datastore sync',
    registers: [registry],
    collect() {
      const at = provider.datastore().lastSyncAt;
      this.set(at !== undefined ? at / 1000 : 0);
    },
  });
  new Gauge({
    name: 'petrel_datastore_errors',
    help: 'Errors talking to the datastore since start',
    registers: [registry],
    collect() {
      this.set(provider.datastore().errors ?? 0);
    },
  });
  new Gauge({
    name: 'petrel_ready',
    help: "Whether the node is ready by calico-node's -bird-ready rules",
    registers: [registry],
    collect() {
      this.set(provider.ready?.() ? 1 : 0);
    },
  });

  return {
    registry,
    hooks: {
      fibProgrammed: (s) => fibLatency.observe(s),
      fibError: () => {
        pushedFibErrors++;
      },
    },
  };
}
