import { IPV4_UNICAST, IPV6_UNICAST } from '../wire/constants.js';
import type { SessionConfig } from './types.js';

/**
 * A session configured as Calico's BIRD template does (calico-bird.md §3):
 * hold 240 s, keepalive hold/3, connect delay 2 s, connect retry 5 s, error
 * wait 5-30 s, ADD-PATH both ways, graceful restart 120 s.
 */
export function defaultSessionConfig(o: { localAs: number; peerAs: number; routerId: number } & Partial<SessionConfig>): SessionConfig {
  return {
    holdTime: 240,
    connectRetryTime: 5,
    connectDelayTime: 2,
    idleHoldTime: { min: 5, max: 30 },
    passive: false,
    families: [IPV4_UNICAST, IPV6_UNICAST],
    addPath: 'both',
    gracefulRestart: { restartTime: 120, notification: false },
    extendedMessage: false,
    ...o,
  };
}
