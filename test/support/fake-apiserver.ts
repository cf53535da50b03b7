/**
 * A faithful fake of the Kubernetes API server's list/watch protocol, on
 * 127.0.0.1, for datastore tests (no real API server can run here). It is
 * not a real API server: no admission, no schemas, no RBAC beyond a bearer
 * token. What it does implement as the real one does:
 *
 * - one cluster-wide resourceVersion counter; every write gets the next one;
 * - GET collection: {kind: ...List, metadata: {resourceVersion}, items};
 * - GET ?watch=true&resourceVersion=RV: a chunked stream of JSON lines
 *   {type: ADDED|MODIFIED|DELETED|BOOKMARK|ERROR, object}, replaying every
 *   event after RV, then live ones; BOOKMARK carries only metadata.resourceVersion;
 * - a resourceVersion older than the compacted history: HTTP 200 then one
 *   ERROR event with a Status of code 410 (Gone), and the stream ends;
 * - timeoutSeconds ends the stream cleanly; fieldSelector=metadata.name=X;
 * - stop() drops every connection (as a dead server), start() comes back on
 *   the same port with the same contents.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}

interface Event {
  readonly rv: number;
  readonly collection: string;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: FakeObject;
}

interface Watcher {
  readonly collection: string;
  readonly name: string | null;
  readonly res: ServerResponse;
}

export class FakeApiServer {
  private server: Server | null = null;
  private port = 0;
  private rv = 100;
  /** Events at or below this resourceVersion are forgotten (etcd compaction). */
  private compactedAt = 0;
  private readonly collections = new Map<string, Map<string, FakeObject>>();
  private readonly events: Event[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly sockets = new Set<Socket>();
  readonly token = 'petrel-test-token';
  /** Requests seen, for assertions: "LIST /path" or "WATCH /path rv=N". */
  readonly requests: string[] = [];

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** The server goes away: every connection is cut without a goodbye. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.watchers.clear();
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A kubeconfig file's text for this server (client-node takes plain HTTP only with insecure-skip-tls-verify). */
  kubeconfig(): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: fake, cluster: {server: "' + this.url + '", insecure-skip-tls-verify: true}}]',
      'users: [{name: petrel, user: {token: ' + this.token + '}}]',
      'contexts: [{name: fake, context: {cluster: fake, user: petrel}}]',
      'current-context: fake',
      '',
    ].join('\n');
  }

  private store(collection: string): Map<string, FakeObject> {
    let m = this.collections.get(collection);
    if (!m) this.collections.set(collection, (m = new Map()));
    return m;
  }

  /** Create or replace an object in a collection path (e.g. /api/v1/nodes). */
  put(collection: string, object: FakeObject): string {
    const m = this.store(collection);
    const key = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    const type = m.has(key) ? 'MODIFIED' : 'ADDED';
    const rv = ++this.rv;
    const stored: FakeObject = JSON.parse(JSON.stringify({ ...object, metadata: { ...object.metadata, resourceVersion: String(rv) } }));
    m.set(key, stored);
    this.publish({ rv, collection, type, object: stored });
    return String(rv);
  }

  delete(collection: string, name: string, namespace?: string): void {
    const m = this.store(collection);
    const key = `${namespace ?? ''}/${name}`;
    const old = m.get(key);
    if (!old) return;
    m.delete(key);
    const rv = ++this.rv;
    this.publish({ rv, collection, type: 'DELETED', object: { ...old, metadata: { ...old.metadata, resourceVersion: String(rv) } } });
  }

  /** Forget the event history up to now: watches from an older resourceVersion get 410 Gone. */
  compact(): void {
    this.compactedAt = this.rv;
    this.events.length = 0;
  }

  /** Send a BOOKMARK with the current resourceVersion to every open watch. */
  bookmark(): void {
    for (const w of this.watchers) this.send(w.res, { type: 'BOOKMARK', object: { kind: 'Bookmark', metadata: { resourceVersion: String(this.rv) } } });
  }

  /** Cut every open watch connection mid-stream (no chunked terminator). */
  dropWatches(): void {
    for (const w of this.watchers) w.res.socket?.destroy();
    this.watchers.clear();
  }

  /** Expire every open watch (the server's watch timeout): compacts first, so reopening them gets 410. */
  expireWatchesWithGone(): void {
    this.compact();
    for (const w of this.watchers) {
      this.send(w.res, { type: 'ERROR', object: gone() });
      w.res.end();
    }
    this.watchers.clear();
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  private publish(e: Event): void {
    this.events.push(e);
    for (const w of this.watchers) {
      if (w.collection === e.collection && (w.name === null || w.name === e.object.metadata.name)) this.send(w.res, { type: e.type, object: e.object });
    }
  }

  private send(res: ServerResponse, body: unknown): void {
    if (!res.writableEnded) res.write(`${JSON.stringify(body)}\n`);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    if (req.headers.authorization !== `Bearer ${this.token}`) return status(res, 401, 'Unauthorized', 'no or wrong bearer token');
    if (req.method !== 'GET') return status(res, 405, 'MethodNotAllowed', 'the fake serves GET only');
    const collection = url.pathname;
    const field = url.searchParams.get('fieldSelector');
    let name: string | null = null;
    if (field !== null) {
      const m = /^metadata\.name=(.+)$/.exec(field);
      if (!m) return status(res, 400, 'BadRequest', `unsupported fieldSelector ${field}`);
      name = m[1]!;
    }
    const items = [...this.store(collection).values()].filter((o) => name === null || o.metadata.name === name);
    if (url.searchParams.get('watch') !== 'true') {
      this.requests.push(`LIST ${collection}`);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) }, items }));
      return;
    }
    const rvParam = url.searchParams.get('resourceVersion');
    this.requests.push(`WATCH ${collection} rv=${rvParam ?? ''}`);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const from = rvParam === null || rvParam === '' || rvParam === '0' ? null : Number(rvParam);
    if (from !== null && from < this.compactedAt) {
      this.send(res, { type: 'ERROR', object: gone() });
      res.end();
      return;
    }
    if (from === null) {
      // No resourceVersion: the current objects as ADDED, then changes.
      for (const o of items) this.send(res, { type: 'ADDED', object: o });
    } else {
      for (const e of this.events) {
        if (e.rv > from && e.collection === collection && (name === null || e.object.metadata.name === name)) this.send(res, { type: e.type, object: e.object });
      }
    }
    const w: Watcher = { collection, name, res };
    this.watchers.add(w);
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? '0');
    const timer = timeout > 0 ? setTimeout(() => this.endWatch(w), timeout * 1000) : null;
    res.on('close', () => {
      if (timer) clearTimeout(timer);
      this.watchers.delete(w);
    });
  }

  private endWatch(w: Watcher): void {
    this.watchers.delete(w);
    w.res.end();
  }
}

function gone(): object {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'too old resource version', reason: 'Expired', code: 410 };
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code }));
}
