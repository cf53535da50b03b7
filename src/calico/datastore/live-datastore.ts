/**
 * What the live datastores (Kubernetes, etcd) share: a map of the resources
 * currently in the source, kept up to date by list and watch; changes are
 * coalesced for a moment and the whole map is offered to the pipeline, so a
 * burst of watch events is one validation and one diff. While the source is
 * away the map and the state in force stay as they were: routing goes on with
 * the last good state, and nothing flaps.
 */
import { EventEmitter } from 'node:events';
import { loadResourceObjects, type ResourceObject } from '../resources/load.js';
import type { CalicoResources } from '../resources/types.js';
import type { TranslationEnv } from '../translate/compute.js';
import type { DesiredState } from '../translate/desired-state.js';
import type { RawValue } from '../yaml-documents.js';
import { consoleLogger, DesiredStatePipeline, type CalicoDatastore, type DatastoreEvents, type DatastoreLogger, type SyncState } from './pipeline.js';

export interface LiveDatastoreOptions {
  readonly nodeName: string;
  readonly env?: TranslationEnv;
  readonly logger?: DatastoreLogger;
  /** Quiet time after the last change before the snapshot is translated (ms). */
  readonly debounceMs?: number;
}

/** A JSON value is deeper or larger than any Calico resource could be. */
const MAX_DEPTH = 64;
const MAX_VALUES = 200_000;

/**
 * JSON from a server to the plain values the resource readers take: scalars
 * become strings, as YAML scalars do (`64512` and `"64512"` mean the same to
 * Calico's typed fields). Hostile nesting or size is refused, not followed.
 */
export function jsonToRaw(v: unknown): RawValue {
  const budget = { left: MAX_VALUES };
  const walk = (x: unknown, depth: number): RawValue => {
    if (--budget.left < 0) throw new Error('value is too large');
    if (depth > MAX_DEPTH) throw new Error(`value nests deeper than ${MAX_DEPTH} levels`);
    if (x === null || x === undefined) return null;
    if (typeof x === 'string') return x;
    if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return String(x);
    if (Array.isArray(x)) return x.map((e) => walk(e, depth + 1));
    if (typeof x === 'object') {
      const out: { [k: string]: RawValue } = {};
      for (const [k, e] of Object.entries(x as Record<string, unknown>)) out[k] = walk(e, depth + 1);
      return out;
    }
    return null;
  };
  return walk(v, 0);
}

export abstract class LiveDatastore extends EventEmitter<DatastoreEvents> implements CalicoDatastore {
  protected readonly pipeline: DesiredStatePipeline;
  protected readonly log: DatastoreLogger;
  private readonly debounceMs: number;
  private debounce: NodeJS.Timeout | null = null;
  private sync: SyncState = 'starting';
  protected stopped = false;

  constructor(opts: LiveDatastoreOptions, label: string) {
    super();
    this.log = opts.logger ?? consoleLogger;
    this.debounceMs = opts.debounceMs ?? 100;
    this.pipeline = new DesiredStatePipeline({ nodeName: opts.nodeName, ...(opts.env ? { env: opts.env } : {}), logger: this.log, label }, this);
  }

  abstract readonly description: string;
  /** Start listing and watching; resolves once every collection has been read in full. */
  protected abstract connect(): Promise<void>;
  protected abstract disconnect(): void;
  /** Every resource the source holds now. */
  protected abstract objects(): ResourceObject[];

  get current(): DesiredState | null {
    return this.pipeline.state;
  }

  get currentResources(): CalicoResources | null {
    return this.pipeline.resources;
  }

  get syncState(): SyncState {
    return this.sync;
  }

  /**
   * Wait for the first full read (retrying while the server is away), then
   * translate it; a snapshot that gives no state for this node throws, as a
   * bad file does at start.
   */
  async start(): Promise<DesiredState> {
    this.stopped = false;
    await this.connect();
    const snapshot = { resources: this.snapshotResources() };
    const state = this.pipeline.translate(snapshot);
    this.pipeline.accept(snapshot.resources, state);
    return state;
  }

  stop(): void {
    this.stopped = true;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = null;
    this.disconnect();
    this.setSync('stopped');
  }

  protected snapshotResources(): CalicoResources {
    return loadResourceObjects(this.objects(), this.description);
  }

  /** The source changed: translate the new contents after the debounce. */
  protected changed(): void {
    if (this.stopped || this.pipeline.state === null) return;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      if (!this.stopped) this.pipeline.offer(() => ({ resources: this.snapshotResources() }));
    }, this.debounceMs);
  }

  protected setSync(s: SyncState, why?: string): void {
    if (s === this.sync) return;
    const before = this.sync;
    this.sync = s;
    if (s === 'disconnected') this.log.warn(`${this.description}: ${why ?? 'connection lost'}; routing continues on the last good state`);
    else if (s === 'in-sync' && before !== 'starting') this.log.info(`${this.description}: in sync again`);
    else if (s === 'resyncing') this.log.info(`${this.description}: ${why ?? 'listing again'}`);
    this.emit('sync', s);
  }
}
