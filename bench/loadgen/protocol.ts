/**
 * What the orchestrator and the load generator (a child process) say to
 * each other over Node's IPC channel. Plain JSON: addresses as dotted
 * strings, prefixes as indexes into one contiguous space, so the messages
 * stay small even for a million prefixes.
 */

/** One simulated BGP speaker: a socket bound to its own 127.x address. */
export interface GenSession {
  readonly id: number;
  /** Our address (bound before connecting, or listened on). */
  readonly local: string;
  /** The daemon's address. */
  readonly remote: string;
  /** The daemon's port (connect), or ours (accept). */
  readonly port: number;
  readonly as: number;
  readonly bgpId: string;
  /** connect: we dial the daemon (it is passive); accept: the daemon dials us. */
  readonly mode: 'connect' | 'accept';
}

/**
 * The prefixes of a scenario: `count` prefixes of length `len` back to back
 * from `base` (a dotted address). Index i is base + i * 2^(32-len).
 */
export interface PrefixSpace {
  readonly base: string;
  readonly len: number;
  readonly count: number;
}

/** One attribute set (IPv4 unicast, classic NLRI field). */
export interface AttrSpec {
  readonly nextHop: string;
  readonly asPath: readonly number[];
  readonly med?: number;
  readonly localPref?: number;
  readonly communities?: readonly number[];
}

/** Prefixes [from, from+count) of the space, announced by one session with one attribute set. */
export interface RangeSpec {
  readonly from: number;
  readonly count: number;
  readonly attrs: AttrSpec;
}

export interface SenderSpec {
  readonly session: number;
  readonly ranges: readonly RangeSpec[];
}

/** A session that counts what it receives; prefixes in [ownFrom, ownTo) are its own and not counted. */
export interface WatcherSpec {
  readonly session: number;
  readonly ownFrom: number;
  readonly ownTo: number;
  /** How many prefixes it holds once every announcement has landed. */
  readonly expect: number;
}

export interface SetupRequest {
  readonly cmd: 'setup';
  readonly sessions: readonly GenSession[];
  readonly space: PrefixSpace;
  readonly senders: readonly SenderSpec[];
  readonly watchers: readonly WatcherSpec[];
  /** Hold time we offer (seconds). */
  readonly holdTime: number;
}

export type Request =
  | SetupRequest
  /** Resolve once every session is Established. */
  | { readonly cmd: 'established'; readonly timeoutMs: number }
  /** Resolve once nothing has arrived on any session for quietMs (at most maxMs). */
  | { readonly cmd: 'settle'; readonly quietMs: number; readonly maxMs: number }
  /** Send every sender's announcements (or withdrawals) and time until every watcher has them. */
  | { readonly cmd: 'phase'; readonly kind: 'announce' | 'withdraw'; readonly timeoutMs: number }
  | { readonly cmd: 'close' };

export interface PhaseResult {
  readonly kind: 'announce' | 'withdraw';
  readonly ok: boolean;
  /** From the first byte written to the last watcher reaching its target (or to the timeout). */
  readonly seconds: number;
  /** Writing every sender's UPDATEs (until the kernel took the last byte). */
  readonly sendSeconds: number;
  readonly watchersDone: number;
  readonly watchers: number;
  /** Prefixes held over all watchers at the end, and the target sum. */
  readonly held: number;
  readonly target: number;
  /** The generator's own CPU seconds and event-loop utilisation over the phase: is it the bottleneck? */
  readonly genCpuSeconds: number;
  readonly genEventLoopUtilization: number;
  readonly updatesReceived: number;
  readonly error?: string;
}

export type Reply =
  | { readonly id: number; readonly ok: true; readonly result?: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

export interface Envelope {
  readonly id: number;
  readonly req: Request;
}
