import type { BgpError } from '../wire/error.js';
import type { CodecContext, DecodeContext } from '../wire/context.js';
import type { FamilyKey } from '../wire/constants.js';
import type { Decoded, BgpMessage } from '../wire/message.js';
import type { NotificationMessage } from '../wire/notification.js';
import type { OpenMessage } from '../wire/open.js';
import type { RouteRefreshMessage } from '../wire/route-refresh.js';

/** RFC 4271 §8.2.2 states. */
export type FsmState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

/** Timers the FSM asks its driver to run; every one is an output, never a clock read. */
export type TimerName = 'ConnectRetry' | 'Hold' | 'Keepalive' | 'IdleHold' | 'SendHold' | 'Stable';

export type AddPathMode = 'off' | 'receive' | 'send' | 'both';

/** What one peering is configured with. Defaults follow Calico's BIRD template. */
export interface SessionConfig {
  readonly localAs: number;
  /** The AS the peer must announce. */
  readonly peerAs: number;
  readonly routerId: number;
  /** Proposed hold time in seconds (BIRD: 240). 0 disables keepalives and the hold timer. */
  readonly holdTime: number;
  /** Keepalive interval in seconds; default hold/3 (Calico BGPPeer.keepaliveTime). */
  readonly keepaliveTime?: number;
  /** Refuse a negotiated hold time below this (besides 1 and 2, always refused). */
  readonly minHoldTime?: number;
  /** Seconds between outbound connection attempts (BIRD connect retry time 5). */
  readonly connectRetryTime: number;
  /** Seconds before the first outbound attempt (BIRD connect delay time 2). */
  readonly connectDelayTime: number;
  /** Seconds in Idle after an error, doubling per consecutive error (BIRD error wait time 5,30). */
  readonly idleHoldTime: { readonly min: number; readonly max: number };
  /** RFC 9687: give up when our sends have been stuck this long; default max(480, 2 x hold). */
  readonly sendHoldTime?: number;
  /** Never connect out; wait for the peer (Calico's lexical passive rule). */
  readonly passive: boolean;
  /** Address families to negotiate (multiprotocol capabilities). */
  readonly families: readonly FamilyKey[];
  readonly addPath: AddPathMode;
  /** RFC 4724: our restart time; null disables the capability. */
  readonly gracefulRestart: { readonly restartTime: number; readonly notification: boolean } | null;
  /** Set when we restarted and kept forwarding (R and F bits). */
  readonly restarting?: boolean;
  /** RFC 9494 long-lived stale time in seconds; null disables. */
  readonly longLivedStaleTime?: number | null;
  readonly extendedMessage: boolean;
  readonly hostname?: string;
  /** Accept 127.0.0.0/8 next hops: only for labs, tests and benchmarks confined to loopback. */
  readonly allowLoopbackNextHop?: boolean;
  /** Our cluster id when we are a route reflector: a CLUSTER_LIST holding it is a loop (RFC 4456 §8). */
  readonly clusterId?: number;
}

export interface PeerGracefulRestart {
  readonly restartTime: number;
  /** R bit: the peer has just restarted. */
  readonly restarting: boolean;
  /** N bit on both sides (RFC 8538): GR also applies after a NOTIFICATION other than Hard Reset. */
  readonly notification: boolean;
  /** Families the peer preserved forwarding state for (F bit). */
  readonly forwarding: ReadonlySet<FamilyKey>;
  readonly families: ReadonlySet<FamilyKey>;
}

/** The capability intersection of the two OPENs; drives the codec for the session. */
export interface Negotiated {
  readonly peerAs: number;
  readonly peerRouterId: number;
  readonly holdTime: number;
  readonly keepaliveTime: number;
  readonly fourOctetAs: boolean;
  readonly families: ReadonlySet<FamilyKey>;
  readonly addPathReceive: ReadonlySet<FamilyKey>;
  readonly addPathSend: ReadonlySet<FamilyKey>;
  readonly extendedMessage: boolean;
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  /** The peer's GR capability, if it sent one and we run GR too. */
  readonly peerGracefulRestart: PeerGracefulRestart | null;
  readonly peerLongLivedStaleTime: number | null;
  readonly peerHostname: string | null;
  /** Ready-made codec contexts for each direction. */
  readonly receive: DecodeContext;
  readonly send: CodecContext;
}

