/**
 * One collection of the Kubernetes API kept in memory the way client-go's
 * reflector does it: list (the items and the list's resourceVersion), then
 * watch from that resourceVersion, moving it on with every event and
 * bookmark. A watch that ends is reopened from where it stopped; 410 Gone
 * (the server no longer has that history) means list again, and the new list
 * replaces the items in one step, so nothing is lost or half-known in
 * between; any other failure is retried with exponential back-off, keeping
 * the items as they were.
 */
import { KubeHttpError, type KubeObject, type KubeTransport, type WatchEvent, type WatchHandle } from './transport.js';

export interface ListWatchOptions {
  readonly transport: KubeTransport;
  /** e.g. /api/v1/nodes, /apis/crd.projectcalico.org/v1/bgppeers. */
  readonly path: string;
  /** Extra query, e.g. fieldSelector. */
  readonly query?: Readonly<Record<string, string>>;
  /** First retry delay and the cap of the back-off (ms). */
  readonly backoffMs?: { readonly initial: number; readonly max: number };
  /** The server ends each watch after this long (timeoutSeconds); we then reopen it. */
  readonly watchTimeoutSeconds?: number;
  /** Called after the items changed (a list replaced them, or an event). */
  readonly onChange: () => void;
  /** Called when the collection's health changes. */
  readonly onHealth: (h: ListWatchHealth, why: string) => void;
}

export type ListWatchHealth = 'synced' | 'relisting' | 'failing';

export class ListWatch {
  /** By namespace/name. */
  readonly items = new Map<string, KubeObject>();
  private resourceVersion = '';
  private listed = false;
  private watch: WatchHandle | null = null;
  private retry: NodeJS.Timeout | null = null;
  private delay: number;
  private stopped = true;
  private firstList: { resolve: () => void } | null = null;
  private health: ListWatchHealth | null = null;
  /** Counters for tests and logs. */
  readonly stats = { lists: 0, watches: 0, relistsAfterGone: 0, failures: 0 };

  constructor(private readonly opts: ListWatchOptions) {
    this.delay = opts.backoffMs?.initial ?? 500;
  }

  get path(): string {
    return this.opts.path;
  }

  get synced(): boolean {
    return this.listed;
  }

  /** Resolves once the first list has succeeded (retrying until then). */
  start(): Promise<void> {
    this.stopped = false;
    const first = new Promise<void>((resolve) => (this.firstList = { resolve }));
    void this.list();
    return first;
  }

  stop(): void {
    this.stopped = true;
    this.watch?.abort();
    this.watch = null;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }

  private setHealth(h: ListWatchHealth, why: string): void {
    if (h === this.health) return;
    this.health = h;
    this.opts.onHealth(h, why);
  }

  private async list(): Promise<void> {
    if (this.stopped) return;
    this.stats.lists++;
    let result;
    try {
      result = await this.opts.transport.list(this.opts.path, this.opts.query ?? {});
    } catch (e) {
      this.fail(e, () => void this.list());
      return;
    }
    if (this.stopped) return;
    this.items.clear();
    for (const item of result.items) this.items.set(keyOf(item), item);
    this.resourceVersion = result.resourceVersion;
    this.listed = true;
    this.delay = this.opts.backoffMs?.initial ?? 500;
    this.setHealth('synced', 'listed');
    this.opts.onChange();
    this.firstList?.resolve();
    this.firstList = null;
    this.openWatch();
  }

  private openWatch(): void {
    if (this.stopped) return;
    this.stats.watches++;
    const query: Record<string, string> = {
      ...this.opts.query,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(this.opts.watchTimeoutSeconds ?? 300),
    };
    if (this.resourceVersion !== '') query['resourceVersion'] = this.resourceVersion;
    let gone = false;
    const handle = this.opts.transport.watch(
      this.opts.path,
      query,
      (e) => {
        if (this.watch !== handle) return;
        if (this.onEvent(e) === 'gone') {
          gone = true;
          handle.abort();
        }
      },
      (err) => {
        if (this.watch !== handle || this.stopped) return;
        this.watch = null;
        if (gone || (err instanceof KubeHttpError && err.status === 410)) return this.relist();
        if (err === null) {
          // The server's timeoutSeconds ran out: carry on from where we are.
          this.openWatch();
          return;
        }
        this.fail(err, () => this.openWatch());
      },
      () => {
        if (this.watch !== handle) return;
        // The server is back and still has our history: back-off starts over.
        this.delay = this.opts.backoffMs?.initial ?? 500;
        this.setHealth('synced', 'watching');
      },
    );
    this.watch = handle;
  }

  private onEvent(e: WatchEvent): 'gone' | 'ok' {
    const rv = e.object.metadata?.resourceVersion;
    switch (e.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.items.set(keyOf(e.object), e.object);
        break;
      case 'DELETED':
        this.items.delete(keyOf(e.object));
        break;
      case 'BOOKMARK':
        // Only the resourceVersion moves: a later watch starts here, not at the old list.
        if (typeof rv === 'string') this.resourceVersion = rv;
        return 'ok';
      case 'ERROR': {
        const code = (e.object as { code?: unknown }).code;
        if (code === 410) return 'gone';
        this.setHealth('failing', `watch error: ${String((e.object as { message?: unknown }).message ?? code)}`);
        return 'gone';
      }
      default:
        return 'ok';
    }
    if (typeof rv === 'string') this.resourceVersion = rv;
    this.opts.onChange();
    return 'ok';
  }

  private relist(): void {
    this.stats.relistsAfterGone++;
    // The items stay as they are until the new list replaces them.
    this.resourceVersion = '';
    this.setHealth('relisting', `${this.opts.path}: resourceVersion too old (410 Gone), listing again`);
    void this.list();
  }

  private fail(e: unknown, again: () => void): void {
    if (this.stopped) return;
    this.stats.failures++;
    const msg = e instanceof Error ? e.message : String(e);
    this.setHealth('failing', `${this.opts.path}: ${msg}`);
    const wait = this.delay;
    const max = this.opts.backoffMs?.max ?? 30_000;
    this.delay = Math.min(max, this.delay * 2);
    // Jitter spreads a cluster's reconnects after an API server restart.
    this.retry = setTimeout(() => {
      this.retry = null;
      again();
    }, wait * (0.8 + Math.random() * 0.4));
  }
}

function keyOf(o: KubeObject): string {
  const m = o.metadata ?? {};
  return `${m.namespace ?? ''}/${m.name ?? ''}`;
}
