import type { FamilyKey } from './constants.js';

/**
 * What a session negotiated, for one direction of traffic. The session
 * builds one context for what it receives and one for what it sends
 * (ADD-PATH is negotiated per direction, RFC 7911 §4).
 */
export interface CodecContext {
  /** RFC 6793 negotiated: AS_PATH and AGGREGATOR carry 4-octet AS numbers. */
  readonly fourOctetAs: boolean;
  /** Families whose NLRI carry a path identifier in this direction (RFC 7911). */
  readonly addPath: ReadonlySet<FamilyKey>;
  /** RFC 8654 negotiated: messages other than OPEN and KEEPALIVE may reach 65535 bytes. */
  readonly extendedMessage: boolean;
}

/** Receive-side knobs: who the peer is decides several RFC 7606 actions. */
export interface DecodeContext extends CodecContext {
  /** The peer is in another AS (LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST are discarded, RFC 7606 §7.5, §7.9, §7.10). */
  readonly ebgp: boolean;
  /** RFC 7606 §5.3 and §7.11: on an unparsable MP_REACH/MP_UNREACH, reset the session (default) or disable that AFI/SAFI. */
  readonly mpErrorAction?: 'session-reset' | 'afi-safi-disable';
  /** Peer AS, for the eBGP first-AS check (RFC 4271 §6.3). */
  readonly peerAs?: number;
  /** When set on eBGP, an AS_PATH whose first AS is not the peer's is treated as withdrawn. */
  readonly enforceFirstAs?: boolean;
  /** Our addresses: a NEXT_HOP equal to one of them makes the route ignored (RFC 4271 §6.3). */
  readonly localAddresses?: ReadonlySet<number>;
  /** Accept 127.0.0.0/8 next hops (benchmarks and tests on loopback); martians otherwise. */
  readonly allowLoopbackNextHop?: boolean;
  /** Our cluster id as route reflector: a CLUSTER_LIST holding it is a loop (RFC 4456 §8). */
  readonly clusterId?: number;
  /** Our BGP identifier: an ORIGINATOR_ID equal to it is a loop (RFC 4456 §8). */
  readonly routerId?: number;
}

const NO_FAMILIES: ReadonlySet<FamilyKey> = new Set();

export function codecContext(opts: Partial<CodecContext> = {}): CodecContext {
  return {
    fourOctetAs: opts.fourOctetAs ?? true,
    addPath: opts.addPath ?? NO_FAMILIES,
    extendedMessage: opts.extendedMessage ?? false,
  };
}

export function decodeContext(opts: Partial<DecodeContext> = {}): DecodeContext {
  return { ...opts, ...codecContext(opts), ebgp: opts.ebgp ?? false };
}

/** Before OPEN is exchanged: 2-octet AS, no ADD-PATH, 4096-byte messages. */
export const INITIAL_CONTEXT: CodecContext = codecContext({ fourOctetAs: false });
