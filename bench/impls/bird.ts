/**
 * BIRD 1.6 (calico-node's, unpacked in /opt/bird1) and BIRD 2 (Debian's
 * bird2), configured the way calico-node's confd configures BIRD: one
 * `protocol bgp` per peer from a template, an export filter that passes the
 * IP pool only, no kernel protocol (kernel programming off). Every session
 * is passive (the load generator dials). Next hops of the senders resolve
 * through a device route to the benchmark range on lo: BIRD resolves iBGP
 * and multihop next hops recursively and would otherwise mark the routes
 * unreachable.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { spawnDaemon, waitUntil } from '../lib/daemon.js';
import { isListening } from '../lib/listening.js';
import type { DaemonSpec, Impl, Started } from './types.js';

const BIRD1 = process.env.PETREL_BIRD1_DIR ? join(process.env.PETREL_BIRD1_DIR, 'usr/sbin/bird') : '/opt/bird1/usr/sbin/bird';
const BIRD2 = '/usr/sbin/bird';

export function birdConfig(spec: DaemonSpec, v: 1 | 2): string {
  const l: string[] = [];
  l.push(`router id ${spec.routerId};`);
  l.push('log stderr { warning, error, fatal };');
  if (v === 1) l.push(`listen bgp address ${spec.address}${spec.port !== 179 ? ` port ${spec.port}` : ''};`);
  l.push('protocol device { scan time 10; }');
  l.push(v === 2 ? `protocol static bench_nh { ipv4; route ${spec.nextHopRange} via "lo"; }` : `protocol static bench_nh { route ${spec.nextHopRange} via "lo"; }`);
  l.push(`filter export_pool { if ( net ~ ${spec.pool} ) then { accept; } reject; }`);
  const channel = 'import all; export filter export_pool;';
  l.push('template bgp bench_peer {');
  l.push(`  local ${spec.address} as ${spec.as};`);
  if (v === 2 && spec.port !== 179) l.push(`  local port ${spec.port};`);
  l.push('  passive on;');
  l.push('  hold time 240; keepalive time 80;');
  l.push(v === 2 ? `  ipv4 { ${channel} };` : `  ${channel}`);
  l.push('}');
  spec.peers.forEach((p, i) => {
    const b: string[] = [`neighbor ${p.address} as ${p.as};`];
    if (p.as !== spec.as) b.push('multihop;');
    if (p.rrClient) b.push('rr client;', `rr cluster id ${spec.clusterId};`);
    l.push(`protocol bgp p${i} from bench_peer { ${b.join(' ')} }`);
  });
  return l.join('\n') + '\n';
}

function bird(v: 1 | 2): Impl {
  const bin = v === 1 ? BIRD1 : BIRD2;
  return {
    name: v === 1 ? 'bird1' : 'bird2',
    missing: () => (existsSync(bin) ? null : `${bin} not found (${v === 1 ? 'see test-peers.md: apt-get download bird; dpkg -x' : 'apt-get install bird2'})`),
    version() {
      // BIRD prints its version on stderr.
      const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
      return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() || `BIRD ${v}`;
    },
    sessionMode: () => 'connect',
    start(spec: DaemonSpec, dir: string): Started {
      const conf = join(dir, 'bird.conf');
      writeFileSync(conf, birdConfig(spec, v));
      const daemon = spawnDaemon(v === 1 ? 'bird1' : 'bird2', bin, ['-f', '-c', conf, '-s', join(dir, 'bird.ctl'), '-P', join(dir, 'bird.pid')], dir);
      return {
        daemon,
        ready: () => waitUntil(`BIRD ${v} listening`, 30_000, () => isListening(spec.address, spec.port), daemon),
        stop: () => daemon.stop(5000),
      };
    },
  };
}

export const bird1 = bird(1);
export const bird2 = bird(2);
