import type { SetupRequest } from '../loadgen/protocol.js';
import type { DaemonSpec } from '../impls/types.js';

export const DAEMON_ADDRESS = '127.0.0.1';
export const DAEMON_AS = 64512;
/** RFC 2544's benchmarking range: the senders' NEXT_HOPs and BGP identifiers (FRR and GoBGP refuse 127/8 next hops). */
export const NEXT_HOP_RANGE = '198.18.0.0/15';

export interface Scenario {
  readonly name: 'rr' | 'ingest';
  readonly spec: DaemonSpec;
  /** Prefixes a watcher holds at convergence, over all watchers (what "converged" means). */
  readonly routesToDeliver: number;
  /** Distinct prefixes the daemon holds at convergence (for RSS per prefix). */
  readonly prefixesHeld: number;
  /** The load generator's sessions and routes, dialling or accepting. */
  gen(mode: 'connect' | 'accept'): Omit<SetupRequest, 'cmd'>;
}

/** 127.<a>.<idx / 256>.<idx % 256>, idx from 1. */
export function loopback(a: number, idx: number): string {
  return `127.${a}.${idx >> 8}.${idx & 255}`;
}

export function benchAddress(idx: number): string {
  return `198.18.${idx >> 8}.${idx & 255}`;
}
