/**
 * Route reflector: `clients` iBGP clients (127.1.x.y) of the daemon, which
 * reflects with a cluster id. Client i announces the four /26 blocks of
 * 10.<i/256>.<i%256>.0/24 (next hop its own 198.18.x.y, one UPDATE); it is
 * converged when it holds every other client's blocks, 4 x (clients - 1).
 * Then every client withdraws its blocks; converged when nobody holds any.
 */
import { DAEMON_ADDRESS, DAEMON_AS, NEXT_HOP_RANGE, benchAddress, loopback, type Scenario } from './scenario.js';

export const CLUSTER_ID = '244.0.0.1';

export function rrScenario(clients: number): Scenario {
  if (clients < 2 || clients > 60000) throw new Error('--clients must be 2..60000');
  const idx = (i: number) => i + 1;
  const perClient = 4;
  return {
    name: 'rr',
    spec: {
      scenario: 'rr',
      address: DAEMON_ADDRESS,
      port: 179,
      as: DAEMON_AS,
      routerId: DAEMON_ADDRESS,
      clusterId: CLUSTER_ID,
      peers: Array.from({ length: clients }, (_, i) => ({ address: loopback(1, idx(i)), as: DAEMON_AS, rrClient: true })),
      pool: '10.0.0.0/8',
      nextHopRange: NEXT_HOP_RANGE,
    },
    routesToDeliver: clients * perClient * (clients - 1),
    prefixesHeld: clients * perClient,
    gen: (mode) => ({
      holdTime: 240,
      space: { base: '10.0.0.0', len: 26, count: clients * perClient },
      sessions: Array.from({ length: clients }, (_, i) => ({
        id: i,
        local: loopback(1, idx(i)),
        remote: DAEMON_ADDRESS,
        port: 179,
        as: DAEMON_AS,
        bgpId: benchAddress(idx(i)),
        mode,
      })),
      senders: Array.from({ length: clients }, (_, i) => ({
        session: i,
        ranges: [{ from: i * perClient, count: perClient, attrs: { nextHop: benchAddress(idx(i)), asPath: [], localPref: 100 } }],
      })),
      watchers: Array.from({ length: clients }, (_, i) => ({
        session: i,
        ownFrom: i * perClient,
        ownTo: (i + 1) * perClient,
        expect: perClient * (clients - 1),
      })),
    }),
  };
}
