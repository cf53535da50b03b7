/**
 * The file datastore: a multi-document YAML file of Calico resources,
 * watched for changes. Each change is re-read, validated as a whole,
 * translated for this node and diffed against the running desired state; the
 * typed changes go to the daemon, which touches only what they name.
 *
 * Editors save in many ways (write in place, write a temp file and rename,
 * delete then create), so the directory is watched, not the file, changes are
 * debounced, and a periodic stat is a safety net for filesystems where
 * inotify is unreliable. A file that is missing, half-written or invalid is
 * reported and the previous state keeps running.
 *
 * With `endpointStatusDir`, Felix's endpoint-status directory is read with the
 * file and watched the same way: a workload selected for local BGP peering
 * appearing, changing or going away is a change like an edit of the file.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { loadResources } from '../resources/load.js';
import type { CalicoResources } from '../resources/types.js';
import type { TranslationEnv } from '../translate/compute.js';
import type { DesiredState } from '../translate/desired-state.js';
import { readEndpointStatusDir, statusDirSignature, type EndpointStatusSnapshot } from './endpoint-status.js';
import {
  consoleLogger,
  DesiredStatePipeline,
  type CalicoDatastore,
  type DatastoreEvents,
  type DatastoreLogger,
  type Snapshot,
  type SyncState,
} from './pipeline.js';

export { consoleLogger, type DatastoreLogger, type DatastoreRejection, type DatastoreUpdate } from './pipeline.js';

export interface FileDatastoreOptions {
  readonly path: string;
  readonly nodeName: string;
  readonly env?: TranslationEnv;
  /**
   * Felix's endpoint-status directory (calico-node: /var/run/calico/endpoint-status),
   * the source of local workload peers as confd reads it. Unset: only the
   * WorkloadEndpoint resources of the file are used.
   */
  readonly endpointStatusDir?: string;
  /** Quiet time after the last file event before re-reading (ms). */
  readonly debounceMs?: number;
  /** Interval of the stat safety net (ms); 0 disables it. */
  readonly pollIntervalMs?: number;
  readonly logger?: DatastoreLogger;
}

/** `file:PATH` (or a bare path) to an absolute path. */
export function parseDatastoreUrl(spec: string): string {
  if (spec.startsWith('file:')) {
    const p = spec.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
    if (p === '') throw new Error('--datastore file: needs a path (file:/etc/petrel/calico.yaml)');
    return resolve(p);
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(spec)) throw new Error(`--datastore: "${spec.split(':')[0]}" datastores are not supported yet; use file:PATH`);
  return resolve(spec);
}

export class FileDatastore extends EventEmitter<DatastoreEvents> implements CalicoDatastore {
  readonly path: string;
  private readonly pipeline: DesiredStatePipeline;
  private readonly statusDir: string | null;
  private statusSnapshot: EndpointStatusSnapshot | null = null;
  private statusWatcher: FSWatcher | null = null;
  private lastStatusWarnings = '';
  private readonly debounceMs: number;
  private readonly pollIntervalMs: number;
  private readonly log: DatastoreLogger;
  private lastDigest: string | null = null;
  private watcher: FSWatcher | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private rewatch: NodeJS.Timeout | null = null;
  private lastStat: string | null = null;
  private reading: Promise<void> | null = null;
  private again = false;
  private stopped = true;

  constructor(opts: FileDatastoreOptions) {
    super();
    this.path = resolve(opts.path);
    this.statusDir = opts.endpointStatusDir !== undefined ? resolve(opts.endpointStatusDir) : null;
    this.debounceMs = opts.debounceMs ?? 200;
    this.pollIntervalMs = opts.pollIntervalMs ?? 2000;
    this.log = opts.logger ?? consoleLogger;
    this.pipeline = new DesiredStatePipeline({ nodeName: opts.nodeName, ...(opts.env ? { env: opts.env } : {}), logger: this.log, label: this.path }, this);
  }

  get description(): string {
    return `file ${this.path}`;
  }

  /** A file is always in sync with itself once read. */
  get syncState(): SyncState {
    return this.stopped ? (this.pipeline.state ? 'stopped' : 'starting') : 'in-sync';
  }

  /** The desired state in force, or null before the first valid read. */
  get current(): DesiredState | null {
    return this.pipeline.state;
  }

  get currentResources(): CalicoResources | null {
    return this.pipeline.resources;
  }

  /**
   * Read and translate the file once. Throws (CalicoConfigError, UnknownNodeError,
   * or the I/O error) if it cannot produce a state; on success the state is in force.
   */
  async load(): Promise<DesiredState> {
    const text = await readFile(this.path, 'utf8');
    const statuses = await this.readStatuses();
    const snapshot = this.snapshot(text, statuses);
    const state = this.pipeline.translate(snapshot);
    this.pipeline.accept(snapshot.resources, state);
    this.remember(text, statuses);
    return state;
  }

