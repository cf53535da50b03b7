/**
 * Calico's etcd v3 mode (DATASTORE_TYPE=etcdv3): the v3 resources and the
 * IPAM block affinities read at one revision, then watched from the next one.
 * The etcd3 client reconnects by itself and resumes each watch where it was,
 * so an etcd restart loses nothing; a watch that etcd cancels (its revision
 * was compacted away) is a full read again, which replaces the contents in
 * one step. While etcd is away the last good state keeps routing.
 */
import { readFileSync } from 'node:fs';
import { Etcd3, type IOptions, type Watcher } from 'etcd3';
import { CalicoConfigError } from '../../errors.js';
import type { ResourceObject } from '../../resources/load.js';
import type { CalicoResources } from '../../resources/types.js';
import { LiveDatastore, type LiveDatastoreOptions } from '../live-datastore.js';
import { AFFINITY_PREFIX, readKey, RESOURCES_PREFIX } from './keys.js';

export interface EtcdTls {
  /** ETCD_CA_CERT_FILE */
  readonly caFile?: string;
  /** ETCD_CERT_FILE */
  readonly certFile?: string;
  /** ETCD_KEY_FILE */
  readonly keyFile?: string;
}

export interface EtcdDatastoreOptions extends LiveDatastoreOptions {
  /** ETCD_ENDPOINTS: http(s)://host:port, one or more. */
  readonly endpoints: readonly string[];
  readonly tls?: EtcdTls;
  readonly backoffMs?: { readonly initial: number; readonly max: number };
}

const PREFIXES = [RESOURCES_PREFIX, AFFINITY_PREFIX] as const;

export function etcdClientOptions(endpoints: readonly string[], tls: EtcdTls = {}): IOptions {
  const https = endpoints.some((e) => e.startsWith('https:'));
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) throw new Error('etcdv3: ETCD_CERT_FILE and ETCD_KEY_FILE go together');
  if (!https && (tls.caFile || tls.certFile)) throw new Error('etcdv3: TLS files are given but ETCD_ENDPOINTS are not https://');
  const read = (f: string, what: string): Buffer => {
    try {
      return readFileSync(f);
    } catch (e) {
      throw new Error(`etcdv3: cannot read ${what} ${f}: ${(e as Error).message}`);
    }
  };
  return {
    hosts: [...endpoints],
    dialTimeout: 5000,
    ...(https
      ? {
          credentials: {
            // Without a CA file the system's roots are used (grpc's default).
            rootCertificate: tls.caFile ? read(tls.caFile, 'ETCD_CA_CERT_FILE') : (undefined as unknown as Buffer),
            ...(tls.certFile ? { certChain: read(tls.certFile, 'ETCD_CERT_FILE') } : {}),
            ...(tls.keyFile ? { privateKey: read(tls.keyFile, 'ETCD_KEY_FILE') } : {}),
          },
        }
      : {}),
  };
}

export class EtcdDatastore extends LiveDatastore {
  readonly description: string;
  private client: Etcd3 | null = null;
  private readonly kvs = new Map<string, ResourceObject>();
  private readonly problems = new Map<string, string>();
  private watchers: Watcher[] = [];
  private retry: NodeJS.Timeout | null = null;
  private delay: number;
  /** Full reads done (the first, then one per compaction or failure); for tests and logs. */
  reads = 0;

  constructor(private readonly opts: EtcdDatastoreOptions) {
    super(opts, `etcdv3 ${opts.endpoints.join(',')}`);
    if (opts.endpoints.length === 0) throw new Error('etcdv3: no endpoints (ETCD_ENDPOINTS=http://127.0.0.1:2379)');
    this.description = `etcdv3 ${opts.endpoints.join(',')}`;
    this.delay = opts.backoffMs?.initial ?? 500;
  }

  protected async connect(): Promise<void> {
    this.client = new Etcd3(etcdClientOptions(this.opts.endpoints, this.opts.tls));
    // Wait (retrying) for the first full read, as calico-node waits for its datastore.
    await new Promise<void>((resolve) => this.readAll(resolve));
  }

  protected disconnect(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.dropWatchers();
    this.client?.close();
    this.client = null;
  }

  protected objects(): ResourceObject[] {
    return [...this.kvs.values()];
  }

  protected override snapshotResources(): CalicoResources {
    if (this.problems.size > 0) {
      throw new CalicoConfigError([...this.problems].map(([key, problem]) => ({ kind: 'etcd key', name: key, field: '', problem, where: { source: `etcdv3 ${key}` } })));
    }
    return super.snapshotResources();
  }

  private dropWatchers(): void {
    for (const w of this.watchers) {
      w.removeAllListeners();
      // A failure to cancel on a dead connection does not matter: it is gone either way.
      void w.cancel().catch(() => undefined);
    }
    this.watchers = [];
  }

  private set(key: string, value: string): void {
    const r = readKey(key, value);
    this.kvs.delete(key);
    this.problems.delete(key);
    if ('object' in r) this.kvs.set(key, r.object);
    else if ('problem' in r) this.problems.set(key, r.problem);
  }

  /** Read both prefixes at one revision, replace the contents, and watch from the next revision. */
  private readAll(done?: () => void): void {
    if (this.stopped || !this.client) return;
    const client = this.client;
    this.reads++;
    void (async () => {
      const first = await client.getAll().prefix(PREFIXES[0]).exec();
      const revision = String(first.header.revision);
      const second = await client.getAll().prefix(PREFIXES[1]).revision(revision).exec();
      return { revision, kvs: [...first.kvs, ...second.kvs] };
    })().then(
      async ({ revision, kvs }) => {
        if (this.stopped || client !== this.client) return;
        this.kvs.clear();
        this.problems.clear();
        for (const kv of kvs) this.set(kv.key.toString(), kv.value.toString());
        this.dropWatchers();
        try {
          for (const prefix of PREFIXES) this.watchers.push(await this.watch(client, prefix, revision));
        } catch (e) {
          this.failed(e, done);
          return;
        }
        this.delay = this.opts.backoffMs?.initial ?? 500;
        this.setSync('in-sync');
        done?.();
        this.changed();
      },
      (e: unknown) => this.failed(e, done),
    );
  }

  private async watch(client: Etcd3, prefix: string, revision: string): Promise<Watcher> {
    const next = (BigInt(revision) + 1n).toString();
    const w = await client.watch().prefix(prefix).startRevision(next).create();
    w.on('put', (kv) => {
      this.set(kv.key.toString(), kv.value.toString());
      this.changed();
    });
    w.on('delete', (kv) => {
      const key = kv.key.toString();
      this.kvs.delete(key);
      this.problems.delete(key);
      this.changed();
    });
    w.on('disconnected', (err) => this.setSync('disconnected', `etcd connection lost (${err.message})`));
    w.on('connected', () => this.setSync('in-sync'));
    // etcd cancelled the watch (compacted revision, or worse): read everything again.
    w.on('error', (err) => {
      if (this.stopped) return;
      this.setSync('resyncing', `etcd ended the watch on ${prefix} (${err.message}); reading everything again`);
      this.dropWatchers();
      this.readAll();
    });
    return w;
  }

  private failed(e: unknown, done?: () => void): void {
    if (this.stopped) return;
    this.setSync('disconnected', `etcd unreachable (${e instanceof Error ? e.message : String(e)})`);
    const wait = this.delay;
    this.delay = Math.min(this.opts.backoffMs?.max ?? 30_000, this.delay * 2);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.readAll(done);
    }, wait * (0.8 + Math.random() * 0.4));
  }
}
