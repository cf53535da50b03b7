/**
 * Talking to the Kubernetes API server: list a collection, and watch it as a
 * stream of JSON lines. Configuration and authentication (in-cluster service
 * account, KUBECONFIG with tokens, client certificates or exec plugins) come
 * from @kubernetes/client-node's KubeConfig; the requests themselves are
 * plain HTTP(S) so that a watch's lifetime, its idle timeout and every error
 * are ours to handle.
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createInterface } from 'node:readline';
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeObject {
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly resourceVersion?: string; readonly [k: string]: unknown };
  readonly [k: string]: unknown;
}

export interface KubeList {
  readonly items: readonly KubeObject[];
  readonly resourceVersion: string;
}

export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: KubeObject;
}

/** A request the server answered with an error status (the Status object's message when there is one). */
export class KubeHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'KubeHttpError';
  }
}

export interface WatchHandle {
  abort(): void;
}

export interface KubeTransport {
  /** The API server, for logs. */
  readonly server: string;
  list(path: string, query: Readonly<Record<string, string>>): Promise<KubeList>;
  /**
   * Open a watch: `opened` when the server accepted it, events in order, and
   * `done` once, when the stream ends for any reason (null: the server ended it).
   */
  watch(path: string, query: Readonly<Record<string, string>>, onEvent: (e: WatchEvent) => void, done: (err: Error | null) => void, opened?: () => void): WatchHandle;
}

/** Bounds hostile servers: a list or one watch line larger than this is refused. */
const MAX_BODY = 64 * 1024 * 1024;
const MAX_LINE = 16 * 1024 * 1024;

/** KUBECONFIG (a path, or several separated by ':') when given, otherwise the pod's service account. */
export function loadKubeConfig(kubeconfig: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfig) {
    const files = kubeconfig.split(':').filter((f) => f !== '');
    kc.loadFromFile(files[0]!);
  } else {
    // In a pod: KUBERNETES_SERVICE_HOST/PORT and /var/run/secrets/kubernetes.io/serviceaccount.
    kc.loadFromCluster();
  }
  if (!kc.getCurrentCluster()) throw new Error(`kubernetes: ${kubeconfig ? `${kubeconfig} names no current cluster` : 'no in-cluster configuration (set KUBECONFIG)'}`);
  return kc;
}

export class KubeConfigTransport implements KubeTransport {
  readonly server: string;

  constructor(private readonly kc: KubeConfig) {
    this.server = kc.getCurrentCluster()!.server.replace(/\/+$/, '');
  }

  private async open(path: string, query: Readonly<Record<string, string>>): Promise<{ res: IncomingMessage; abort: () => void }> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const opts: RequestOptions & { headers: Record<string, string> } = { method: 'GET', headers: { Accept: 'application/json' } };
    await this.kc.applyToHTTPSOptions(opts);
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, opts);
    return new Promise((resolve, reject) => {
      req.once('response', (res) => {
        // Errors after the answer (a cut connection) reach the reader through 'close'; none may go unhandled.
        res.on('error', () => undefined);
        resolve({ res, abort: () => req.destroy() });
      });
      req.on('error', reject);
      // A server that accepts the connection and says nothing is as good as gone.
      req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${this.server} within 30 s`)));
      req.end();
    });
  }

  async list(path: string, query: Readonly<Record<string, string>>): Promise<KubeList> {
    const { res } = await this.open(path, query);
    const body = await readBody(res);
    if (res.statusCode !== 200) throw statusError(res.statusCode ?? 0, body, path);
    const parsed = JSON.parse(body) as { items?: unknown; metadata?: { resourceVersion?: unknown } };
    if (!Array.isArray(parsed.items)) throw new Error(`${path}: the list has no items`);
    const rv = parsed.metadata?.resourceVersion;
    return { items: parsed.items.filter((i): i is KubeObject => typeof i === 'object' && i !== null), resourceVersion: typeof rv === 'string' ? rv : '' };
  }

  watch(path: string, query: Readonly<Record<string, string>>, onEvent: (e: WatchEvent) => void, done: (err: Error | null) => void, opened?: () => void): WatchHandle {
    let finished = false;
    let abortRequest: (() => void) | null = null;
    const finish = (err: Error | null) => {
      if (finished) return;
      finished = true;
      abortRequest?.();
      done(err);
    };
    void this.open(path, { ...query, watch: 'true' }).then(
      async ({ res, abort }) => {
        abortRequest = abort;
        if (finished) return abort();
        // The socket idles between events; only the request's own timeout is removed.
        res.socket.setTimeout(0);
        if (res.statusCode !== 200) return finish(statusError(res.statusCode ?? 0, await readBody(res).catch(() => ''), path));
        opened?.();
        res.on('error', (e) => finish(e));
        res.on('close', () => finish(res.complete ? null : new Error('watch connection closed mid-stream')));
        const lines = createInterface({ input: res, crlfDelay: Infinity });
        // readline passes the response's errors on; they end the watch like any other.
        lines.on('error', (e) => finish(e));
        lines.on('line', (line) => {
          if (finished || line.trim() === '') return;
          if (line.length > MAX_LINE) return finish(new Error('watch event too large'));
          let e: unknown;
          try {
            e = JSON.parse(line);
          } catch {
            return finish(new Error(`watch stream is not JSON: ${line.slice(0, 80)}`));
          }
          const ev = e as { type?: unknown; object?: unknown };
          if (typeof ev.type !== 'string' || typeof ev.object !== 'object' || ev.object === null) return finish(new Error('watch event without type or object'));
          onEvent({ type: ev.type as WatchEvent['type'], object: ev.object as KubeObject });
        });
      },
      (e: unknown) => finish(e instanceof Error ? e : new Error(String(e))),
    );
    return { abort: () => finish(null) };
  }
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) res.destroy(new Error('response too large'));
      else chunks.push(c);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function statusError(status: number, body: string, path: string): KubeHttpError {
  let message = `HTTP ${status}`;
  try {
    const s = JSON.parse(body) as { message?: unknown };
    if (typeof s.message === 'string') message += `: ${s.message}`;
  } catch {
    // Not a Status object: the code says enough.
  }
  return new KubeHttpError(status, `${path}: ${message}`);
}
