/**
 * A typed client for the PetrelApi service, as `petrel status` and
 * `petrel routes` use it. Returns the provider's plain types.
 */
import * as grpc from '@grpc/grpc-js';
import {
  eventFromWire,
  familyToWire,
  injectedToWire,
  pathEventFromWire,
  pathFromWire,
  pathKeyToWire,
  pathQueryToWire,
  peerFromWire,
  statusFromWire,
} from './convert.js';
import { petrelApiService } from './proto.js';
import type { Family, InjectedPath, PathEvent, PathInfo, PathKey, PathQuery, PeerEvent, PeerInfo, StatusInfo } from './provider.js';
import { DEFAULT_API_SOCKET } from './socket.js';
import type * as W from './wire.js';

/** The daemon did not answer: no socket, nobody listening, or no permission. */
export class ApiUnreachableError extends Error {
  constructor(
    readonly target: string,
    readonly details: string,
  ) {
    const hint = /EACCES|permission/i.test(details) ? ' (permission denied: run as root or a member of the socket\'s group)' : '';
    super(`cannot reach petrel at ${target}: is \`petrel run\` running?${hint}`);
    this.name = 'ApiUnreachableError';
  }
}

/** An error status from the daemon (not found, unimplemented, ...). */
export class ApiCallError extends Error {
  constructor(
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(details);
    this.name = 'ApiCallError';
  }
}

export interface PeerChange {
  readonly event: PeerEvent;
  readonly peer: PeerInfo;
}

/** A running watch: iterate it for changes; cancel() ends the iteration. */
export interface PeerWatch extends AsyncIterable<PeerChange> {
  cancel(): void;
}

export interface PathWatch extends AsyncIterable<PathEvent> {
  cancel(): void;
}

export interface ApiClient {
  /** Where it connects: the socket path or host:port. */
  readonly target: string;
  status(): Promise<StatusInfo>;
  /** Every peer, sorted by name, or the one named (NOT_FOUND if unknown). */
  listPeers(name?: string): Promise<PeerInfo[]>;
  /** Streams a table; the daemon sends more only as the caller iterates. */
  listPaths(q: PathQuery): AsyncIterable<PathInfo>;
  watchPeers(opts?: { initial?: boolean; name?: string }): PeerWatch;
  /** Loc-RIB best-path changes (WatchPaths); `initial` first sends every current best path. */
  watchPaths(opts?: { initial?: boolean; family?: Family }): PathWatch;
  addPath(p: InjectedPath): Promise<void>;
  deletePath(k: PathKey): Promise<void>;
  close(): void;
}

export interface ConnectOptions {
  /** Deadline for unary calls, ms (default 10 s). */
  readonly timeoutMs?: number;
}

function isServiceError(e: unknown): e is grpc.ServiceError {
  return e instanceof Error && typeof (e as Partial<grpc.ServiceError>).code === 'number';
}

/**
 * Connects to the daemon: `target` is a Unix socket path (default
 * /var/run/petrel/petrel.sock) or `tcp://host:port`. No I/O until the first call.
 */
export function connectApi(target: string = DEFAULT_API_SOCKET, opts: ConnectOptions = {}): ApiClient {
  const address = target.startsWith('tcp://') ? target.slice('tcp://'.length) : `unix://${target}`;
  const svc = petrelApiService();
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    // Fail fast rather than wait out the backoff when the daemon is down.
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.enable_retries': 0,
  });
  const timeoutMs = opts.timeoutMs ?? 10_000;

  const fail = (e: unknown): Error => {
    if (!isServiceError(e)) return e instanceof Error ? e : new Error(String(e));
    if (e.code === grpc.status.UNAVAILABLE) return new ApiUnreachableError(target, e.details);
    return new ApiCallError(e.code, e.details);
  };

  /** A server stream that runs until cancelled: cancel() ends the iteration quietly. */
  function watch<Req, Res, T>(m: grpc.MethodDefinition<Req, Res>, req: Req, map: (r: Res) => T[]): AsyncIterable<T> & { cancel(): void } {
    const call = client.makeServerStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, req);
    let cancelled = false;
    return {
      cancel() {
        cancelled = true;
        call.cancel();
      },
      async *[Symbol.asyncIterator]() {
        try {
          for await (const msg of call as AsyncIterable<Res>) yield* map(msg);
        } catch (e) {
          if (cancelled && isServiceError(e) && e.code === grpc.status.CANCELLED) return;
          throw fail(e);
        } finally {
          call.cancel();
        }
      },
    };
  }

  function unary<Req, Res>(m: grpc.MethodDefinition<Req, Res>, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, req, { deadline: Date.now() + timeoutMs }, (err, res) =>
        err || res === undefined ? reject(fail(err)) : resolve(res),
      );
    });
  }

  async function* stream<Req, Res, T>(m: grpc.MethodDefinition<Req, Res>, req: Req, each: (r: Res) => Iterable<T>): AsyncGenerator<T> {
    const call = client.makeServerStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, req);
    try {
      for await (const msg of call as AsyncIterable<Res>) yield* each(msg);
    } catch (e) {
      throw fail(e);
    } finally {
      // Stopped early (break, or an error in the caller): tell the daemon to stop producing.
      call.cancel();
    }
  }

  return {
    target,
    async status() {
      const r = await unary(svc.GetStatus, {});
      if (!r.status) throw new Error('GetStatus: empty answer');
      return statusFromWire(r.status);
    },
    async listPeers(name) {
      const peers: PeerInfo[] = [];
      for await (const p of stream(svc.ListPeers, { name: name ?? '' }, (r: W.ListPeersResponse) => (r.peer ? [peerFromWire(r.peer)] : [])))
        peers.push(p);
      return peers;
    },
    listPaths(q) {
      return stream(svc.ListPaths, pathQueryToWire(q), (r: W.ListPathsResponse) => r.paths.map(pathFromWire));
    },
    watchPeers(o = {}) {
      return watch(svc.WatchPeers, { initial: o.initial ?? false, name: o.name ?? '' }, (msg: W.WatchPeersResponse) =>
        msg.peer ? [{ event: eventFromWire(msg.type), peer: peerFromWire(msg.peer) }] : [],
      );
    },
    watchPaths(o = {}) {
      return watch(svc.WatchPaths, { family: familyToWire(o.family), initial: o.initial ?? false }, (msg: W.WatchPathsResponse) => [pathEventFromWire(msg)]);
    },
    async addPath(p) {
      await unary(svc.AddPath, { path: injectedToWire(p) });
    },
    async deletePath(k) {
      await unary(svc.DeletePath, pathKeyToWire(k));
    },
    close() {
      client.close();
    },
  };
}
