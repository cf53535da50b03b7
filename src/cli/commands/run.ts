import { parseArgs } from 'node:util';
import { describeSpec, parseDatastoreSpec } from '../../calico/index.js';
import { DEFAULT_API_SOCKET, startApiServer } from '../../api/index.js';
import type { MetricsServer } from '../../api/metrics-server.js';
import { daemonApiProvider } from '../../daemon/api-provider.js';
import { Daemon } from '../../daemon/daemon.js';
import { startBirdSockets } from '../../daemon/bird-provider.js';
import { createLogger, parseLogLevel } from '../../daemon/pino-logger.js';

const DEFAULT_ENDPOINT_STATUS_DIR = '/var/run/calico/endpoint-status';

/**
 * `petrel run`: the daemon. Flags win over calico-node's environment
 * variables (NODENAME, DATASTORE_TYPE, KUBECONFIG, ETCD_ENDPOINTS and the
 * ETCD_*_FILE TLS files, CALICO_DATASTORE_FILE, CALICO_ROUTER_ID,
 * BGP_LOGSEVERITYSCREEN).
 */
export async function runDaemon(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      node: { type: 'string' },
      datastore: { type: 'string' },
      listen: { type: 'string' },
      port: { type: 'string' },
      fib: { type: 'string', default: 'none' },
      'route-protocol': { type: 'string', default: '12' },
      'api-socket': { type: 'string' },
      'api-listen': { type: 'string' },
      'log-level': { type: 'string' },
      'bird-socket': { type: 'string' },
      'bird6-socket': { type: 'string' },
      metrics: { type: 'string' },
      'allow-loopback-next-hops': { type: 'boolean', default: false },
      'endpoint-status-dir': { type: 'string' },
    },
  });
  const node = values.node ?? process.env.NODENAME;
  if (!node) throw new Error('--node NAME (or NODENAME) is required');
  const datastore = parseDatastoreSpec(values.datastore, process.env);
  if (!datastore) throw new Error('--datastore file:PATH | kubernetes | etcdv3:ENDPOINTS (or DATASTORE_TYPE) is required');
  const levelText = values['log-level'] ?? process.env.BGP_LOGSEVERITYSCREEN ?? 'info';
  const level = parseLogLevel(levelText);
  if (!level) throw new Error(`--log-level ${levelText}: must be one of debug, info, warning, error, fatal, panic, none`);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new Error(`--port ${values.port}: not a TCP port`);
  const proto = Number(values['route-protocol']);
  // 1-3 are the kernel's own (redirect, kernel, boot: Felix's workload routes); petrel would take them for its own.
  if (!Number.isInteger(proto) || proto < 4 || proto > 255) throw new Error(`--route-protocol ${values['route-protocol']}: must be 4-255 (12 is bird)`);
  if (values.fib !== 'none' && values.fib !== 'kernel') throw new Error('--fib must be kernel or none');
  const log = createLogger(level, { node });
  const daemon = new Daemon({
    node,
    datastore,
    ...(values.listen ? { listen: values.listen } : {}),
    ...(port !== undefined ? { port } : {}),
    allowLoopbackNextHop: values['allow-loopback-next-hops'],
    ...(values.fib === 'kernel' ? { fib: { protocol: proto } } : {}),
    // calico-node's Felix writes workload status here (local workload peering).
    endpointStatusDir: values['endpoint-status-dir'] ?? DEFAULT_ENDPOINT_STATUS_DIR,
    env: { ...(process.env.CALICO_ROUTER_ID ? { CALICO_ROUTER_ID: process.env.CALICO_ROUTER_ID } : {}) },
    log,
  });
  log.info({ datastore: describeSpec(datastore) }, 'reading the datastore');
  await daemon.start();
  // The Unix socket always; TCP (host:port) only when asked: the API has no authentication of its own.
  const api = await startApiServer(daemonApiProvider(daemon), { unixSocket: values['api-socket'] ?? DEFAULT_API_SOCKET, ...(values['api-listen'] ? { tcp: values['api-listen'] } : {}), log });
  // calico-node's bird.ctl/bird6.ctl (calicoctl node status, -bird-ready) and the metrics/health port.
  const birdOpts = { ...(values['bird-socket'] ? { socket: values['bird-socket'] } : {}), ...(values['bird6-socket'] ? { socket6: values['bird6-socket'] } : {}), log };
  const bird = await startBirdSockets(daemon, birdOpts).catch(async (e: unknown) => {
    await Promise.all([api.close(), daemon.stop()]);
    throw e;
  });
  // Loaded only when asked for: prom-client costs every other command's start-up time.
  let metrics: MetricsServer | null = null;
  if (values.metrics !== undefined && values.metrics !== 'none') {
    const { startDaemonMetrics } = await import('../../daemon/metrics-provider.js');
    metrics = await startDaemonMetrics(daemon, { listen: values.metrics, datastoreType: datastore.type, log }).catch(async (e: unknown) => {
      await Promise.all([api.close(), bird.close(), daemon.stop()]);
      throw e;
    });
  }
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      log.info({ signal: sig }, 'shutting down');
      void Promise.all([api.close(), bird.close(), metrics?.close()])
        .then(() => daemon.stop())
        .then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
