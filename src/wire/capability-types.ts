/** BGP capabilities (RFC 5492) petrel understands; anything else is kept as bytes. */

export interface MultiprotocolCap {
  readonly kind: 'MULTIPROTOCOL';
  readonly afi: number;
  readonly safi: number;
}
export interface RouteRefreshCap {
  readonly kind: 'ROUTE_REFRESH';
}
export interface EnhancedRouteRefreshCap {
  readonly kind: 'ENHANCED_ROUTE_REFRESH';
}
export interface ExtendedMessageCap {
  readonly kind: 'EXTENDED_MESSAGE';
}
export interface FourOctetAsCap {
  readonly kind: 'FOUR_OCTET_AS';
  readonly asn: number;
}

/** RFC 4724 §3 (and the N bit of RFC 8538). */
export const GR_FLAG_RESTART = 0x8;
export const GR_FLAG_NOTIFICATION = 0x4;
export const GR_FAMILY_FORWARDING = 0x80;

export interface GracefulRestartCap {
  readonly kind: 'GRACEFUL_RESTART';
  /** The four Restart Flags bits (R = 0x8, N = 0x4). */
  readonly flags: number;
  /** Seconds, 12 bits. */
  readonly restartTime: number;
  readonly families: readonly { readonly afi: number; readonly safi: number; readonly flags: number }[];
}

/** RFC 9494 §2 */
export interface LongLivedGracefulRestartCap {
  readonly kind: 'LONG_LIVED_GRACEFUL_RESTART';
  readonly families: readonly { readonly afi: number; readonly safi: number; readonly flags: number; readonly staleTime: number }[];
}

export const ADD_PATH_RECEIVE = 1;
export const ADD_PATH_SEND = 2;

/** RFC 7911 §4 */
export interface AddPathCap {
  readonly kind: 'ADD_PATH';
  readonly families: readonly { readonly afi: number; readonly safi: number; readonly sendReceive: number }[];
}

/** RFC 8950 §3 */
export interface ExtendedNextHopCap {
  readonly kind: 'EXTENDED_NEXT_HOP';
  readonly entries: readonly { readonly afi: number; readonly safi: number; readonly nextHopAfi: number }[];
}

/** draft-walton-bgp-hostname-capability: what FRR and GoBGP send as "hostname". */
export interface FqdnCap {
  readonly kind: 'FQDN';
  readonly hostname: string;
  readonly domainName: string;
}

/** RFC 9234 §4 */
export interface BgpRoleCap {
  readonly kind: 'BGP_ROLE';
  readonly role: number;
}

export interface UnknownCap {
  readonly kind: 'UNKNOWN';
  readonly code: number;
  readonly value: Uint8Array;
  /** Set when the code is one we know but its value is malformed: it is then ignored. */
  readonly malformed?: string;
}

export type Capability =
  | MultiprotocolCap
  | RouteRefreshCap
  | EnhancedRouteRefreshCap
  | ExtendedMessageCap
  | FourOctetAsCap
  | GracefulRestartCap
  | LongLivedGracefulRestartCap
  | AddPathCap
  | ExtendedNextHopCap
  | FqdnCap
  | BgpRoleCap
  | UnknownCap;