export type SessionInput =
  | { readonly type: 'Start' }
  | { readonly type: 'Stop'; readonly notification?: NotificationMessage }
  /**
   * RFC 4271 event 8 (AutomaticStop): the local system drops the session for
   * its own reasons (a max-prefix limit, RFC 4486 §4) and, unlike Stop,
   * restarts it by itself after the idle hold.
   */
  | { readonly type: 'AutomaticStop'; readonly notification: NotificationMessage }
  /** Our outbound TCP connection is up (RFC 4271 events 16/17). */
  | { readonly type: 'TcpConnected' }
  /** An inbound connection was handed to this session (event 17). */
  | { readonly type: 'TcpAccepted' }
  /** Connect failed, or the connection closed or reset (event 18). */
  | { readonly type: 'TcpFailed'; readonly reason: string }
  | { readonly type: 'Received'; readonly decoded: Decoded }
  /** The framer or decoder rejected what the peer sent. */
  | { readonly type: 'ReceiveError'; readonly error: BgpError }
  | { readonly type: 'TimerExpired'; readonly timer: TimerName }
  /** RFC 9687: the driver could not write for a while / can write again. */
  | { readonly type: 'SendBlocked' }
  | { readonly type: 'SendUnblocked' };

export type DownReason =
  | { readonly kind: 'notification-sent'; readonly code: number; readonly subcode: number; readonly text: string }
  | { readonly kind: 'notification-received'; readonly code: number; readonly subcode: number; readonly text: string }
  | { readonly kind: 'connection-lost'; readonly text: string }
  | { readonly kind: 'stopped'; readonly text: string };

export type SessionOutput =
  | { readonly type: 'Connect' }
  | { readonly type: 'Send'; readonly message: BgpMessage }
  | { readonly type: 'Disconnect' }
  | { readonly type: 'SetTimer'; readonly timer: TimerName; readonly ms: number }
  | { readonly type: 'ClearTimer'; readonly timer: TimerName }
  | { readonly type: 'StateChanged'; readonly from: FsmState; readonly to: FsmState }
  /** The peer's OPEN arrived: its BGP identifier decides connection collisions (§6.8). */
  | { readonly type: 'OpenReceived'; readonly open: OpenMessage }
  | { readonly type: 'Established'; readonly negotiated: Negotiated }
  /**
   * The session left Established. `graceful` means the peer runs graceful
   * restart and its routes stay, marked stale, for `restartTime` seconds
   * (RFC 4724 §4.2; RFC 8538 for NOTIFICATIONs).
   */
  | { readonly type: 'Down'; readonly reason: DownReason; readonly graceful: boolean; readonly restartTime: number }
  | { readonly type: 'Update'; readonly decoded: Decoded }
  | { readonly type: 'RouteRefresh'; readonly message: RouteRefreshMessage };

export interface Session {
  readonly state: FsmState;
  readonly config: SessionConfig;
  /** Current Idle hold in ms; doubles after each error up to the maximum. */
  readonly idleHoldMs: number;
  /** Whether the session restarts by itself after an error (false after Stop). */
  readonly autoRestart: boolean;
  readonly negotiated: Negotiated | null;
  readonly sendBlocked: boolean;
  /** Why the session last went down, for status displays. */
  readonly lastError: string | null;
  /** xorshift32 state for timer jitter, so step() stays pure and replayable. */
  readonly rng: number;
}

export interface StepResult {
  readonly session: Session;
  readonly outputs: readonly SessionOutput[];
}
