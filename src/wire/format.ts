import { toHex } from '../lib/hex.js';
import { formatIpv4, formatIpv6, formatPrefix } from '../lib/prefix.js';
import type { PathAttribute } from './attributes/types.js';
import { formatExtendedCommunity } from './attributes/extended-communities.js';
import { formatLargeCommunity } from './attributes/large-community.js';
import type { Capability } from './capability-types.js';
import { familyName, formatCommunity } from './constants.js';
import type { BgpMessage } from './message.js';
import type { Nlri } from './nlri.js';
import { shutdownCommunication } from './notification.js';
import { notificationName } from './notification-codes.js';

/**
 * Messages as plain JSON for people and tools: addresses and prefixes as
 * text, byte strings as hex. Used by `petrel decode` and the API.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}

export function nlriText(n: Nlri): string {
  return n.pathId ? `${formatPrefix(n)} path-id ${n.pathId}` : formatPrefix(n);
}

/** 4 bytes: IPv4; 16: IPv6; 32: IPv6 global and link-local (RFC 2545). */
export function mpNextHopText(nh: Uint8Array): string[] {
  if (nh.length === 4) return [formatIpv4(((nh[0]! << 24) | (nh[1]! << 16) | (nh[2]! << 8) | nh[3]!) >>> 0)];
  if (nh.length === 16) return [formatIpv6(nh)];
  if (nh.length === 32) return [formatIpv6(nh.subarray(0, 16)), formatIpv6(nh.subarray(16))];
  return [toHex(nh)];
}

export function attributeToJson(a: PathAttribute): Json {
  const flags: { [k: string]: Json } = 'flags' in a && a.flags !== undefined ? { flags: `0x${a.flags.toString(16).padStart(2, '0')}` } : {};
  switch (a.kind) {
    case 'ORIGIN':
      return { kind: a.kind, origin: ['igp', 'egp', 'incomplete'][a.origin]!, ...flags };
    case 'AS_PATH':
    case 'AS4_PATH':
      return {
        kind: a.kind,
        segments: a.segments.map((s) => ({ type: ['', 'set', 'sequence', 'confed-sequence', 'confed-set'][s.type]!, asns: [...s.asns] })),
        ...flags,
      };
    case 'NEXT_HOP':
      return { kind: a.kind, nextHop: formatIpv4(a.nextHop), ...flags };
    case 'MULTI_EXIT_DISC':
      return { kind: a.kind, med: a.med, ...flags };
    case 'LOCAL_PREF':
      return { kind: a.kind, localPref: a.localPref, ...flags };
    case 'ATOMIC_AGGREGATE':
      return { kind: a.kind, ...flags };
    case 'AGGREGATOR':
    case 'AS4_AGGREGATOR':
      return { kind: a.kind, asn: a.asn, address: formatIpv4(a.address), ...flags };
    case 'COMMUNITIES':
      return { kind: a.kind, communities: a.communities.map(formatCommunity), ...flags };
    case 'ORIGINATOR_ID':
      return { kind: a.kind, originatorId: formatIpv4(a.originatorId), ...flags };
    case 'CLUSTER_LIST':
      return { kind: a.kind, clusterList: a.clusterList.map(formatIpv4), ...flags };
    case 'MP_REACH_NLRI':
      return {
        kind: a.kind,
        family: familyName(a.afi, a.safi),
        nextHop: mpNextHopText(a.nextHop),
        nlri: a.rawNlri ? toHex(a.rawNlri) : a.nlri.map(nlriText),
        ...flags,
      };
    case 'MP_UNREACH_NLRI':
      return { kind: a.kind, family: familyName(a.afi, a.safi), withdrawn: a.rawNlri ? toHex(a.rawNlri) : a.withdrawn.map(nlriText), ...flags };
    case 'EXTENDED_COMMUNITIES':
      return { kind: a.kind, communities: a.communities.map(formatExtendedCommunity), ...flags };
    case 'IPV6_EXTENDED_COMMUNITIES':
      return { kind: a.kind, communities: a.communities.map(toHex), ...flags };
    case 'LARGE_COMMUNITY':
      return { kind: a.kind, communities: a.communities.map(formatLargeCommunity), ...flags };
    case 'ONLY_TO_CUSTOMER':
      return { kind: a.kind, asn: a.asn, ...flags };
    case 'UNKNOWN':
      return { kind: a.kind, code: a.code, flags: `0x${a.flags.toString(16).padStart(2, '0')}`, value: toHex(a.value) };
    default:
      return assertNever(a);
  }
}

