/**
 * A BirdProvider holding the state of the real BIRD 1.6.8 whose replies
 * are in bird-samples/ (captured from /opt/bird1 in two namespaces: an
 * iBGP session up, one peer unreachable, one passive, one disabled), so
 * petrel's replies can be compared with BIRD's byte for byte.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BirdPeer, BirdProvider, LocalProtocol, RouteStats } from '../../../src/api/bird/provider.js';
import type { PathInfo, PeerCounters } from '../../../src/api/provider.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Local time (BIRD prints local time) on the capture day. */
export const at = (h: number, m: number, s: number, day = 21): number => new Date(2026, 10, day, h, m, s).getTime();
export const BOOT = at(16, 22, 16);
export const NOW = at(16, 22, 30);

/** The replies in a transcript file: command -> reply lines (greeting and ">>> command" lines removed). */
export function transcript(file: string): Map<string, string> {
  const text = readFileSync(join(HERE, 'bird-samples', file), 'utf8');
  const out = new Map<string, string>();
  let cmd: string | null = null;
  let reply = '';
  for (const line of text.split('\n').slice(0, -1)) {
    if (line.startsWith('>>> ')) {
      if (cmd !== null) out.set(cmd, reply);
      cmd = line.slice(4);
      reply = '';
    } else if (cmd !== null) {
      reply += `${line}\n`;
    }
  }
  if (cmd !== null) out.set(cmd, reply);
  return out;
}

/** The one reply of a single-command sample file. */
export function sample(file: string): { command: string; reply: string } {
  const [entry] = transcript(file);
  return { command: entry![0], reply: entry![1] };
}

const counters = (received: number, accepted: number, advertised: number): PeerCounters => ({
  prefixesReceived: received,
  prefixesAccepted: accepted,
  prefixesAdvertised: advertised,
  updatesIn: 0,
  updatesOut: 0,
});

const zeroStats: RouteStats = { imported: 0, exported: 0, preferred: 0 };

const base = { port: 179, localAs: 64512, family: 'ipv4' as const, holdTime: 240, keepaliveTime: 80 };

export const birdPeers: BirdPeer[] = [
  {
    ...base,
    name: 'Mesh_198_19_77_2',
    address: '198.19.77.2',
    peerAs: 64512,
    type: 'mesh',
    state: 'Established',
    since: at(16, 22, 20),
    lastError: null,
    counters: counters(2, 2, 3),
    negotiated: {
      peerRouterId: '198.19.77.2',
      holdTime: 240,
      keepaliveTime: 80,
      families: ['ipv4-unicast'],
      capabilities: ['4-octet-as', 'route-refresh', 'enhanced-route-refresh', 'graceful-restart:120s', 'long-lived-graceful-restart:0s'],
    },
    sourceAddress: '198.19.77.1',
    holdTimerRemaining: 181,
    keepaliveTimerRemaining: 66,
    multihop: true,
    preferred: 2,
    // BIRD's update counts; petrel's own counters are current table sizes.
    stats: { imported: 2, exported: 3, preferred: 2, importUpdates: [2, 0, 0, 0, 2], exportUpdates: [5, 2, 0, 3] },
  },
  {
    ...base,
    name: 'Node_198_19_77_9',
    address: '198.19.77.9',
    peerAs: 65001,
    type: 'node',
    state: 'Active',
    since: BOOT,
    lastError: 'connect EHOSTUNREACH 198.19.77.9:179 - Local (198.19.77.1:0)',
    counters: counters(0, 0, 0),
    negotiated: null,
    connectDelay: [2, 5],
  },
  {
    ...base,
    name: 'Global_198_19_77_3',
    address: '198.19.77.3',
    peerAs: 64512,
    type: 'global',
    state: 'Active',
    passive: true,
    since: BOOT,
    lastError: null,
    counters: counters(0, 0, 0),
    negotiated: null,
  },
  {
    ...base,
    name: 'Global_198_19_77_4',
    address: '198.19.77.4',
    peerAs: 64512,
    type: 'global',
    state: 'Idle',
    adminDown: true,
    since: BOOT,
    lastError: null,
    counters: counters(0, 0, 0),
    negotiated: null,
  },
];

export const localProtocols: LocalProtocol[] = [
  { name: 'kernel1', proto: 'Kernel', state: 'up', since: BOOT, preference: 10, inputFilter: 'ACCEPT', outputFilter: 'ACCEPT', stats: { imported: 0, exported: 6, preferred: 0, exportUpdates: [7, 1, 0, 6] } },
  { name: 'device1', proto: 'Device', state: 'up', since: BOOT, preference: 240, inputFilter: 'ACCEPT', outputFilter: 'REJECT', stats: zeroStats },
  { name: 'direct1', proto: 'Direct', state: 'up', since: BOOT, preference: 240, inputFilter: 'ACCEPT', outputFilter: 'REJECT', stats: { imported: 1, exported: 0, preferred: 1, importUpdates: [1, 0, 0, 0, 1] } },
  { name: 'static1', proto: 'Static', state: 'up', since: BOOT, preference: 200, inputFilter: 'ACCEPT', outputFilter: 'REJECT', stats: { imported: 2, exported: 0, preferred: 2, importUpdates: [2, 0, 0, 0, 2] } },
];

const route = (prefix: string, extra: Partial<PathInfo>): PathInfo => ({
  family: 'ipv4',
  prefix,
  pathId: 0,
  nextHops: [],
  asPath: [],
  origin: 'igp',
  communities: [],
  largeCommunities: [],
  extendedCommunities: [],
  clusterList: [],
  best: true,
  stale: false,
  since: at(16, 22, 17),
  source: 'static1',
  ...extra,
});

export const birdRoutes: PathInfo[] = [
  route('10.99.0.0/16', { nextHops: ['198.19.77.2'], preference: 200 }),
  route('198.19.77.0/24', { interface: 'bsa0', source: 'direct1', preference: 240 }),
  route('10.244.2.0/26', { nextHops: ['198.19.77.2'], source: 'Mesh_198_19_77_2', sourceAddress: '198.19.77.2', since: at(16, 22, 21), localPref: 100, preference: 100 }),
  route('10.244.3.0/26', { nextHops: ['198.19.77.2'], source: 'Mesh_198_19_77_2', sourceAddress: '198.19.77.2', since: at(16, 22, 21), localPref: 100, preference: 100 }),
  route('10.244.1.0/26', { preference: 200 }),
];

export function fakeBirdProvider(over: Partial<{ version: string; peers: BirdPeer[]; routes: PathInfo[]; local: LocalProtocol[]; gr: { waitingFor: number; remaining: number; total: number } | null }> = {}): BirdProvider {
  return {
    status: () => ({ version: over.version ?? '1.6.8', routerId: '198.19.77.1', bootedAt: at(16, 22, 17), reconfiguredAt: at(16, 22, 17), gracefulRestart: over.gr ?? null }),
    localProtocols: () => over.local ?? localProtocols,
    peers: (view) => (over.peers ?? birdPeers).filter((p) => p.family === view),
    routes: (view) => (over.routes ?? birdRoutes).filter((p) => p.family === view),
    interfaceFor: (nh) => (nh.startsWith('198.19.77.') ? 'bsa0' : undefined),
  };
}
