/** Calico's readiness rules, the Prometheus metrics and their HTTP endpoints, with scripted providers. */
import assert from 'node:assert/strict';
import { birdReadiness, type ReadinessInput } from '../../../src/api/health.js';
import { createMetrics, type MetricsProvider } from '../../../src/api/metrics.js';
import { parseListenAddress, startMetricsServer } from '../../../src/api/metrics-server.js';
import type { PeerInfo } from '../../../src/api/provider.js';
import { parseLogLevel } from '../../../src/daemon/pino-logger.js';
import { nullLogger } from '../../../src/lib/logger.js';
import { birdPeers } from './bird-fake.js';

const T0 = 1_700_000_000_000;
const input = (over: Partial<ReadinessInput>): ReadinessInput => ({ now: T0 + 5000, startedAt: T0, configured: true, peers: birdPeers, ...over });

describe('api/health: calico-node -bird-ready semantics', function () {
  it('within the threshold every checked peer must be Established', function () {
    assert.deepEqual(birdReadiness(input({})), { ok: false, reason: 'BIRD is not ready: BGP not established with 198.19.77.9,198.19.77.3' });
    const up = birdPeers.filter((p) => p.state === 'Established');
    assert.equal(birdReadiness(input({ peers: up })).ok, true);
    assert.deepEqual(birdReadiness(input({ peers: up, gracefulRestartInProgress: true })), { ok: false, reason: 'BIRD is not ready: graceful restart in progress' });
  });

  it('after the threshold one Established peer is enough, none is not', function () {
    assert.equal(birdReadiness(input({ now: T0 + 30_000 })).ok, true);
    const none = birdPeers.map((p) => ({ ...p, state: 'Active' as const }));
    assert.equal(birdReadiness(input({ now: T0 + 60_000, peers: none })).ok, false);
    assert.equal(birdReadiness(input({ now: T0 + 1000, thresholdMs: 500 })).ok, true);
  });

  it('ignores what calico-node cannot see: local workload peers, down peers without an error; no peers is ready', function () {
    const lw: PeerInfo = { ...birdPeers[1]!, name: 'Local_Workload_10_65_0_2', type: 'localWorkload' };
    const up = birdPeers.filter((p) => p.state === 'Established');
    assert.equal(birdReadiness(input({ peers: [...up, lw, birdPeers[3]!] })).ok, true);
    assert.equal(birdReadiness(input({ peers: [] })).ok, true);
    assert.equal(birdReadiness(input({ peers: [], configured: false })).ok, false);
  });
});

function provider(peers: () => PeerInfo[], fib: { routes: number; failed?: number } | null = null): MetricsProvider {
  return { peers, fib: () => fib, datastore: () => ({ type: 'kubernetes', synced: false, lastSyncAt: T0, errors: 3 }), ready: () => false };
}