  /** Load (failing loudly if the first read is bad), then watch for changes. */
  async start(): Promise<DesiredState> {
    const state = await this.load();
    this.stopped = false;
    this.watchDirectory();
    this.watchStatusDirectory();
    if (this.pollIntervalMs > 0) {
      this.poll = setInterval(() => void this.checkStat(), this.pollIntervalMs);
      this.poll.unref();
    }
    await this.checkStat();
    return state;
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    this.watcher = null;
    this.statusWatcher?.close();
    this.statusWatcher = null;
    for (const t of [this.debounce, this.rewatch]) if (t) clearTimeout(t);
    if (this.poll) clearInterval(this.poll);
    this.debounce = this.rewatch = this.poll = null;
  }

  /** Re-read now (after the debounce the watcher would use); resolves when the read is handled. */
  reload(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = this.readAndApply().finally(() => {
      this.reading = null;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.reload();
      }
    });
    return this.reading;
  }

  /** Parse and validate the file (throws CalicoConfigError), with the endpoint statuses beside it. */
  private snapshot(text: string, statuses: EndpointStatusSnapshot | null): Snapshot {
    return { resources: loadResources(text, this.path), ...(statuses ? { inputs: { endpointStatuses: statuses.statuses } } : {}) };
  }

  /** The endpoint-status directory now (null without one); its warnings are logged when they change. */
  private async readStatuses(): Promise<EndpointStatusSnapshot | null> {
    if (this.statusDir === null) return null;
    const snapshot = await readEndpointStatusDir(this.statusDir, this.statusSnapshot ?? undefined);
    const warnings = snapshot.warnings.join('\n');
    if (warnings !== this.lastStatusWarnings) for (const w of snapshot.warnings) this.log.warn(w);
    this.lastStatusWarnings = warnings;
    return snapshot;
  }

  private remember(text: string, statuses: EndpointStatusSnapshot | null): void {
    this.statusSnapshot = statuses;
    this.lastDigest = digest(text, statuses);
  }

  private async readAndApply(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      this.reject(code === 'ENOENT' ? 'missing' : 'unreadable', code === 'ENOENT' ? 'the file is missing' : (e as Error).message);
      return;
    }
    const statuses = await this.readStatuses();
    if (digest(text, statuses) === this.lastDigest) {
      this.pipeline.clearRejection();
      return;
    }
    this.pipeline.offer(
      () => this.snapshot(text, statuses),
      () => this.remember(text, statuses),
    );
  }

  private reject(reason: 'missing' | 'unreadable', message: string): void {
    this.pipeline.reject(reason, message);
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      void this.reload();
    }, this.debounceMs);
  }

  private watchDirectory(): void {
    if (this.stopped) return;
    const name = basename(this.path);
    try {
      this.watcher = watch(dirname(this.path), { persistent: false }, (_event, file) => {
        // Some platforms omit the name; then any change in the directory counts.
        if (file === null || file === undefined || file.toString() === name) this.schedule();
      });
      this.watcher.on('error', (err) => {
        this.log.warn(`${this.path}: watching the directory failed (${err.message}); retrying`);
        this.watcher?.close();
        this.watcher = null;
        this.retryWatch();
      });
    } catch (e) {
      this.log.warn(`${this.path}: cannot watch the directory (${(e as Error).message}); retrying`);
      this.retryWatch();
    }
  }

  /** Watch the endpoint-status directory itself; if it does not exist yet, the stat poll notices it appear. */
  private watchStatusDirectory(): void {
    if (this.stopped || this.statusDir === null || this.statusWatcher !== null) return;
    try {
      this.statusWatcher = watch(this.statusDir, { persistent: false }, () => this.schedule());
      this.statusWatcher.on('error', () => {
        this.statusWatcher?.close();
        this.statusWatcher = null;
        this.schedule();
      });
    } catch {
      this.statusWatcher = null;
    }
  }

  private retryWatch(): void {
    if (this.stopped || this.rewatch) return;
    this.rewatch = setTimeout(() => {
      this.rewatch = null;
      this.watchDirectory();
      this.schedule();
    }, Math.max(this.debounceMs, 1000));
    this.rewatch.unref();
  }

  private async checkStat(): Promise<void> {
    let sig: string;
    try {
      const s = await stat(this.path);
      sig = `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      sig = 'missing';
    }
    if (this.statusDir !== null) {
      sig += `|${await statusDirSignature(this.statusDir)}`;
      this.watchStatusDirectory();
    }
    if (this.lastStat !== null && sig !== this.lastStat) this.schedule();
    this.lastStat = sig;
  }
}

/** What a state was computed from: the file, and the endpoint statuses' content. */
function digest(text: string, snapshot: EndpointStatusSnapshot | null): string {
  const h = createHash('sha256').update(text);
  if (snapshot) h.update('\0').update(JSON.stringify(snapshot.statuses));
  return h.digest('hex');
}
