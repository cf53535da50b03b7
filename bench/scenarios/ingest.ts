/**
 * Ingest: one eBGP peer (127.2.0.1, AS 65001) sends `prefixes` IPv4 /24s
 * from 16.0.0.0 in packed UPDATEs with four attribute sets (AS path, MED
 * and a community differ); a second eBGP peer (127.2.0.2, AS 65002) is
 * converged when it holds all of them. Then the first withdraws them all;
 * converged when the second holds none.
 */
import { DAEMON_ADDRESS, DAEMON_AS, NEXT_HOP_RANGE, type Scenario } from './scenario.js';

const SENDER = { address: '127.2.0.1', as: 65001, bgpId: '198.18.255.1' };
const RECEIVER = { address: '127.2.0.2', as: 65002, bgpId: '198.18.255.2' };
const ATTRIBUTE_SETS = 4;

export function ingestScenario(prefixes: number): Scenario {
  // 16.0.0.0/4 holds 2^20 /24s: the IP pool the Calico-style configs export.
  if (prefixes < ATTRIBUTE_SETS || prefixes > 2 ** 20) throw new Error(`--prefixes must be ${ATTRIBUTE_SETS}..${2 ** 20}`);
  const per = Math.ceil(prefixes / ATTRIBUTE_SETS);
  const ranges = Array.from({ length: ATTRIBUTE_SETS }, (_, k) => ({
    from: k * per,
    count: Math.min(per, prefixes - k * per),
    attrs: { nextHop: SENDER.bgpId, asPath: [SENDER.as, 64600 + k], med: k * 10, communities: [((SENDER.as << 16) | (100 + k)) >>> 0] },
  })).filter((r) => r.count > 0);
  return {
    name: 'ingest',
    spec: {
      scenario: 'ingest',
      address: DAEMON_ADDRESS,
      port: 179,
      as: DAEMON_AS,
      routerId: DAEMON_ADDRESS,
      peers: [SENDER, RECEIVER].map((p) => ({ address: p.address, as: p.as, rrClient: false })),
      pool: '16.0.0.0/4',
      nextHopRange: NEXT_HOP_RANGE,
    },
    routesToDeliver: prefixes,
    prefixesHeld: prefixes,
    gen: (mode) => ({
      holdTime: 240,
      space: { base: '16.0.0.0', len: 24, count: prefixes },
      sessions: [SENDER, RECEIVER].map((p, id) => ({ id, local: p.address, remote: DAEMON_ADDRESS, port: 179, as: p.as, bgpId: p.bgpId, mode })),
      senders: [{ session: 0, ranges }],
      watchers: [{ session: 1, ownFrom: 0, ownTo: 0, expect: prefixes }],
    }),
  };
}
