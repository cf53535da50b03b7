import type { RunningDaemon } from '../lib/daemon.js';

/** A peer of the daemon under test (one load generator session). */
export interface BenchPeer {
  readonly address: string;
  readonly as: number;
  /** The daemon reflects to it as its route reflector (rr scenario). */
  readonly rrClient: boolean;
}

/** What a scenario asks of the daemon under test; each implementation turns it into its own configuration. */
export interface DaemonSpec {
  readonly scenario: string;
  readonly address: string;
  readonly port: number;
  readonly as: number;
  readonly routerId: string;
  /** Set: the daemon is a route reflector with this cluster id. */
  readonly clusterId?: string;
  readonly peers: readonly BenchPeer[];
  /** Calico's IP pool holding every prefix of the scenario (Calico-style configs export only pool routes). */
  readonly pool: string;
  /** Where the senders' NEXT_HOPs are: daemons that resolve next hops are given a route to it. */
  readonly nextHopRange: string;
}

export interface StartOptions {
  /** petrel only: run with --cpu-prof into this directory. */
  readonly profileDir?: string;
  /** petrel only: the checkout whose dist/cli/main.js runs. */
  readonly petrelDir: string;
}

export interface Started {
  readonly daemon: RunningDaemon;
  /** Resolves once the daemon is up (control socket or API answers). */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

export type ImplName = 'petrel' | 'bird1' | 'bird2' | 'gobgp' | 'frr';

export interface Impl {
  readonly name: ImplName;
  /** Why it cannot run here (missing binary), or null. */
  missing(opts: StartOptions): string | null;
  /** Its version, for the report. */
  version(opts: StartOptions): string;
  /** Whether the load generator dials the daemon or the daemon dials it. */
  sessionMode(spec: DaemonSpec): 'connect' | 'accept';
  start(spec: DaemonSpec, dir: string, opts: StartOptions): Started;
}
