/**
 * GoBGP (Debian's gobgpd): one [[neighbors]] entry per peer, passive, route
 * reflector clients with the cluster id, eBGP multihop for the ingest peers.
 * No zebra: nothing reaches the kernel. API on a unix socket, pprof off,
 * logging at warn.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { spawnDaemon, waitUntil } from '../lib/daemon.js';
import { isListening } from '../lib/listening.js';
import type { DaemonSpec, Impl, Started } from './types.js';

const GOBGPD = '/usr/bin/gobgpd';
const q = (s: string): string => JSON.stringify(s);

export function gobgpConfig(spec: DaemonSpec): string {
  const l = ['[global.config]', `  as = ${spec.as}`, `  router-id = ${q(spec.routerId)}`, `  port = ${spec.port}`, `  local-address-list = [${q(spec.address)}]`];
  for (const p of spec.peers) {
    l.push('[[neighbors]]', '  [neighbors.config]', `    neighbor-address = ${q(p.address)}`, `    peer-as = ${p.as}`);
    l.push('  [neighbors.timers.config]', '    hold-time = 240', '    keepalive-interval = 80');
    l.push('  [neighbors.transport.config]', `    local-address = ${q(spec.address)}`, '    passive-mode = true');
    if (p.as !== spec.as) l.push('  [neighbors.ebgp-multihop.config]', '    enabled = true', '    multihop-ttl = 64');
    if (p.rrClient) l.push('  [neighbors.route-reflector.config]', '    route-reflector-client = true', `    route-reflector-cluster-id = ${q(spec.clusterId!)}`);
    l.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', '      afi-safi-name = "ipv4-unicast"');
  }
  return l.join('\n') + '\n';
}

export const gobgp: Impl = {
  name: 'gobgp',
  missing: () => (existsSync(GOBGPD) ? null : `${GOBGPD} not found (apt-get install gobgpd)`),
  version() {
    try {
      return execFileSync(GOBGPD, ['--version'], { encoding: 'utf8' }).trim();
    } catch {
      return 'gobgpd';
    }
  },
  sessionMode: () => 'connect',
  start(spec: DaemonSpec, dir: string): Started {
    const conf = join(dir, 'gobgpd.toml');
    writeFileSync(conf, gobgpConfig(spec));
    const args = ['-f', conf, '--api-hosts', `unix://${join(dir, 'gobgp.sock')}`, '--pprof-disable', '-p', '-l', 'warn'];
    const daemon = spawnDaemon('gobgpd', GOBGPD, args, dir);
    return {
      daemon,
      ready: () => waitUntil('gobgpd listening', 30_000, () => isListening(spec.address, spec.port), daemon),
      stop: () => daemon.stop(5000),
    };
  },
};
