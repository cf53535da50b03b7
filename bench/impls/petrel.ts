/**
 * petrel from its build (dist/cli/main.js, never tsx), configured as
 * calico-node configures it: through a datastore file of Calico resources.
 *  - rr: this node carries routeReflectorClusterID and a label; every client
 *    is a Calico Node; one BGPPeer (nodeSelector the reflector, peerSelector
 *    the rest) makes them its clients. Calico's lexical rule makes the
 *    reflector (127.0.0.1) passive towards them, so the clients dial.
 *  - ingest: two global BGPPeers in other ASes; petrel dials them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { spawnDaemon, waitUntil } from '../lib/daemon.js';
import { isListening } from '../lib/listening.js';
import type { DaemonSpec, Impl, StartOptions, Started } from './types.js';

const CALICO = 'projectcalico.org/v3';
type Doc = Record<string, unknown>;

export const NODE = 'petrel-bench';

export function petrelDatastore(spec: DaemonSpec): string {
  const docs: Doc[] = [
    { apiVersion: CALICO, kind: 'BGPConfiguration', metadata: { name: 'default' }, spec: { nodeToNodeMeshEnabled: false, asNumber: spec.as, bindMode: 'NodeIP', listenPort: spec.port } },
    {
      apiVersion: CALICO,
      kind: 'Node',
      metadata: { name: NODE, ...(spec.clusterId ? { labels: { 'route-reflector': 'true' } } : {}) },
      spec: { bgp: { ipv4Address: `${spec.address}/8`, ...(spec.clusterId ? { routeReflectorClusterID: spec.clusterId } : {}) } },
    },
    { apiVersion: CALICO, kind: 'IPPool', metadata: { name: 'bench-pool' }, spec: { cidr: spec.pool, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false } },
  ];
  if (spec.clusterId) {
    spec.peers.forEach((p, i) => {
      if (p.as !== spec.as) throw new Error('petrel datastore: route reflector clients share the AS');
      docs.push({ apiVersion: CALICO, kind: 'Node', metadata: { name: `client-${i}` }, spec: { bgp: { ipv4Address: `${p.address}/8` } } });
    });
    docs.push({
      apiVersion: CALICO,
      kind: 'BGPPeer',
      metadata: { name: 'reflector-to-clients' },
      spec: { nodeSelector: "route-reflector == 'true'", peerSelector: '!has(route-reflector)' },
    });
  } else {
    spec.peers.forEach((p, i) => docs.push({ apiVersion: CALICO, kind: 'BGPPeer', metadata: { name: `peer-${i}` }, spec: { peerIP: p.address, asNumber: p.as } }));
  }
  return docs.map((d) => stringify(d).trimEnd()).join('\n---\n') + '\n';
}

export const petrel: Impl = {
  name: 'petrel',
  missing: (o) => (existsSync(join(o.petrelDir, 'dist/cli/main.js')) ? null : `${o.petrelDir}/dist/cli/main.js is not built (npm run build)`),
  version(o) {
    const pkg = JSON.parse(readFileSync(join(o.petrelDir, 'package.json'), 'utf8')) as { version: string };
    let rev = '';
    try {
      rev = execFileSync('git', ['-C', o.petrelDir, 'describe', '--always', '--dirty'], { encoding: 'utf8' }).trim();
    } catch {
      // not a checkout
    }
    return `petrel ${pkg.version}${rev ? ` (${rev})` : ''}, node ${process.version}`;
  },
  // Calico's lexical passive rule: towards nodes with a greater address petrel listens; global peers it dials.
  sessionMode: (spec) => (spec.clusterId ? 'connect' : 'accept'),
  start(spec, dir, o): Started {
    const ds = join(dir, 'datastore.yaml');
    writeFileSync(ds, petrelDatastore(spec));
    const prof = o.profileDir ? ['--cpu-prof', '--cpu-prof-dir', o.profileDir] : [];
    const args = [
      ...prof,
      join(o.petrelDir, 'dist/cli/main.js'),
      'run',
      '--node',
      NODE,
      '--datastore',
      `file:${ds}`,
      '--fib',
      'none',
      '--allow-loopback-next-hops',
      '--port',
      String(spec.port),
      '--api-socket',
      join(dir, 'api.sock'),
      '--log-level',
      'warn',
    ];
    const daemon = spawnDaemon('petrel', process.execPath, args, dir);
    return {
      daemon,
      ready: () => waitUntil('petrel listening', 30_000, () => isListening(spec.address, spec.port), daemon),
      // SIGTERM: a clean exit, which is also when --cpu-prof writes its profile.
      stop: () => daemon.stop(20_000),
    };
  },
};
