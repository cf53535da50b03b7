/**
 * The gRPC server for the PetrelApi service: on a Unix socket (default
 * /var/run/petrel/petrel.sock, mode 0660) and optionally on TCP. Handlers
 * only read the provider; tables stream in bounded batches that wait for the
 * client (HTTP/2 flow control), so a 1M-path table never sits in memory here.
 */
import { mkdtemp, rename, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../lib/logger.js';
import {
  eventToWire,
  familyFromWire,
  injectedFromWire,
  pathEventToWire,
  pathKeyFromWire,
  pathQueryFromWire,
  pathToWire,
  peerToWire,
  statusToWire,
} from './convert.js';
import { petrelApiService } from './proto.js';
import { ApiError, type ApiErrorCode, type ApiProvider, type PathEvent, type PathInfo, type PeerEvent, type PeerInfo } from './provider.js';
import { DEFAULT_API_SOCKET, prepareSocketPath, removeSocket, restrictSocket } from './socket.js';
import type * as W from './wire.js';

export interface ApiServerOptions {
  /** Unix socket path; default /var/run/petrel/petrel.sock; false: none. */
  readonly unixSocket?: string | false;
  /** 'host:port' to also serve on TCP (no authentication: bind to a trusted address). Port 0 picks one. */
  readonly tcp?: string;
  readonly log: Logger;
  /** Paths per ListPaths message (default 256). */
  readonly pathBatch?: number;
}

export interface ApiServer {
  readonly unixSocket: string | null;
  /** The bound TCP port, when serving on TCP. */
  readonly tcpPort: number | null;
  /** Ends open watches and streams, stops the server and removes the socket file. */
  close(): Promise<void>;
}

const STATUS: Record<ApiErrorCode, grpc.status> = {
  'invalid-argument': grpc.status.INVALID_ARGUMENT,
  'not-found': grpc.status.NOT_FOUND,
  'already-exists': grpc.status.ALREADY_EXISTS,
  'failed-precondition': grpc.status.FAILED_PRECONDITION,
  unimplemented: grpc.status.UNIMPLEMENTED,
  unavailable: grpc.status.UNAVAILABLE,
};

function toServiceError(e: unknown, log: Logger, method: string): Partial<grpc.StatusObject> {
  if (e instanceof ApiError) return { code: STATUS[e.code], details: e.message };
  const message = e instanceof Error ? e.message : String(e);
  log.warn({ method, err: message }, 'API call failed');
  return { code: grpc.status.INTERNAL, details: message };
}

function isAsyncIterable<T>(x: T[] | AsyncIterable<T>): x is AsyncIterable<T> {
  return !Array.isArray(x) && typeof (x as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
}

/** Resolves when the stream can take more, or when the client has gone. */
function writable(call: grpc.ServerWritableStream<unknown, unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', done);
      call.off('close', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
    call.on('close', done);
  });
}

/** Sync or async iteration over the provider's table, so arrays avoid a microtask per path. */
async function* each(paths: PathInfo[] | AsyncIterable<PathInfo>): AsyncGenerator<PathInfo[]> {
  if (isAsyncIterable(paths)) {
    for await (const p of paths) yield [p];
  } else {
    yield paths;
  }
}

type Call<Req, Res> = grpc.ServerWritableStream<Req, Res>;

function handlers(provider: ApiProvider, log: Logger, batchSize: number, watches: Set<() => void>) {
  return {
    GetStatus(_call: grpc.ServerUnaryCall<W.Empty, W.GetStatusResponse>, cb: grpc.sendUnaryData<W.GetStatusResponse>) {
      try {
        cb(null, { status: statusToWire(provider.status(), Date.now()) });
      } catch (e) {
        cb(toServiceError(e, log, 'GetStatus'));
      }
    },

    ListPeers(call: Call<W.ListPeersRequest, W.ListPeersResponse>) {
      try {
        const now = Date.now();
        const peers = provider.peers().filter((p) => !call.request.name || p.name === call.request.name);
        if (call.request.name && peers.length === 0) throw new ApiError('not-found', `no peer named ${call.request.name}`);
        for (const p of peers) call.write({ peer: peerToWire(p, now) });
        call.end();
      } catch (e) {
        call.emit('error', toServiceError(e, log, 'ListPeers'));
      }
    },

    WatchPeers(call: Call<W.WatchPeersRequest, W.WatchPeersResponse>) {
      const { name, initial } = call.request;
      serveWatch(call, 'WatchPeers', (send) => {
        const onChange = (p: PeerInfo, event: PeerEvent = 'changed') => {
          if (!name || p.name === name) send({ type: eventToWire(event), peer: peerToWire(p, Date.now()) }, p.name);
        };
        const unsubscribe = provider.watchPeers(onChange);
        try {
          if (initial) for (const p of provider.peers()) onChange(p, 'initial');
        } catch (e) {
          unsubscribe();
          throw e;
        }
        return unsubscribe;
      });
    },

    WatchPaths(call: Call<W.WatchPathsRequest, W.WatchPathsResponse>) {
      const watchPaths = provider.watchPaths?.bind(provider);
      if (!watchPaths) {
        call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'this petrel does not stream path changes' });
        return;
      }
      const family = familyFromWire(call.request.family);
      serveWatch(call, 'WatchPaths', (send) => {
        const onEvent = (e: PathEvent) => {
          if (family === undefined || e.family === family) send(pathEventToWire(e, Date.now()), e.prefix);
        };
        const unsubscribe = watchPaths(onEvent);
        if (call.request.initial) {
          // Synchronously (the daemon's table is an array), so no live event can come before its prefix's initial one.
          const table = provider.paths({ table: 'loc', ...(family ? { family } : {}) });
          if (!Array.isArray(table)) {
            unsubscribe();
            throw new ApiError('unimplemented', 'an initial dump needs a table in memory');
          }
          for (const p of table as PathInfo[]) if (p.best) onEvent({ type: 'initial', family: p.family, prefix: p.prefix, path: p });
        }
        return unsubscribe;
      });
    },

    ListPaths(call: Call<W.ListPathsRequest, W.ListPathsResponse>) {
      void streamPaths(call).catch((e: unknown) => {
        if (!call.cancelled) call.emit('error', toServiceError(e, log, 'ListPaths'));
      });
    },

    AddPath(call: grpc.ServerUnaryCall<W.AddPathRequest, W.Empty>, cb: grpc.sendUnaryData<W.Empty>) {
      const path = call.request.path;
      if (!provider.addPath) return cb({ code: grpc.status.UNIMPLEMENTED, details: 'this petrel does not accept injected paths' });
      if (!path || !path.prefix || path.family === 'FAMILY_UNSPECIFIED') {
        return cb({ code: grpc.status.INVALID_ARGUMENT, details: 'AddPath needs a path with a family and a prefix' });
      }
      provider.addPath(injectedFromWire(path)).then(
        () => cb(null, {}),
        (e: unknown) => cb(toServiceError(e, log, 'AddPath')),
      );
    },

    DeletePath(call: grpc.ServerUnaryCall<W.DeletePathRequest, W.Empty>, cb: grpc.sendUnaryData<W.Empty>) {
      if (!provider.deletePath) return cb({ code: grpc.status.UNIMPLEMENTED, details: 'this petrel does not accept injected paths' });
      if (!call.request.prefix || call.request.family === 'FAMILY_UNSPECIFIED') {
        return cb({ code: grpc.status.INVALID_ARGUMENT, details: 'DeletePath needs a family and a prefix' });
      }
      provider.deletePath(pathKeyFromWire(call.request)).then(
        () => cb(null, {}),
        (e: unknown) => cb(toServiceError(e, log, 'DeletePath')),
      );
    },
  };

  /**
   * A watch stream: `subscribe` gets a send(message, key) and returns its
   * unsubscribe. While the client is slow only each key's latest message is
   * kept, so memory stays bounded by the number of keys (peers, prefixes).
   */
  function serveWatch<Req, Res>(call: Call<Req, Res>, rpc: string, subscribe: (send: (msg: Res, key: string) => void) => () => void): void {
    const pending = new Map<string, Res>();
    let blocked = false;
    const send = (msg: Res, key: string) => {
      if (blocked) {
        pending.delete(key);
        pending.set(key, msg);
        return;
      }
      if (!call.write(msg)) {
        blocked = true;
        call.once('drain', flush);
      }
    };
    const flush = () => {
      blocked = false;
      for (const [key, msg] of pending) {
        pending.delete(key);
        send(msg, key);
        if (blocked) return;
      }
    };
    let unsubscribe: (() => void) | null = null;
    const stop = () => {
      if (!unsubscribe) return;
      unsubscribe();
      unsubscribe = null;
      watches.delete(stop);
      pending.clear();
      if (!call.cancelled && !call.writableEnded) call.end();
    };
    try {
      unsubscribe = subscribe(send);
      watches.add(stop);
    } catch (e) {
      stop();
      call.emit('error', toServiceError(e, log, rpc));
      return;
    }
    call.on('cancelled', stop);
    call.on('close', stop);
    call.on('error', stop);
  }

  /**
   * Pulls the provider's table a batch at a time; after each batch, yields
   * the loop (keepalives first) and waits while the client is behind.
   */
  async function streamPaths(call: Call<W.ListPathsRequest, W.ListPathsResponse>): Promise<void> {
    const query = pathQueryFromWire(call.request);
    if ((query.table === 'in' || query.table === 'out') && !query.peer) {
      throw new ApiError('invalid-argument', 'Adj-RIB-In and Adj-RIB-Out need a peer name');
    }
    const source = provider.paths(query);
    let batch: W.WirePath[] = [];
    let now = Date.now();
    const flush = async (): Promise<boolean> => {
      const ok = call.write({ paths: batch });
      batch = [];
      if (!ok) await writable(call);
      else await nextTurn();
      now = Date.now();
      return !call.cancelled;
    };
    // Leaving the for-await loop early calls the provider's iterator's return(): it stops producing.
    outer: for await (const chunk of each(source)) {
      for (const p of chunk) {
        batch.push(pathToWire(p, now));
        if (batch.length >= batchSize && !(await flush())) break outer;
      }
    }
    if (call.cancelled) return;
    if (batch.length > 0) call.write({ paths: batch });
    call.end();
  }
}

