/**
 * One HTTP listener for Prometheus and the kubelet: GET /metrics, the
 * health endpoints /liveness (/live) and /readiness (/ready) with Calico's
 * readiness semantics. 200 when healthy, 503 with the reason otherwise.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../lib/logger.js';
import type { Verdict } from './health.js';
import { createMetrics, type MetricsHooks, type MetricsProvider } from './metrics.js';

export interface HealthProvider {
  readiness(): Verdict;
  liveness(): Verdict;
}

export interface MetricsServer {
  readonly host: string;
  readonly port: number;
  readonly hooks: MetricsHooks;
  close(): Promise<void>;
}

/** "ADDR:PORT", ":PORT" (every address) or "[v6]:PORT"; port 0 picks a free one. */
export function parseListenAddress(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`--metrics ${text}: expected ADDR:PORT, :PORT or [V6ADDR]:PORT`);
  return { host: m[1] ?? (m[2] || '::'), port };
}

export async function startMetricsServer(
  provider: MetricsProvider & HealthProvider,
  opts: { listen: string; log: Logger },
): Promise<MetricsServer> {
  const { host, port } = parseListenAddress(opts.listen);
  const log = opts.log.child({ component: 'metrics' });
  const metrics = createMetrics({ ...provider, peers: () => provider.peers(), datastore: () => provider.datastore(), ready: () => provider.readiness().ok });

  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  const health = (res: ServerResponse, v: Verdict) => send(res, v.ok ? 200 : 503, 'application/json', `${JSON.stringify({ ok: v.ok, reason: v.reason })}\n`);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/metrics':
        return send(res, 200, metrics.registry.contentType, await metrics.registry.metrics());
      case '/liveness':
      case '/live':
        return health(res, provider.liveness());
      case '/readiness':
      case '/ready':
        return health(res, provider.readiness());
      default:
        return send(res, 404, 'text/plain', 'not found: try /metrics, /liveness, /readiness\n');
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log.warn({ err: String(e) }, 'metrics request failed');
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      else res.destroy();
    });
  });
  // A scraper that never finishes its request must not hold a socket forever.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (e) => log.error({ err: e.message }, 'metrics server error'));
  const bound = server.address() as AddressInfo;
  log.info({ host: bound.address, port: bound.port }, 'metrics and health endpoints listening');
  return {
    host: bound.address,
    port: bound.port,
    hooks: metrics.hooks,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