describe('api/metrics: Prometheus exposition', function () {
  it('per-peer state as an enum, up, uptime, prefixes, updates and NOTIFICATIONs by code/subcode', async function () {
    const peers = birdPeers.map((p, i) => ({ ...p, counters: { ...p.counters, updatesIn: 10 + i, notificationsIn: i === 0 ? [{ code: 6, subcode: 2, count: 4 }] : [] } }));
    const m = createMetrics(provider(() => peers), () => birdPeers[0]!.since! + 12_500);
    const text = await m.registry.metrics();
    const mesh = 'peer="Mesh_198_19_77_2",peer_address="198.19.77.2",peer_type="mesh",family="ipv4"';
    assert.match(text, new RegExp(`\\npetrel_bgp_peer_state\\{${mesh},state="Established"\\} 1\\n`));
    assert.match(text, new RegExp(`\\npetrel_bgp_peer_state\\{${mesh},state="Active"\\} 0\\n`));
    assert.match(text, /\npetrel_bgp_peer_state\{peer="Node_198_19_77_9",[^}]*state="Active"\} 1\n/);
    assert.match(text, new RegExp(`\\npetrel_bgp_peer_up\\{${mesh}\\} 1\\n`));
    assert.match(text, new RegExp(`\\npetrel_bgp_peer_uptime_seconds\\{${mesh}\\} 12.5\\n`));
    assert.match(text, /\npetrel_bgp_peer_uptime_seconds\{peer="Node_198_19_77_9",[^}]*\} 0\n/);
    assert.match(text, new RegExp(`\\npetrel_bgp_prefixes_advertised\\{${mesh}\\} 3\\n`));
    assert.match(text, /# TYPE petrel_bgp_updates_received_total counter\n/);
    assert.match(text, new RegExp(`\\npetrel_bgp_updates_received_total\\{${mesh}\\} 10\\n`));
    assert.match(text, new RegExp(`\\npetrel_bgp_notifications_received_total\\{${mesh},code="6",subcode="2"\\} 4\\n`));
    assert.match(text, /\npetrel_bgp_peers\{state="Established"\} 1\n/);
    assert.match(text, /\npetrel_datastore_synced\{datastore="kubernetes"\} 0\n/);
    assert.match(text, /\npetrel_datastore_errors 3\n/);
    assert.match(text, /\npetrel_fib_routes 0\n/);
    assert.match(text, /\npetrel_ready 0\n/);
    assert.match(text, /\npetrel_process_cpu_user_seconds_total /);
  });

  it('a removed peer disappears at the next scrape; FIB counts and hooks show', async function () {
    let peers: PeerInfo[] = birdPeers;
    let t = T0;
    const m = createMetrics(provider(() => peers, { routes: 42, failed: 1 }), () => (t += 1000));
    assert.match(await m.registry.metrics(), /peer="Global_198_19_77_4"/);
    peers = birdPeers.slice(0, 1);
    const text = await m.registry.metrics();
    assert.doesNotMatch(text, /peer="Global_198_19_77_4"/);
    assert.match(text, /\npetrel_fib_routes 42\n/);
    assert.match(text, /\npetrel_fib_routes_failed 1\n/);
    m.hooks.fibProgrammed(0.002);
    m.hooks.fibError();
    m.hooks.fibError();
    const after = await m.registry.metrics();
    assert.match(after, /\npetrel_fib_programming_seconds_count 1\n/);
    assert.match(after, /\npetrel_fib_programming_seconds_bucket\{le="0.005"\} 1\n/);
    assert.match(after, /\npetrel_fib_programming_errors_total 2\n/);
  });
});

describe('api/metrics-server: /metrics, /liveness, /readiness', function () {
  it('answers with 200 or 503 and the reason; 404 and 405 otherwise', async function () {
    let ready = false;
    const s = await startMetricsServer(
      {
        ...provider(() => birdPeers),
        readiness: () => (ready ? { ok: true, reason: 'fine' } : { ok: false, reason: 'BIRD is not ready: BGP not established with 198.19.77.9' }),
        liveness: () => ({ ok: true, reason: 'running' }),
      },
      { listen: '127.0.0.1:0', log: nullLogger },
    );
    try {
      const get = async (path: string, method = 'GET') => {
        const r = await fetch(`http://127.0.0.1:${s.port}${path}`, { method });
        return { status: r.status, body: await r.text(), type: r.headers.get('content-type') };
      };
      const m = await get('/metrics');
      assert.equal(m.status, 200);
      assert.match(m.type ?? '', /^text\/plain; version=0\.0\.4/);
      assert.match(m.body, /petrel_bgp_peer_up/);
      assert.deepEqual(await get('/readiness'), { status: 503, body: '{"ok":false,"reason":"BIRD is not ready: BGP not established with 198.19.77.9"}\n', type: 'application/json' });
      ready = true;
      assert.equal((await get('/ready')).status, 200);
      assert.equal((await get('/liveness')).status, 200);
      assert.equal((await get('/live')).status, 200);
      assert.equal((await get('/nope')).status, 404);
      assert.equal((await get('/metrics', 'POST')).status, 405);
    } finally {
      await s.close();
    }
  });

  it('parses --metrics addresses', function () {
    assert.deepEqual(parseListenAddress('0.0.0.0:9900'), { host: '0.0.0.0', port: 9900 });
    assert.deepEqual(parseListenAddress(':9900'), { host: '::', port: 9900 });
    assert.deepEqual(parseListenAddress('[::1]:9900'), { host: '::1', port: 9900 });
    assert.throws(() => parseListenAddress('9900'), /--metrics 9900: expected ADDR:PORT/);
    assert.throws(() => parseListenAddress('1.2.3.4:70000'), /expected/);
  });
});

describe('daemon/pino-logger: Calico log severities', function () {
  it('maps logSeverityScreen / BGP_LOGSEVERITYSCREEN values to pino levels', function () {
    assert.equal(parseLogLevel('Warning'), 'warn');
    assert.equal(parseLogLevel('INFO'), 'info');
    assert.equal(parseLogLevel('debug'), 'debug');
    assert.equal(parseLogLevel('Panic'), 'fatal');
    assert.equal(parseLogLevel('fatal'), 'fatal');
    assert.equal(parseLogLevel('none'), 'none');
    assert.equal(parseLogLevel('verbose'), null);
  });
});
