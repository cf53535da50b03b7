import { ByteWriter } from '../lib/bytes.js';
import type { Capability } from '../wire/capability-types.js';
import { ADD_PATH_RECEIVE, ADD_PATH_SEND, GR_FAMILY_FORWARDING, GR_FLAG_NOTIFICATION, GR_FLAG_RESTART } from '../wire/capability-types.js';
import { AS_TRANS, IPV4_UNICAST, familyKey, type FamilyKey } from '../wire/constants.js';
import { codecContext, decodeContext } from '../wire/context.js';
import { BgpError } from '../wire/error.js';
import { OpenSubcode } from '../wire/notification-codes.js';
import { makeOpen, openCapabilities, type OpenMessage } from '../wire/open.js';
import type { AddPathMode, Negotiated, PeerGracefulRestart, SessionConfig } from './types.js';

const afiOf = (f: FamilyKey) => f >>> 8;
const safiOf = (f: FamilyKey) => f & 0xff;

/** The OPEN we send: every capability our configuration asks for (RFC 5492). */
export function buildOpen(c: SessionConfig): OpenMessage {
  const caps: Capability[] = [];
  for (const f of c.families) caps.push({ kind: 'MULTIPROTOCOL', afi: afiOf(f), safi: safiOf(f) });
  caps.push({ kind: 'ROUTE_REFRESH' }, { kind: 'ENHANCED_ROUTE_REFRESH' });
  if (c.extendedMessage) caps.push({ kind: 'EXTENDED_MESSAGE' });
  if (c.gracefulRestart) {
    const flags = (c.restarting ? GR_FLAG_RESTART : 0) | (c.gracefulRestart.notification ? GR_FLAG_NOTIFICATION : 0);
    caps.push({
      kind: 'GRACEFUL_RESTART',
      flags,
      restartTime: Math.min(c.gracefulRestart.restartTime, 4095),
      families: c.families.map((f) => ({ afi: afiOf(f), safi: safiOf(f), flags: c.restarting ? GR_FAMILY_FORWARDING : 0 })),
    });
    if (c.longLivedStaleTime) {
      caps.push({
        kind: 'LONG_LIVED_GRACEFUL_RESTART',
        families: c.families.map((f) => ({ afi: afiOf(f), safi: safiOf(f), flags: c.restarting ? GR_FAMILY_FORWARDING : 0, staleTime: Math.min(c.longLivedStaleTime!, 0xffffff) })),
      });
    }
  }
  caps.push({ kind: 'FOUR_OCTET_AS', asn: c.localAs });
  if (c.addPath !== 'off') {
    const mode = addPathModeOf(c.addPath);
    caps.push({ kind: 'ADD_PATH', families: c.families.map((f) => ({ afi: afiOf(f), safi: safiOf(f), sendReceive: mode })) });
  }
  if (c.hostname) caps.push({ kind: 'FQDN', hostname: c.hostname, domainName: '' });
  return makeOpen({
    myAs: c.localAs > 0xffff ? AS_TRANS : c.localAs,
    holdTime: c.holdTime,
    bgpId: c.routerId,
    capabilities: caps,
  });
}

const u16 = (v: number) => new ByteWriter(2).u16(v).finish();

/**
 * Check the peer's OPEN (RFC 4271 §6.2, RFC 6286, RFC 6793, RFC 5492) and
 * compute what both sides support. Throws the BgpError whose NOTIFICATION
 * must be sent.
 */
