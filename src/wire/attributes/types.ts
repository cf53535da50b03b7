import type { Origin } from '../constants.js';
import type { Nlri } from '../nlri.js';

/**
 * Every path attribute a Calico cluster, a route reflector or a ToR router
 * exchanges, typed. `flags` is present only when the flags received differ
 * from what the encoder would write (canonical Optional/Transitive bits,
 * Partial clear, Extended Length only when needed), so re-encoding a
 * received attribute is byte-exact while attributes built locally need none.
 */
interface AttrCommon {
  readonly flags?: number;
}

export interface OriginAttr extends AttrCommon {
  readonly kind: 'ORIGIN';
  readonly origin: Origin;
}

export interface AsPathSegment {
  /** AS_SET 1, AS_SEQUENCE 2, AS_CONFED_SEQUENCE 3, AS_CONFED_SET 4 */
  readonly type: 1 | 2 | 3 | 4;
  readonly asns: readonly number[];
}

export interface AsPathAttr extends AttrCommon {
  readonly kind: 'AS_PATH';
  readonly segments: readonly AsPathSegment[];
}

export interface NextHopAttr extends AttrCommon {
  readonly kind: 'NEXT_HOP';
  /** IPv4 address as uint32 */
  readonly nextHop: number;
}

export interface MultiExitDiscAttr extends AttrCommon {
  readonly kind: 'MULTI_EXIT_DISC';
  readonly med: number;
}

export interface LocalPrefAttr extends AttrCommon {
  readonly kind: 'LOCAL_PREF';
  readonly localPref: number;
}

export interface AtomicAggregateAttr extends AttrCommon {
  readonly kind: 'ATOMIC_AGGREGATE';
}

export interface AggregatorAttr extends AttrCommon {
  readonly kind: 'AGGREGATOR';
  readonly asn: number;
  /** IPv4 address as uint32 */
  readonly address: number;
}

export interface CommunitiesAttr extends AttrCommon {
  readonly kind: 'COMMUNITIES';
  /** RFC 1997 communities as uint32 (ASN << 16 | value) */
  readonly communities: readonly number[];
}

export interface OriginatorIdAttr extends AttrCommon {
  readonly kind: 'ORIGINATOR_ID';
  readonly originatorId: number;
}

export interface ClusterListAttr extends AttrCommon {
  readonly kind: 'CLUSTER_LIST';
  readonly clusterList: readonly number[];
}

export interface MpReachNlriAttr extends AttrCommon {
  readonly kind: 'MP_REACH_NLRI';
  readonly afi: number;
  readonly safi: number;
  /**
   * Next hop as on the wire: 4 bytes (IPv4), 16 (IPv6 global, or IPv6 for
   * IPv4 NLRI per RFC 8950), or 32 (IPv6 global followed by link-local).
   */
  readonly nextHop: Uint8Array;
  readonly nlri: readonly Nlri[];
  /** NLRI of a family this codec does not parse, kept as bytes. */
  readonly rawNlri?: Uint8Array;
}

export interface MpUnreachNlriAttr extends AttrCommon {
  readonly kind: 'MP_UNREACH_NLRI';
  readonly afi: number;
  readonly safi: number;
  readonly withdrawn: readonly Nlri[];
  readonly rawNlri?: Uint8Array;
}

/** RFC 4360: eight bytes as two uint32 halves (type and sub-type in the top 16 bits of `high`). */
export interface ExtendedCommunity {
  readonly high: number;
  readonly low: number;
}

export interface ExtendedCommunitiesAttr extends AttrCommon {
  readonly kind: 'EXTENDED_COMMUNITIES';
  readonly communities: readonly ExtendedCommunity[];
}

export interface As4PathAttr extends AttrCommon {
  readonly kind: 'AS4_PATH';
  readonly segments: readonly AsPathSegment[];
}

export interface As4AggregatorAttr extends AttrCommon {
  readonly kind: 'AS4_AGGREGATOR';
  readonly asn: number;
  readonly address: number;
}

export interface Ipv6ExtendedCommunitiesAttr extends AttrCommon {
  readonly kind: 'IPV6_EXTENDED_COMMUNITIES';
  /** RFC 5701: 20 bytes each */
  readonly communities: readonly Uint8Array[];
}

/** RFC 8092 */
export interface LargeCommunity {
  readonly globalAdmin: number;
  readonly localData1: number;
  readonly localData2: number;
}

export interface LargeCommunityAttr extends AttrCommon {
  readonly kind: 'LARGE_COMMUNITY';
  readonly communities: readonly LargeCommunity[];
}

export interface OnlyToCustomerAttr extends AttrCommon {
  readonly kind: 'ONLY_TO_CUSTOMER';
  readonly asn: number;
}

/** An attribute this codec does not interpret: kept with its flags and exact bytes. */
export interface UnknownAttr {
  readonly kind: 'UNKNOWN';
  readonly code: number;
  readonly flags: number;
  readonly value: Uint8Array;
}

export type PathAttribute =
  | OriginAttr
  | AsPathAttr
  | NextHopAttr
  | MultiExitDiscAttr
  | LocalPrefAttr
  | AtomicAggregateAttr
  | AggregatorAttr
  | CommunitiesAttr
  | OriginatorIdAttr
  | ClusterListAttr
  | MpReachNlriAttr
  | MpUnreachNlriAttr
  | ExtendedCommunitiesAttr
  | As4PathAttr
  | As4AggregatorAttr
  | Ipv6ExtendedCommunitiesAttr
  | LargeCommunityAttr
  | OnlyToCustomerAttr
  | UnknownAttr;

export type AttrKind = PathAttribute['kind'];
export type AttrOf<K extends AttrKind> = Extract<PathAttribute, { kind: K }>;

/** RFC 7606 §2 error handling approaches, weakest first. */
export type ErrorAction = 'attribute-discard' | 'treat-as-withdraw' | 'afi-safi-disable' | 'session-reset';
