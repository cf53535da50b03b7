/**
 * The path every datastore shares: a snapshot of Calico resources is
 * validated, translated for this node and diffed against the state in force;
 * the typed changes go out as one 'update' event, a bad snapshot as one
 * 'rejected' event with the previous state kept. Sources (a file, the
 * Kubernetes API, etcd) only decide when a snapshot is ready and what it holds,
 * so whatever the datastore, the same desired-state diff drives the sessions.
 */
import type { EventEmitter } from 'node:events';
import { diffDesiredState, type StateChange } from '../diff.js';
import type { CalicoResources } from '../resources/types.js';
import { computeDesiredState, type TranslationEnv, type TranslationInputs } from '../translate/compute.js';
import type { DesiredState } from '../translate/desired-state.js';

export interface DatastoreLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const consoleLogger: DatastoreLogger = {
  info: (m) => console.error(`info: ${m}`),
  warn: (m) => console.error(`warn: ${m}`),
  error: (m) => console.error(`error: ${m}`),
};

export interface DatastoreUpdate {
  readonly state: DesiredState;
  /** null for the first state. */
  readonly previous: DesiredState | null;
  readonly changes: readonly StateChange[];
  readonly resources: CalicoResources;
}

export interface DatastoreRejection {
  /** missing/unreadable: the file; invalid: the resources; unreachable: a live datastore's server. */
  readonly reason: 'missing' | 'unreadable' | 'invalid' | 'unreachable';
  readonly message: string;
  /** The state still in force (null if there has never been a valid one). */
  readonly kept: DesiredState | null;
}

/**
 * Where a datastore stands with its source, for logs and the metrics:
 * `in-sync` once the full contents were read and every watch is running;
 * `resyncing` while it lists again (a 410 Gone, an etcd compaction);
 * `disconnected` while the server cannot be reached (the last good state keeps routing).
 */
export type SyncState = 'starting' | 'in-sync' | 'resyncing' | 'disconnected' | 'stopped';

export interface DatastoreEvents {
  update: [DatastoreUpdate];
  rejected: [DatastoreRejection];
  sync: [SyncState];
}

/** What the daemon needs of any datastore. */
export interface CalicoDatastore extends EventEmitter<DatastoreEvents> {
  /** e.g. `file /etc/calico.yaml`, `kubernetes https://10.96.0.1:443`, `etcdv3 http://127.0.0.1:2379`. */
  readonly description: string;
  /** The desired state in force, or null before the first valid snapshot. */
  readonly current: DesiredState | null;
  readonly currentResources: CalicoResources | null;
  readonly syncState: SyncState;
  /** Read everything once (failing loudly if that cannot give a state), then follow changes. */
  start(): Promise<DesiredState>;
  stop(): void;
}

export interface PipelineOptions {
  readonly nodeName: string;
  readonly env?: TranslationEnv;
  readonly logger: DatastoreLogger;
  /** Prefix of every log line: the file path, `kubernetes`, `etcdv3`. */
  readonly label: string;
}

export interface Snapshot {
  readonly resources: CalicoResources;
  readonly inputs?: TranslationInputs;
}

export type OfferResult = 'applied' | 'unchanged' | 'rejected';

export class DesiredStatePipeline {
  private stateInForce: DesiredState | null = null;
  private resourcesInForce: CalicoResources | null = null;
  private lastRejection: string | null = null;
  readonly nodeName: string;
  private readonly env: TranslationEnv;
  private readonly log: DatastoreLogger;
  private readonly label: string;

  constructor(
    opts: PipelineOptions,
    private readonly emitter: Pick<EventEmitter<DatastoreEvents>, 'emit'>,
  ) {
    this.nodeName = opts.nodeName;
    this.env = opts.env ?? {};
    this.log = opts.logger;
    this.label = opts.label;
  }

  get state(): DesiredState | null {
    return this.stateInForce;
  }

  get resources(): CalicoResources | null {
    return this.resourcesInForce;
  }

  /** Translate a snapshot for this node. Throws (UnknownNodeError, ...) if it gives no state. */
  translate(snapshot: Snapshot): DesiredState {
    return computeDesiredState(snapshot.resources, this.nodeName, this.env, snapshot.inputs ?? {});
  }

  /** Put a translated state in force without emitting (the first load); returns the diff. */
  accept(resources: CalicoResources, state: DesiredState): { previous: DesiredState | null; changes: StateChange[] } {
    const previous = this.stateInForce;
    const changes = diffDesiredState(previous, state);
    this.stateInForce = state;
    this.resourcesInForce = resources;
    this.lastRejection = null;
    for (const w of state.warnings) this.log.warn(`${this.label}: ${w}`);
    return { previous, changes };
  }

  /**
   * The whole path for a new snapshot: build (validation throws), translate,
   * diff, emit. `onAccepted` runs once the state is in force, before the event.
   * Nothing a snapshot holds can throw out of here: a bad one is a rejection.
   */
  offer(build: () => Snapshot, onAccepted?: () => void): OfferResult {
    let snapshot: Snapshot;
    let state: DesiredState;
    try {
      snapshot = build();
      state = this.translate(snapshot);
    } catch (e) {
      this.reject('invalid', e instanceof Error ? e.message : String(e));
      return 'rejected';
    }
    const { previous, changes } = this.accept(snapshot.resources, state);
    onAccepted?.();
    if (changes.length === 0) {
      this.log.info(`${this.label}: re-read, nothing changed for node ${this.nodeName}`);
      return 'unchanged';
    }
    this.log.info(`${this.label}: applied ${changes.length} change(s) for node ${this.nodeName}: ${summarise(changes)}`);
    this.emitter.emit('update', { state, previous, changes, resources: snapshot.resources });
    return 'applied';
  }

  /** Report a snapshot that cannot be used; the state in force stays. A repeated report is said once. */
  reject(reason: DatastoreRejection['reason'], message: string): void {
    const line = `${this.label}: ${reason === 'invalid' ? 'rejected' : reason}: ${message}; keeping the previous state`;
    if (line === this.lastRejection) return;
    if (reason === 'invalid') this.log.error(line);
    else this.log.warn(line);
    this.lastRejection = line;
    this.emitter.emit('rejected', { reason, message, kept: this.stateInForce });
  }

  /** The source is good again (unchanged content): the next problem is reported afresh. */
  clearRejection(): void {
    this.lastRejection = null;
  }
}

export function summarise(changes: readonly StateChange[]): string {
  const counts = new Map<string, number>();
  for (const c of changes) {
    const k = c.kind === 'peerChanged' ? (c.resetRequired ? 'peerReset' : 'peerUpdated') : c.kind;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k}×${n}`).join(', ');
}
