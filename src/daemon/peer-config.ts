import type { DesiredPeer, DesiredState } from '../calico/index.js';
import { parseIpv4 } from '../lib/prefix.js';
import { defaultSessionConfig } from '../session/defaults.js';
import type { PeerTransportConfig } from '../transport/peer.js';
import { IPV4_UNICAST, IPV6_UNICAST } from '../wire/constants.js';

export const BGP_PORT = 179;

/** This node's cluster id when it is a route reflector: Calico puts it on every client peer. */
export function nodeClusterId(state: DesiredState): number | null {
  const text = state.peers.find((p) => p.routeReflectorClient && p.clusterId)?.clusterId;
  return text ? parseIpv4(text) : null;
}

/**
 * A Calico peer as a transport and session configuration, with the values
 * Calico's BIRD template sets (calico-bird.md §2-3): hold 240 s, keepalive
 * from keepaliveTime, GR time from maxRestartTime (120 s), ADD-PATH both
 * ways, TTL 64 (`multihop`) unless ttlSecurity asks for GTSM.
 */
export function transportConfigFor(state: DesiredState, peer: DesiredPeer, hostname: string, allowLoopbackNextHop = false): PeerTransportConfig {
  const routerId = parseIpv4(state.routerId ?? '');
  if (routerId === null) throw new Error(`node ${state.node} has no IPv4 router id (set CALICO_ROUTER_ID or the node's IPv4 address)`);
  const clusterId = nodeClusterId(state);
  const session = defaultSessionConfig({
    localAs: peer.localAsNumber ?? state.asNumber,
    peerAs: peer.asNumber,
    routerId,
    passive: peer.passive,
    families: [peer.family === 'ipv4' ? IPV4_UNICAST : IPV6_UNICAST],
    gracefulRestart: { restartTime: peer.gracefulRestartTime ?? 120, notification: true },
    hostname,
    allowLoopbackNextHop,
    ...(clusterId !== null ? { clusterId } : {}),
    ...(peer.keepaliveTime !== null ? { keepaliveTime: peer.keepaliveTime } : {}),
  });
  return {
    address: peer.address,
    port: peer.port ?? BGP_PORT,
    ...(peer.sourceAddress ? { localAddress: peer.sourceAddress } : {}),
    ...(peer.password ? { md5Key: peer.password } : {}),
    ...(peer.ttlSecurity ? { ttlSecurityHops: peer.multihop } : { ttl: peer.multihop }),
    session,
  };
}
