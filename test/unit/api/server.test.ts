import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ApiCallError, ApiUnreachableError, connectApi, type ApiClient } from '../../../src/api/client.js';
import { ApiError, type PathInfo } from '../../../src/api/provider.js';
import { startApiServer, type ApiServer } from '../../../src/api/server.js';
import { nullLogger } from '../../../src/lib/logger.js';
import { FakeProvider, path, peers, richPaths, status } from './fake-provider.js';

async function rejects(p: Promise<unknown>, code: GrpcStatus, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ApiCallError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('api: gRPC server and client', function () {
  this.timeout(60_000); // 100k paths through gRPC: functional, not timed (slow CI machines)
  let dir: string;
  let sock: string;
  let provider: FakeProvider;
  let server: ApiServer;
  let client: ApiClient;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'petrel-api-'));
    sock = join(dir, 'run', 'petrel.sock');
    provider = new FakeProvider();
    server = await startApiServer(provider, { unixSocket: sock, log: nullLogger });
    client = connectApi(sock);
  });

  afterEach(async () => {
    client.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the socket directory and serves with mode 0660; close removes the socket', async () => {
    const st = await stat(sock);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o660);
    await server.close();
    await assert.rejects(stat(sock), { code: 'ENOENT' });
  });

  it('GetStatus', async () => {
    assert.deepEqual(await client.status(), status);
  });

  it('ListPeers returns every field of every peer, and one peer by name', async () => {
    assert.deepEqual(await client.listPeers(), peers);
    assert.deepEqual(await client.listPeers('Mesh_10_0_0_2'), [peers[2]]);
    await rejects(client.listPeers('Mesh_10_9_9_9'), GrpcStatus.NOT_FOUND, /no peer named Mesh_10_9_9_9/);
  });

  it('WatchPeers sends the initial state, then changes, and unsubscribes when cancelled', async () => {
    const watch = client.watchPeers({ initial: true });
    const it = watch[Symbol.asyncIterator]();
    for (const p of peers) assert.deepEqual((await it.next()).value, { event: 'initial', peer: p });
    const mesh = peers[2]!;
    const down = { ...mesh, state: 'Idle' as const, since: Date.now(), lastError: 'Received: Hold timer expired', negotiated: null };
    provider.emit(down);
    provider.emit(mesh, 'removed');
    assert.deepEqual((await it.next()).value, { event: 'changed', peer: down });
    assert.deepEqual((await it.next()).value, { event: 'removed', peer: mesh });
    assert.equal(provider.listeners.size, 1);
    watch.cancel();
    assert.equal((await it.next()).done, true);
    for (let i = 0; i < 50 && provider.listeners.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(provider.listeners.size, 0, 'the server unsubscribed from the provider');
  });

  it('WatchPeers filters by name; close() ends open watches', async () => {
    const watch = client.watchPeers({ name: 'Node_10_0_0_9' });
    const got = collect(watch);
    while (provider.listeners.size === 0) await new Promise((r) => setTimeout(r, 5));
    provider.emit(peers[2]!);
    provider.emit(peers[4]!);
    await new Promise((r) => setTimeout(r, 50));
    await server.close();
    assert.deepEqual(await got, [{ event: 'changed', peer: peers[4] }]);
    assert.equal(provider.listeners.size, 0);
  });

  it('ListPaths passes the query and returns every attribute', async () => {
    assert.deepEqual(await collect(client.listPaths({ table: 'loc' })), richPaths);
    await collect(client.listPaths({ table: 'in', peer: 'Mesh_10_0_0_2', family: 'ipv6' }));
    assert.deepEqual(provider.queries, [{ table: 'loc' }, { table: 'in', peer: 'Mesh_10_0_0_2', family: 'ipv6' }]);
    await rejects(collect(client.listPaths({ table: 'out' })), GrpcStatus.INVALID_ARGUMENT, /need a peer name/);
  });

  it('ListPaths reports the provider\'s errors', async () => {
    client.close();
    await server.close();
    const failing = new FakeProvider((q) => {
      if (q.peer === 'nobody') throw new ApiError('not-found', 'no peer named nobody');
      return (async function* () {
        yield path(1);
        throw new Error('table walk failed');
      })();
    });
    server = await startApiServer(failing, { unixSocket: sock, log: nullLogger });
    client = connectApi(sock);
    await rejects(collect(client.listPaths({ table: 'in', peer: 'nobody' })), GrpcStatus.NOT_FOUND, /no peer named nobody/);
    await rejects(collect(client.listPaths({ table: 'loc' })), GrpcStatus.INTERNAL, /table walk failed/);
  });

  it('streams a 100k-path table: the client gets paths while the provider is still producing, with bounded lag', async () => {
    client.close();
    await server.close();
    const total = 100_000;
    let produced = 0;
    let maxLag = 0;
    let finished = false;
    const table = new FakeProvider(() =>
      (async function* () {
        try {
          for (; produced < total; ) {
            const p = path(produced);
            produced++;
            yield p;
          }
        } finally {
          finished = true;
        }
      })(),
    );
    server = await startApiServer(table, { unixSocket: sock, log: nullLogger });
    client = connectApi(sock);
    let received = 0;
    let producedAtFirst = -1;
    for await (const p of client.listPaths({ table: 'loc' })) {
      if (received === 0) producedAtFirst = produced;
      if (received % 5000 === 0) assert.equal(p.prefix, path(received).prefix);
      received++;
      maxLag = Math.max(maxLag, produced - received);
    }
    assert.equal(received, total);
    assert.ok(producedAtFirst > 0 && producedAtFirst < 10_000, `first path arrived after ${producedAtFirst} were produced`);
    // Only flow-control windows and one batch are in flight, never the table.
    assert.ok(maxLag < 10_000, `the provider ran ${maxLag} paths ahead of the client`);
    assert.ok(finished);
  });

  it('stops pulling from the provider when the client stops reading', async () => {
    client.close();
    await server.close();
    let produced = 0;
    let finished = false;
    const endless = new FakeProvider(() =>
      (async function* () {
        try {
          for (;;) yield path(produced++);
        } finally {
          finished = true;
        }
      })(),
    );
    server = await startApiServer(endless, { unixSocket: sock, log: nullLogger });
    client = connectApi(sock);
    let n = 0;
    for await (const _ of client.listPaths({ table: 'loc' })) if (++n === 1000) break;
    for (let i = 0; i < 100 && !finished; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(finished, 'the provider\'s iterator was closed');
    const at = produced;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(produced, at);
  });

  it('AddPath and DeletePath answer UNIMPLEMENTED without provider support', async () => {
    const p: PathInfo = richPaths[0]!;
    await rejects(client.addPath(p), GrpcStatus.UNIMPLEMENTED, /does not accept injected paths/);
    await rejects(client.deletePath({ family: 'ipv4', prefix: p.prefix, pathId: 0 }), GrpcStatus.UNIMPLEMENTED, /does not accept/);
  });

  it('AddPath and DeletePath reach the provider, and its errors reach the client', async () => {
    client.close();
    await server.close();
    const injecting = new FakeProvider(undefined, { inject: true });
    server = await startApiServer(injecting, { unixSocket: sock, log: nullLogger });
    client = connectApi(sock);
    const injected = {
      family: 'ipv4' as const,
      prefix: '192.0.2.0/24',
      pathId: 0,
      nextHops: ['10.0.0.1'],
      asPath: [{ type: 'sequence' as const, numbers: [65000] }],
      origin: 'igp' as const,
      localPref: 200,
      communities: ['64512:1'],
      largeCommunities: [{ globalAdmin: 1, localData1: 2, localData2: 3 }],
      extendedCommunities: [],
    };
    await client.addPath(injected);
    assert.deepEqual(injecting.added, [injected]);
    await client.deletePath({ family: 'ipv4', prefix: '192.0.2.0/24', pathId: 0 });
    assert.deepEqual(injecting.deleted, [{ family: 'ipv4', prefix: '192.0.2.0/24', pathId: 0 }]);
    injecting.addPath = () => Promise.reject(new ApiError('already-exists', '192.0.2.0/24 is already injected'));
    await rejects(client.addPath(injected), GrpcStatus.ALREADY_EXISTS, /already injected/);
    injecting.deletePath = () => Promise.reject(new Error('boom'));
    await rejects(client.deletePath({ family: 'ipv4', prefix: '192.0.2.0/24', pathId: 0 }), GrpcStatus.INTERNAL, /boom/);
  });

  it('serves on TCP too', async () => {
    const both = await startApiServer(provider, { unixSocket: false, tcp: '127.0.0.1:0', log: nullLogger });
    const tcp = connectApi(`tcp://127.0.0.1:${both.tcpPort}`);
    try {
      assert.equal(both.unixSocket, null);
      assert.deepEqual(await tcp.status(), status);
    } finally {
      tcp.close();
      await both.close();
    }
  });

  it('replaces a stale socket, refuses a live one and a file that is not a socket', async () => {
    const stalePath = join(dir, 'stale.sock');
    const stale: Server = createServer();
    await new Promise<void>((r) => stale.listen(stalePath, r));
    // A live socket is somebody's: leave it alone.
    await assert.rejects(startApiServer(provider, { unixSocket: stalePath, log: nullLogger }), /is in use/);
    // Closing a net.Server unlinks its socket; a killed process leaves it behind.
    await new Promise<void>((r) => stale.close(() => r()));
    const crash = `require('net').createServer().listen(${JSON.stringify(stalePath)}, () => process.kill(process.pid, 'SIGKILL'))`;
    spawnSync(process.execPath, ['-e', crash]);
    assert.ok((await stat(stalePath)).isSocket());
    const s2 = await startApiServer(provider, { unixSocket: stalePath, log: nullLogger });
    const c2 = connectApi(stalePath);
    assert.deepEqual(await c2.status(), status);
    c2.close();
    await s2.close();

    const plain = join(dir, 'plain');
    await writeFile(plain, 'not a socket');
    await assert.rejects(startApiServer(provider, { unixSocket: plain, log: nullLogger }), /not a socket/);
  });

  it('says the daemon is not reachable when nobody serves the socket', async () => {
    const missing = join(dir, 'none.sock');
    const c = connectApi(missing);
    try {
      await assert.rejects(c.status(), (e: unknown) => {
        assert.ok(e instanceof ApiUnreachableError);
        assert.equal(e.message, `cannot reach petrel at ${missing}: is \`petrel run\` running?`);
        return true;
      });
      await assert.rejects(collect(c.listPaths({ table: 'loc' })), ApiUnreachableError);
    } finally {
      c.close();
    }
  });
});
