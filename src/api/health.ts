/**
 * Calico's readiness and liveness semantics for the BGP part of calico-node
 * (node/pkg/health: `calico-node -bird-ready`, `-bird-live`), as data in,
 * verdict out, so the HTTP endpoints and the tests share one rule.
 */
import type { PeerInfo } from './provider.js';

/** calico-node's `--threshold-time` default. */
export const READY_THRESHOLD_MS = 30_000;

export interface ReadinessInput {
  readonly now: number;
  /**
   * When this node started (calico-node uses the mtime of
   * /var/lib/calico/nodename, written at startup; petrel uses its start).
   */
  readonly startedAt: number;
  readonly thresholdMs?: number;
  /** Whether the desired state has been loaded from the datastore at all. */
  readonly configured: boolean;
  readonly peers: readonly Pick<PeerInfo, 'name' | 'address' | 'type' | 'state' | 'adminDown' | 'lastError'>[];
  /** Our own graceful-restart recovery (BIRD's 0024 status line). */
  readonly gracefulRestartInProgress?: boolean;
}

export interface Verdict {
  readonly ok: boolean;
  readonly reason: string;
}

/**
 * The peers calico-node's check sees: Mesh_, Node_ and Global_ protocols
 * (Local_Workload_ ones are ignored), minus a down protocol without an
 * error, whose `show protocols` row has too few columns to be parsed.
 */
function checkedPeers(peers: ReadinessInput['peers']): ReadinessInput['peers'] {
  return peers.filter((p) => p.type !== 'localWorkload' && !(p.adminDown && !p.lastError));
}

/**
 * Within the threshold after start every peer must be Established and no
 * graceful restart in progress; after it, one Established peer is enough.
 * No peers: ready.
 */
export function birdReadiness(input: ReadinessInput): Verdict {
  if (!input.configured) return { ok: false, reason: 'BIRD is not ready: the datastore has not been read yet' };
  const peers = checkedPeers(input.peers);
  if (peers.length === 0) return { ok: true, reason: 'no BGP peers' };
  const down = peers.filter((p) => p.state !== 'Established');
  const early = input.now - input.startedAt < (input.thresholdMs ?? READY_THRESHOLD_MS);
  if (early) {
    if (down.length > 0) return { ok: false, reason: `BIRD is not ready: BGP not established with ${down.map((p) => p.address).join(',')}` };
    if (input.gracefulRestartInProgress) return { ok: false, reason: 'BIRD is not ready: graceful restart in progress' };
    return { ok: true, reason: 'all BGP sessions established' };
  }
  if (down.length < peers.length) return { ok: true, reason: `${peers.length - down.length} of ${peers.length} BGP sessions established` };
  return { ok: false, reason: `BIRD is not ready: BGP not established with ${down.map((p) => p.address).join(',')}` };
}
