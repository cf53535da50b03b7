/**
 * The daemon's side of the metrics and health endpoints. The FIB's counts
 * come from `--fib kernel` (zero with `--fib none`); a live datastore's
 * status is read if the daemon exposes one (duck-typed), otherwise the
 * datastore counts as synced once its state is loaded.
 */
import { birdReadiness, type Verdict } from '../api/health.js';
import type { DatastoreMetrics, FibMetrics, MetricsProvider } from '../api/metrics.js';
import { startMetricsServer, type HealthProvider, type MetricsServer } from '../api/metrics-server.js';
import type { Logger } from '../lib/logger.js';
import type { ApiProvider } from '../api/provider.js';
import { daemonApiProvider } from './api-provider.js';
import type { Daemon } from './daemon.js';

/** What a daemon may expose beyond its current surface (a live datastore's status). */
interface Optional {
  datastoreStatus?(): Partial<DatastoreMetrics>;
}

export function daemonMetricsProvider(d: Daemon, opts: { datastoreType: string; thresholdMs?: number }, api: ApiProvider = daemonApiProvider(d)): MetricsProvider & HealthProvider {
  const extra = d as unknown as Optional;
  return {
    peers: () => api.peers(),
    fib(): FibMetrics | null {
      const f = d.fibStats();
      return f ? { routes: f.installed, wanted: f.wanted, pending: f.pending, failed: f.failed } : null;
    },
    datastore(): DatastoreMetrics {
      const own = extra.datastoreStatus?.() ?? {};
      return {
        type: own.type ?? opts.datastoreType,
        synced: own.synced ?? d.desired !== null,
        ...(d.desired !== null ? { lastSyncAt: own.lastSyncAt ?? d.reconfiguredAt } : {}),
        ...(own.errors !== undefined ? { errors: own.errors } : {}),
      };
    },
    readiness(): Verdict {
      return birdReadiness({
        now: Date.now(),
        startedAt: d.startedAt,
        ...(opts.thresholdMs !== undefined ? { thresholdMs: opts.thresholdMs } : {}),
        configured: d.desired !== null,
        peers: api.peers(),
      });
    },
    liveness(): Verdict {
      // Answering at all means the event loop turns; a daemon that never read its datastore is not live yet either.
      return d.desired !== null ? { ok: true, reason: 'running' } : { ok: false, reason: 'the datastore has not been read yet' };
    },
  };
}

/** `--metrics ADDR:PORT`: /metrics, /liveness and /readiness for this daemon; 'none' or absent: off. */
export async function startDaemonMetrics(d: Daemon, opts: { listen: string | undefined; datastoreType: string; log: Logger }): Promise<MetricsServer | null> {
  if (opts.listen === undefined || opts.listen === 'none') return null;
  return startMetricsServer(daemonMetricsProvider(d, { datastoreType: opts.datastoreType }), { listen: opts.listen, log: opts.log });
}
