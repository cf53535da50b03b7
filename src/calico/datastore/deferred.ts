/**
 * A datastore whose code is loaded when it starts. The Kubernetes and etcd
 * adapters pull in large client libraries (@kubernetes/client-node, etcd3):
 * loading them only when that datastore is used keeps every other command
 * (`petrel status`, `petrel birdcl` under a liveness probe) quick to start.
 */
import { EventEmitter } from 'node:events';
import type { CalicoResources } from '../resources/types.js';
import type { DesiredState } from '../translate/desired-state.js';
import type { CalicoDatastore, DatastoreEvents, SyncState } from './pipeline.js';

export class DeferredDatastore extends EventEmitter<DatastoreEvents> implements CalicoDatastore {
  private inner: CalicoDatastore | null = null;
  private stopped = false;

  constructor(
    readonly description: string,
    private readonly load: () => Promise<CalicoDatastore>,
  ) {
    super();
  }

  get current(): DesiredState | null {
    return this.inner?.current ?? null;
  }
  get currentResources(): CalicoResources | null {
    return this.inner?.currentResources ?? null;
  }
  get syncState(): SyncState {
    return this.stopped ? 'stopped' : (this.inner?.syncState ?? 'starting');
  }

  async start(): Promise<DesiredState> {
    const inner = await this.load();
    if (this.stopped) throw new Error(`${this.description}: stopped before it started`);
    this.inner = inner;
    inner.on('update', (u) => this.emit('update', u));
    inner.on('rejected', (r) => this.emit('rejected', r));
    inner.on('sync', (s) => this.emit('sync', s));
    return inner.start();
  }

  stop(): void {
    this.stopped = true;
    this.inner?.stop();
  }
}
