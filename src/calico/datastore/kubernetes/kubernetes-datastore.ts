/**
 * Calico's Kubernetes datastore mode (DATASTORE_TYPE=kubernetes): the
 * crd.projectcalico.org/v1 custom resources, the core Nodes and the Secrets
 * BGP passwords refer to, each collection listed and watched on its own
 * (ListWatch). The datastore is in sync when every collection is; while the
 * API server is away it is `disconnected`, and the last good state keeps
 * routing until the server is back and the collections have caught up.
 *
 * Secrets are watched one by one, by name, in calico-node's namespace
 * (NAMESPACE, default kube-system), as confd does: calico-node's RBAC grants
 * access to the password Secrets only, not to every Secret.
 */
import type { ResourceObject } from '../../resources/load.js';
import type { LiveDatastoreOptions } from '../live-datastore.js';
import { LiveDatastore } from '../live-datastore.js';
import { CALICO_CRDS, CRD_GROUP_VERSION, fromCustomResource, fromNode, fromSecret, referencedSecrets } from './convert.js';
import { ListWatch, type ListWatchHealth } from './list-watch.js';
import type { KubeTransport } from './transport.js';

export interface KubernetesDatastoreOptions extends LiveDatastoreOptions {
  readonly transport: KubeTransport;
  /** calico-node's namespace, where BGP password Secrets live. */
  readonly namespace?: string;
  readonly backoffMs?: { readonly initial: number; readonly max: number };
  readonly watchTimeoutSeconds?: number;
}

interface Collection {
  readonly watch: ListWatch;
  readonly convert: (o: Parameters<typeof fromNode>[1]) => ResourceObject;
  health: ListWatchHealth;
  why: string;
  /** Resolves once the first list is in. */
  ready: Promise<void>;
}

export class KubernetesDatastore extends LiveDatastore {
  readonly description: string;
  readonly namespace: string;
  private readonly collections = new Map<string, Collection>();
  private readonly secrets = new Map<string, Collection>();

  constructor(private readonly opts: KubernetesDatastoreOptions) {
    super(opts, `kubernetes ${opts.transport.server}`);
    this.description = `kubernetes ${opts.transport.server}`;
    this.namespace = opts.namespace ?? 'kube-system';
  }

  /** The collections being watched (for tests and status): path to counters. */
  watches(): { path: string; stats: ListWatch['stats']; synced: boolean }[] {
    return [...this.collections.values(), ...this.secrets.values()].map((c) => ({ path: c.watch.path, stats: c.watch.stats, synced: c.watch.synced }));
  }

  private collection(path: string, convert: Collection['convert'], query?: Record<string, string>): Collection {
    const c: Collection = {
      convert,
      ready: Promise.resolve(),
      health: 'relisting',
      why: '',
      watch: new ListWatch({
        transport: this.opts.transport,
        path,
        ...(query ? { query } : {}),
        ...(this.opts.backoffMs ? { backoffMs: this.opts.backoffMs } : {}),
        ...(this.opts.watchTimeoutSeconds ? { watchTimeoutSeconds: this.opts.watchTimeoutSeconds } : {}),
        onChange: () => this.onChange(),
        onHealth: (h, why) => {
          c.health = h;
          c.why = why;
          this.updateSync();
        },
      }),
    };
    return c;
  }

  protected async connect(): Promise<void> {
    for (const { plural, kind } of CALICO_CRDS) {
      const path = `/apis/${CRD_GROUP_VERSION}/${plural}`;
      this.collections.set(path, this.collection(path, (o) => fromCustomResource(kind, path, o)));
    }
    this.collections.set('/api/v1/nodes', this.collection('/api/v1/nodes', (o) => fromNode('/api/v1/nodes', o)));
    await Promise.all([...this.collections.values()].map((c) => (c.ready = c.watch.start())));
    // Passwords: read the Secrets the first snapshot refers to before translating it,
    // for a moment only (as confd): one that cannot be read yet arrives as a change.
    this.followSecrets();
    await Promise.race([Promise.all([...this.secrets.values()].map((c) => c.ready)), new Promise((r) => setTimeout(r, 2000).unref())]);
    this.updateSync();
  }

  protected disconnect(): void {
    for (const c of [...this.collections.values(), ...this.secrets.values()]) c.watch.stop();
    this.collections.clear();
    this.secrets.clear();
  }

  protected objects(): ResourceObject[] {
    const out: ResourceObject[] = [];
    for (const c of [...this.collections.values(), ...this.secrets.values()]) {
      for (const item of c.watch.items.values()) out.push(c.convert(item));
    }
    return out;
  }

  private onChange(): void {
    if (this.stopped) return;
    this.followSecrets();
    this.changed();
  }

  /** Start watching newly referenced Secrets and stop those no longer referenced. */
  private followSecrets(): void {
    const peers = this.collections.get(`/apis/${CRD_GROUP_VERSION}/bgppeers`)?.watch.items.values() ?? [];
    const configs = this.collections.get(`/apis/${CRD_GROUP_VERSION}/bgpconfigurations`)?.watch.items.values() ?? [];
    const wanted = referencedSecrets(peers, configs);
    for (const [name, c] of this.secrets) {
      if (!wanted.has(name)) {
        c.watch.stop();
        this.secrets.delete(name);
      }
    }
    const path = `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/secrets`;
    for (const name of wanted) {
      if (this.secrets.has(name)) continue;
      const c = this.collection(path, (o) => fromSecret(path, o), { fieldSelector: `metadata.name=${name}` });
      this.secrets.set(name, c);
      c.ready = c.watch.start();
    }
  }

  private updateSync(): void {
    if (this.stopped) return;
    const all = [...this.collections.values(), ...this.secrets.values()];
    const failing = all.find((c) => c.health === 'failing');
    if (failing) this.setSync('disconnected', failing.why);
    else if (all.some((c) => c.health === 'relisting')) {
      if (this.syncState !== 'starting') this.setSync('resyncing', all.find((c) => c.health === 'relisting')!.why);
    }
    else if (all.length > 0 && all.every((c) => c.watch.synced)) this.setSync('in-sync');
  }
}