function bind(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
}

/**
 * Binds the socket in a private directory, sets its mode, then renames it
 * into place: nobody can connect while it still has the default mode.
 */
async function bindUnix(server: grpc.Server, path: string): Promise<void> {
  await prepareSocketPath(path);
  const dir = await mkdtemp(join(dirname(path), '.petrel-'));
  const temp = join(dir, 'api.sock');
  try {
    await bind(server, `unix://${temp}`);
    await restrictSocket(temp);
    await rename(temp, path);
  } finally {
    await removeSocket(temp).catch(() => {});
    await rmdir(dir).catch(() => {});
  }
}

/** Starts the management API. Rejects if the socket is in use or cannot be bound. */
export async function startApiServer(provider: ApiProvider, opts: ApiServerOptions): Promise<ApiServer> {
  const log = opts.log.child({ component: 'api' });
  const server = new grpc.Server({ 'grpc.max_concurrent_streams': 64 });
  const watches = new Set<() => void>();
  server.addService(petrelApiService(), handlers(provider, log, opts.pathBatch ?? 256, watches));
  const unixSocket = opts.unixSocket === false ? null : (opts.unixSocket ?? DEFAULT_API_SOCKET);
  let tcpPort: number | null = null;
  try {
    if (unixSocket) await bindUnix(server, unixSocket);
    if (opts.tcp) tcpPort = await bind(server, opts.tcp);
  } catch (e) {
    server.forceShutdown();
    throw e;
  }
  log.info({ unixSocket, tcp: opts.tcp ?? null, tcpPort }, 'management API listening');
  let closed = false;
  return {
    unixSocket,
    tcpPort,
    async close() {
      if (closed) return;
      closed = true;
      for (const stop of [...watches]) stop();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      if (unixSocket) await removeSocket(unixSocket);
    },
  };
}
