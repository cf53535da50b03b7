/**
 * What the BIRD-compatible socket needs from the daemon, as plain data.
 * The daemon implements `BirdProvider` (src/daemon/bird-provider.ts); this
 * module turns it into BIRD 1.6's words and columns.
 */
import type { Family, PathInfo, PeerInfo } from '../provider.js';

/** The two BIRDs calico-node runs: `bird` (IPv4, bird.ctl) and `bird6` (IPv6, bird6.ctl). */
export type BirdView = Family;

export interface BirdStatus {
  /** After "BIRD " in the greeting and `show status` (Calico's BIRD says v0.3.3+birdv1.6.8). */
  readonly version: string;
  readonly routerId: string;
  /** Unix ms: "Last reboot on". */
  readonly bootedAt: number;
  /** Unix ms: "Last reconfiguration on". */
  readonly reconfiguredAt: number;
  /** Graceful restart recovery after our own restart (BIRD -R); null when none. */
  readonly gracefulRestart?: { readonly waitingFor: number; readonly remaining: number; readonly total: number } | null;
  /** Shutting down: the final 0013 line says so. */
  readonly shuttingDown?: boolean;
}

/** Counters BIRD shows under "Routes:" and "Route change stats:". */
export interface RouteStats {
  readonly imported: number;
  readonly exported: number;
  readonly preferred: number;
  /** received, rejected, filtered, ignored, accepted */
  readonly importUpdates?: readonly [number, number, number, number, number];
  /** received, rejected, ignored, accepted */
  readonly importWithdraws?: readonly [number, number, number, number];
  /** received, rejected, filtered, accepted */
  readonly exportUpdates?: readonly [number, number, number, number];
  /** received, accepted */
  readonly exportWithdraws?: readonly [number, number];
}

/** A protocol that is not a BGP session: static1, kernel1, device1, direct1. */
export interface LocalProtocol {
  readonly name: string;
  /** BIRD's protocol type name. */
  readonly proto: 'Static' | 'Kernel' | 'Device' | 'Direct';
  readonly state: 'up' | 'start' | 'down' | 'wait';
  /** Unix ms of the last state change. */
  readonly since: number;
  readonly preference: number;
  readonly inputFilter: string;
  readonly outputFilter: string;
  readonly stats: RouteStats;
}

/** A BGP peer: the API's view plus what only `show protocols all` prints. */
export interface BirdPeer extends PeerInfo {
  /** Calico's template says "Connection to BGP peer". */
  readonly description?: string;
  /** The session's local address. */
  readonly sourceAddress?: string;
  /** Seconds left on the running timers, when known. */
  readonly holdTimerRemaining?: number;
  readonly keepaliveTimerRemaining?: number;
  /** BIRD's route statistics when the daemon keeps them; absent: derived from `counters`. */
  readonly stats?: RouteStats;
  /** Seconds left before the next connection attempt, and the configured delay. */
  readonly connectDelay?: readonly [number, number];
  /** Best paths in the view's table that came from this peer. */
  readonly preferred?: number;
  readonly inputFilter?: string;
  readonly outputFilter?: string;
  /** The peer's routes are kept stale while it restarts (RFC 4724). */
  readonly gracefulRestartActive?: boolean;
  /** Route-reflector client / multihop session, for the "Session:" line. */
  readonly routeReflectorClient?: boolean;
  readonly multihop?: boolean;
}

export interface BirdProvider {
  status(view: BirdView): BirdStatus;
  /** In BIRD's order: as confd's bird.cfg declares them (static, kernel, device, direct). */
  localProtocols(view: BirdView): LocalProtocol[];
  /** The view's BGP sessions (peers whose session address is of that family), sorted by name. */
  peers(view: BirdView): BirdPeer[];
  /** The view's Loc-RIB, paths of one prefix adjacent and best first. */
  routes(view: BirdView): readonly PathInfo[];
  /** The interface a next hop is reached on, when known (BIRD prints "via G on IF"). */
  interfaceFor?(nextHop: string): string | undefined;
}
