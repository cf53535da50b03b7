/**
 * RFC 4271 §6.8 connection collision: when two connections to one peer both
 * carry an OPEN, the BGP Identifiers (as unsigned integers) decide. If ours
 * is lower, the connection we initiated is closed; otherwise the one the peer
 * initiated. The loser is closed with Cease / Connection Collision Resolution.
 */
export type Initiator = 'local' | 'remote';

export function collisionLoser(localBgpId: number, remoteBgpId: number): Initiator {
  return localBgpId >>> 0 < remoteBgpId >>> 0 ? 'local' : 'remote';
}