export function capabilityToJson(c: Capability): Json {
  switch (c.kind) {
    case 'MULTIPROTOCOL':
      return { kind: c.kind, family: familyName(c.afi, c.safi) };
    case 'ROUTE_REFRESH':
    case 'ENHANCED_ROUTE_REFRESH':
    case 'EXTENDED_MESSAGE':
      return { kind: c.kind };
    case 'FOUR_OCTET_AS':
      return { kind: c.kind, asn: c.asn };
    case 'GRACEFUL_RESTART':
      return {
        kind: c.kind,
        restarting: (c.flags & 0x8) !== 0,
        notification: (c.flags & 0x4) !== 0,
        restartTime: c.restartTime,
        families: c.families.map((f) => ({ family: familyName(f.afi, f.safi), forwarding: (f.flags & 0x80) !== 0 })),
      };
    case 'LONG_LIVED_GRACEFUL_RESTART':
      return {
        kind: c.kind,
        families: c.families.map((f) => ({ family: familyName(f.afi, f.safi), forwarding: (f.flags & 0x80) !== 0, staleTime: f.staleTime })),
      };
    case 'ADD_PATH':
      return {
        kind: c.kind,
        families: c.families.map((f) => ({ family: familyName(f.afi, f.safi), mode: ['', 'receive', 'send', 'send-receive'][f.sendReceive]! })),
      };
    case 'EXTENDED_NEXT_HOP':
      return { kind: c.kind, entries: c.entries.map((e) => ({ family: familyName(e.afi, e.safi), nextHopAfi: e.nextHopAfi })) };
    case 'FQDN':
      return { kind: c.kind, hostname: c.hostname, domainName: c.domainName };
    case 'BGP_ROLE':
      return { kind: c.kind, role: ['provider', 'rs', 'rs-client', 'customer', 'peer'][c.role] ?? c.role };
    case 'UNKNOWN':
      return c.malformed ? { kind: c.kind, code: c.code, value: toHex(c.value), malformed: c.malformed } : { kind: c.kind, code: c.code, value: toHex(c.value) };
    default:
      return assertNever(c);
  }
}

export function messageToJson(m: BgpMessage): Json {
  switch (m.type) {
    case 'OPEN':
      return {
        type: m.type,
        version: m.version,
        myAs: m.myAs,
        holdTime: m.holdTime,
        bgpId: formatIpv4(m.bgpId),
        parameters: m.parameters.map((p): Json =>
          p.kind === 'CAPABILITIES' ? { capabilities: p.capabilities.map(capabilityToJson) } : { type: p.type, value: toHex(p.value) },
        ),
        ...(m.extendedParameters ? { extendedParameters: true as Json } : {}),
      };
    case 'UPDATE':
      return { type: m.type, withdrawn: m.withdrawn.map(nlriText), attributes: m.attributes.map(attributeToJson), nlri: m.nlri.map(nlriText) };
    case 'NOTIFICATION': {
      const comm = shutdownCommunication(m);
      return {
        type: m.type,
        code: m.code,
        subcode: m.subcode,
        name: notificationName(m.code, m.subcode),
        data: toHex(m.data),
        ...((comm === null ? {} : 'text' in comm ? { shutdownCommunication: comm.text } : { shutdownCommunicationError: comm.error }) as { [k: string]: Json }),
      };
    }
    case 'KEEPALIVE':
      return { type: m.type };
    case 'ROUTE_REFRESH':
      return { type: m.type, family: familyName(m.afi, m.safi), subtype: ['normal', 'BoRR', 'EoRR'][m.subtype] ?? m.subtype };
    default:
      return assertNever(m);
  }
}