export function negotiate(c: SessionConfig, ours: OpenMessage, peer: OpenMessage): Negotiated {
  if (peer.version !== 4) throw new BgpError(2, OpenSubcode.UNSUPPORTED_VERSION_NUMBER, u16(4), `version ${peer.version}`);
  for (const p of peer.parameters) {
    if (p.kind === 'UNKNOWN') {
      throw new BgpError(2, OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER, new Uint8Array(0), `optional parameter ${p.type}`);
    }
  }
  const theirs = openCapabilities(peer);
  const mine = openCapabilities(ours);
  const find = <K extends Capability['kind']>(caps: readonly Capability[], kind: K) =>
    caps.find((x): x is Extract<Capability, { kind: K }> => x.kind === kind);

  // RFC 6793 §4.2: the 4-octet capability carries the real AS.
  const as4 = find(theirs, 'FOUR_OCTET_AS');
  const peerAs = as4 ? as4.asn : peer.myAs;
  if (peerAs === 0 || (as4 && peer.myAs !== AS_TRANS && peer.myAs !== as4.asn)) {
    throw new BgpError(2, OpenSubcode.BAD_PEER_AS, u16(peer.myAs), `peer AS ${peerAs} (My AS field ${peer.myAs})`);
  }
  if (peerAs !== c.peerAs) {
    throw new BgpError(2, OpenSubcode.BAD_PEER_AS, u16(peer.myAs), `peer AS ${peerAs}, expected ${c.peerAs}`);
  }
  // RFC 6286 §2.2: any non-zero identifier; unique within an AS.
  if (peer.bgpId === 0 || (peerAs === c.localAs && peer.bgpId === c.routerId)) {
    throw new BgpError(2, OpenSubcode.BAD_BGP_IDENTIFIER, new Uint8Array(0), `BGP identifier ${peer.bgpId >>> 24}.${(peer.bgpId >>> 16) & 255}.${(peer.bgpId >>> 8) & 255}.${peer.bgpId & 255}`);
  }
  // RFC 4271 §4.2: 0 or at least 3 seconds.
  if (peer.holdTime === 1 || peer.holdTime === 2) {
    throw new BgpError(2, OpenSubcode.UNACCEPTABLE_HOLD_TIME, new Uint8Array(0), `hold time ${peer.holdTime}`);
  }
  const holdTime = Math.min(peer.holdTime, c.holdTime);
  if (holdTime !== 0 && c.minHoldTime !== undefined && holdTime < c.minHoldTime) {
    throw new BgpError(2, OpenSubcode.UNACCEPTABLE_HOLD_TIME, new Uint8Array(0), `hold time ${holdTime} below the minimum ${c.minHoldTime}`);
  }
  const keepaliveTime = holdTime === 0 ? 0 : Math.max(1, Math.min(c.keepaliveTime ?? Math.floor(holdTime / 3), Math.floor(holdTime / 3)));

  // RFC 4760 §8: without multiprotocol capabilities a speaker does IPv4 unicast.
  const familiesOf = (caps: readonly Capability[]) => {
    const mp = caps.filter((x) => x.kind === 'MULTIPROTOCOL').map((x) => familyKey((x as { afi: number }).afi, (x as { safi: number }).safi));
    return new Set(mp.length > 0 ? mp : [IPV4_UNICAST]);
  };
  const peerFamilies = familiesOf(theirs);
  const families = new Set([...familiesOf(mine)].filter((f) => peerFamilies.has(f)));
  if (families.size === 0) {
    const data = new ByteWriter(16);
    for (const f of c.families) data.u8(1).u8(4).u16(afiOf(f)).u8(0).u8(safiOf(f));
    throw new BgpError(2, OpenSubcode.UNSUPPORTED_CAPABILITY, data.finish(), 'no address family in common');
  }

  const addPathOf = (caps: readonly Capability[]) => new Map((find(caps, 'ADD_PATH')?.families ?? []).map((f) => [familyKey(f.afi, f.safi), f.sendReceive]));
  const myAddPath = addPathOf(mine);
  const peerAddPath = addPathOf(theirs);
  const addPathReceive = new Set<FamilyKey>();
  const addPathSend = new Set<FamilyKey>();
  for (const f of families) {
    const m = myAddPath.get(f) ?? 0;
    const p = peerAddPath.get(f) ?? 0;
    // RFC 7911 §4: we receive path ids when we asked to receive and the peer will send.
    if (m & ADD_PATH_RECEIVE && p & ADD_PATH_SEND) addPathReceive.add(f);
    if (m & ADD_PATH_SEND && p & ADD_PATH_RECEIVE) addPathSend.add(f);
  }

  const fourOctetAs = as4 !== undefined && find(mine, 'FOUR_OCTET_AS') !== undefined;
  const extendedMessage = find(theirs, 'EXTENDED_MESSAGE') !== undefined && find(mine, 'EXTENDED_MESSAGE') !== undefined;
  const routeRefresh = find(theirs, 'ROUTE_REFRESH') !== undefined;
  const enhancedRouteRefresh = routeRefresh && find(theirs, 'ENHANCED_ROUTE_REFRESH') !== undefined;

  let peerGracefulRestart: PeerGracefulRestart | null = null;
  const gr = find(theirs, 'GRACEFUL_RESTART');
  if (gr && c.gracefulRestart) {
    peerGracefulRestart = {
      restartTime: gr.restartTime,
      restarting: (gr.flags & GR_FLAG_RESTART) !== 0,
      notification: (gr.flags & GR_FLAG_NOTIFICATION) !== 0 && c.gracefulRestart.notification,
      families: new Set(gr.families.map((f) => familyKey(f.afi, f.safi))),
      forwarding: new Set(gr.families.filter((f) => f.flags & GR_FAMILY_FORWARDING).map((f) => familyKey(f.afi, f.safi))),
    };
  }
  const llgr = find(theirs, 'LONG_LIVED_GRACEFUL_RESTART');
  const fqdn = find(theirs, 'FQDN');
  const ebgp = peerAs !== c.localAs;
  return {
    peerAs,
    peerRouterId: peer.bgpId,
    holdTime,
    keepaliveTime,
    fourOctetAs,
    families,
    addPathReceive,
    addPathSend,
    extendedMessage,
    routeRefresh,
    enhancedRouteRefresh,
    peerGracefulRestart,
    peerLongLivedStaleTime: llgr && llgr.families.length > 0 ? Math.max(...llgr.families.map((f) => f.staleTime)) : null,
    peerHostname: fqdn ? fqdn.hostname : null,
    receive: decodeContext({ fourOctetAs, addPath: addPathReceive, extendedMessage, ebgp, peerAs, routerId: c.routerId, allowLoopbackNextHop: c.allowLoopbackNextHop ?? false, ...(c.clusterId !== undefined ? { clusterId: c.clusterId } : {}) }),
    send: codecContext({ fourOctetAs, addPath: addPathSend, extendedMessage }),
  };
}

export function addPathModeOf(mode: AddPathMode): number {
  return { off: 0, receive: ADD_PATH_RECEIVE, send: ADD_PATH_SEND, both: ADD_PATH_RECEIVE | ADD_PATH_SEND }[mode];
}
