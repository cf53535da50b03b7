/**
 * Launchers for real BGP implementations inside test namespaces, with typed
 * queries through each implementation's own CLI. Every launcher takes
 * PeerOptions plus the namespace and returns a Peer (ExaBGP: an ExaPeer
 * with its API). Missing binaries make the launch throw (tests fail, never
 * skip).
 */
export * from './common.js';
export { startBird2, bird2Config } from './bird2.js';
export { startBird1, bird1Config, bird1Dir } from './bird1.js';
export { startFrr, frrConfig } from './frr.js';
export { startGobgp, gobgpConfig } from './gobgp.js';
export { startExabgp, exabgpConfig, exaRouteText, type ExaPeer, type ExaPeerOptions, type ExaRoute, type RawAttribute } from './exabgp.js';
export { RawSpeaker, buildOpen, frame, keepalive, type RawMessage, type RawSpeakerOptions, type OpenOptions } from './raw.js';
export { parseBirdProtocols, parseBirdRoutes } from './birdcli.js';

import type { Peer, PeerKind, PeerOptions } from './common.js';
import { startBird1 } from './bird1.js';
import { startBird2 } from './bird2.js';
import { startExabgp } from './exabgp.js';
import { startFrr } from './frr.js';
import { startGobgp } from './gobgp.js';

/** Start any implementation by kind (for tests that run the same scenario against each). */
export function startPeer(kind: PeerKind, opts: PeerOptions & { ns: string }): Promise<Peer> {
  switch (kind) {
    case 'bird2':
      return startBird2(opts);
    case 'bird1':
      return startBird1(opts);
    case 'frr':
      return startFrr(opts);
    case 'gobgp':
      return startGobgp(opts);
    case 'exabgp':
      return startExabgp(opts);
  }
}
