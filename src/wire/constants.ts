/** Numbers from the RFCs, named once. */

export const MARKER_LENGTH = 16;
export const HEADER_LENGTH = 19;
/** RFC 4271 §4.1 */
export const MAX_MESSAGE_LENGTH = 4096;
/** RFC 8654 */
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535;

export const MessageType = {
  OPEN: 1,
  UPDATE: 2,
  NOTIFICATION: 3,
  KEEPALIVE: 4,
  ROUTE_REFRESH: 5,
} as const;

/** Minimum lengths per message type (RFC 4271 §4, RFC 2918). */
export const MIN_LENGTH: Readonly<Record<number, number>> = {
  1: 29,
  2: 23,
  3: 21,
  4: 19,
  5: 23,
};

export const AttrCode = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MULTI_EXIT_DISC: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITIES: 8,
  ORIGINATOR_ID: 9,
  CLUSTER_LIST: 10,
  MP_REACH_NLRI: 14,
  MP_UNREACH_NLRI: 15,
  EXTENDED_COMMUNITIES: 16,
  AS4_PATH: 17,
  AS4_AGGREGATOR: 18,
  IPV6_EXTENDED_COMMUNITIES: 25,
  AIGP: 26,
  LARGE_COMMUNITY: 32,
  ONLY_TO_CUSTOMER: 35,
  PREFIX_SID: 40,
} as const;

/** Attribute flag bits (RFC 4271 §4.3). The low four bits are unused. */
export const AttrFlag = {
  OPTIONAL: 0x80,
  TRANSITIVE: 0x40,
  PARTIAL: 0x20,
  EXTENDED_LENGTH: 0x10,
} as const;

export const CapabilityCode = {
  MULTIPROTOCOL: 1,
  ROUTE_REFRESH: 2,
  EXTENDED_NEXT_HOP: 5,
  EXTENDED_MESSAGE: 6,
  BGP_ROLE: 9,
  GRACEFUL_RESTART: 64,
  FOUR_OCTET_AS: 65,
  ADD_PATH: 69,
  ENHANCED_ROUTE_REFRESH: 70,
  LONG_LIVED_GRACEFUL_RESTART: 71,
  FQDN: 73,
} as const;

export const OptParamType = {
  /** RFC 5492 */
  CAPABILITIES: 2,
  /** RFC 9072: marker in the type octet of the extended form */
  EXTENDED_LENGTH: 255,
} as const;

export const Afi = { IPV4: 1, IPV6: 2 } as const;
export const Safi = { UNICAST: 1, MULTICAST: 2 } as const;

/** A family as one number: afi << 8 | safi. */
export type FamilyKey = number;
export function familyKey(afi: number, safi: number): FamilyKey {
  return ((afi & 0xffff) << 8) | (safi & 0xff);
}
export const IPV4_UNICAST: FamilyKey = familyKey(1, 1);
export const IPV6_UNICAST: FamilyKey = familyKey(2, 1);

export function familyName(afi: number, safi: number): string {
  const a = afi === 1 ? 'ipv4' : afi === 2 ? 'ipv6' : `afi${afi}`;
  const s = safi === 1 ? 'unicast' : safi === 2 ? 'multicast' : `safi${safi}`;
  return `${a}-${s}`;
}

/** AS_TRANS (RFC 6793) */
export const AS_TRANS = 23456;

export const Origin = { IGP: 0, EGP: 1, INCOMPLETE: 2 } as const;
export type Origin = 0 | 1 | 2;

export const AsPathSegmentType = {
  AS_SET: 1,
  AS_SEQUENCE: 2,
  AS_CONFED_SEQUENCE: 3,
  AS_CONFED_SET: 4,
} as const;

/** Well-known communities (IANA registry; RFC 1997, 3765, 7999, 8326, 9494). */
export const WellKnownCommunity = {
  GRACEFUL_SHUTDOWN: 0xffff0000,
  ACCEPT_OWN: 0xffff0001,
  LLGR_STALE: 0xffff0006,
  NO_LLGR: 0xffff0007,
  BLACKHOLE: 0xffff029a,
  NO_EXPORT: 0xffffff01,
  NO_ADVERTISE: 0xffffff02,
  NO_EXPORT_SUBCONFED: 0xffffff03,
  NOPEER: 0xffffff04,
} as const;

const wellKnownNames = new Map<number, string>(
  Object.entries(WellKnownCommunity).map(([name, v]) => [v, name.toLowerCase().replace(/_/g, '-')]),
);

/** "no-export", or "65000:100" for an ordinary community. */
export function formatCommunity(c: number): string {
  return wellKnownNames.get(c) ?? `${c >>> 16}:${c & 0xffff}`;
}
