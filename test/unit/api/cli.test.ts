import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { showRouteLine } from '../../../src/api/bird-format.js';
import { startApiServer, type ApiServer } from '../../../src/api/server.js';
import { renderTable } from '../../../src/cli/commands/status.js';
import { nullLogger } from '../../../src/lib/logger.js';
import { FakeProvider, peers, RECENT, richPaths } from './fake-provider.js';

const main = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real CLI in a child process, in UTC so BIRD's local times are predictable. */
function petrel(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', main, ...args], { env: { ...process.env, TZ: 'UTC' }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** HH:MM:SS in UTC: BIRD's %T within 20 hours. */
const recent = new Date(RECENT).toISOString().slice(11, 19);

describe('api: BIRD and calicoctl layouts', () => {
  it('renders the table as calicoctl (tablewriter) does', () => {
    // The sample in Calico's docs for `calicoctl node status`.
    assert.equal(
      renderTable(['PEER ADDRESS', 'PEER TYPE', 'STATE', 'SINCE', 'INFO'], [['172.17.8.102', 'node-to-node mesh', 'up', '23:30:04', 'Established']]),
      [
        '+--------------+-------------------+-------+----------+-------------+',
        '| PEER ADDRESS |     PEER TYPE     | STATE |  SINCE   |    INFO     |',
        '+--------------+-------------------+-------+----------+-------------+',
        '| 172.17.8.102 | node-to-node mesh | up    | 23:30:04 | Established |',
        '+--------------+-------------------+-------+----------+-------------+',
        '',
      ].join('\n'),
    );
  });

  it('wraps cells over 30 columns at words, as tablewriter does', () => {
    const t = renderTable(['INFO'], [['Connect Socket: Connection reset by peer']]);
    assert.equal(
      t,
      [
        '+--------------------------------+',
        '|              INFO              |',
        '+--------------------------------+',
        '| Connect Socket: Connection     |',
        '| reset by peer                  |',
        '+--------------------------------+',
        '',
      ].join('\n'),
    );
  });

  it('prints a route as birdc show route does', () => {
    const line = showRouteLine(
      { ...richPaths[0]!, asPath: [{ type: 'sequence', numbers: [65001] }], since: Date.UTC(2022, 2, 21) },
      { firstOfPrefix: true, table: 'loc', now: Date.now() },
    );
    assert.equal(line, '10.244.1.0/26      via 10.0.0.2 on eth0 [Mesh_10_0_0_2 2022-03-21] * (100/0) [AS65001i]');
  });
});

describe('api: petrel status and petrel routes', function () {
  this.timeout(30_000);
  let dir: string;
  let sock: string;
  let server: ApiServer;
  let provider: FakeProvider;
  const runs: Record<string, Promise<Run>> = {};

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'petrel-cli-'));
    sock = join(dir, 'petrel.sock');
    provider = new FakeProvider();
    server = await startApiServer(provider, { unixSocket: sock, log: nullLogger });
    // Start every child at once: each costs a Node start-up, not the socket.
    const missing = join(dir, 'none.sock');
    runs.status = petrel(['status', '--api-socket', sock]);
    runs.statusJson = petrel(['status', '--json', '--api-socket', sock]);
    runs.routes = petrel(['routes', '--api-socket', sock]);
    runs.routesJson = petrel(['routes', '--json', '--table', 'in', '--peer', 'Mesh_10_0_0_2', '--family', 'ipv4', '--api-socket', sock]);
    runs.routesBadArgs = petrel(['routes', '--table', 'out', '--api-socket', sock]);
    runs.statusDown = petrel(['status', '--api-socket', missing]);
    runs.routesDown = petrel(['routes', '--api-socket', missing]);
    await Promise.all(Object.values(runs));
  });

  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('status prints the IPv4 and IPv6 peers in calicoctl node status layout', async () => {
    const r = await runs.status!;
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const expected = [
      'petrel process is running.',
      '',
      'IPv4 BGP status',
      '+--------------+-------------------+-------+------------+--------------------------------+',
      '| PEER ADDRESS |     PEER TYPE     | STATE |   SINCE    |              INFO              |',
      '+--------------+-------------------+-------+------------+--------------------------------+',
      '| 192.0.2.1    | global            | start | 2024-01-02 | Passive                        |',
      `| 10.0.0.2     | node-to-node mesh | up    | ${recent}   | Established                    |`,
      `| 10.0.0.9     | node specific     | start | ${recent}   | Active Socket: Connection      |`,
      '|              |                   |       |            | refused                        |',
      '+--------------+-------------------+-------+------------+--------------------------------+',
      '',
      'IPv6 BGP status',
      '+------------------------+-------------------+-------+----------+-------------+',
      '|      PEER ADDRESS      |     PEER TYPE     | STATE |  SINCE   |    INFO     |',
      '+------------------------+-------------------+-------+----------+-------------+',
      `| fd80:24e2:f998:72d7::2 | node-to-node mesh | up    | ${recent} | Established |`,
      '+------------------------+-------------------+-------+----------+-------------+',
      '',
      '',
    ].join('\n');
    assert.equal(r.stdout, expected);
  });

  it('status --json prints the raw peer list', async () => {
    const r = await runs.statusJson!;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), peers);
  });

  it('routes prints the table as birdc show route does', async () => {
    const r = await runs.routes!;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        `10.244.1.0/26      via 10.0.0.2 on eth0 [Mesh_10_0_0_2 ${recent}] * (100/0) [i]`,
        `                   via 10.0.0.3 [Node_10_0_0_9 2024-01-02 from 10.0.0.9] (100) [AS65001?]`,
        `10.244.7.64/26     blackhole [static1 ${recent}] * (200)`,
        `fd00:10:244:1::/122 via fd80:24e2:f998:72d7::2 [Mesh_fd80_24e2_f998_72d7__2 ${recent}] * (100) [AS65001e]`,
        '',
      ].join('\n'),
    );
  });

  it('routes --json prints the Path objects and passes table, peer and family', async () => {
    const r = await runs.routesJson!;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), richPaths);
    assert.ok(provider.queries.some((q) => q.table === 'in' && q.peer === 'Mesh_10_0_0_2' && q.family === 'ipv4'));
  });

  it('routes refuses an Adj-RIB without a peer', async () => {
    const r = await runs.routesBadArgs!;
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'petrel: routes: --table out needs --peer NAME\n');
  });

  it('both commands say so and exit 1 when the daemon is not reachable', async () => {
    for (const r of [await runs.statusDown!, await runs.routesDown!]) {
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, `petrel: cannot reach petrel at ${join(dir, 'none.sock')}: is \`petrel run\` running?\n`);
    }
  });
});
