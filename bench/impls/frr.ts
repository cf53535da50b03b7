/**
 * FRR's bgpd alone (no zebra, -Z: nothing reaches the kernel and every next
 * hop counts as reachable), without the frr user, vty on a socket in the
 * run directory. Peers in a peer-group (FRR forms update groups on its own
 * either way), passive, advertisement interval 0 so the MRAI timer does not
 * hold UPDATEs back; FRR's own coalescing stays at its defaults.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { spawnDaemon, waitUntil } from '../lib/daemon.js';
import { isListening } from '../lib/listening.js';
import type { DaemonSpec, Impl, Started } from './types.js';

const BGPD = '/usr/lib/frr/bgpd';

export function frrConfig(spec: DaemonSpec): string {
  const l = ['frr defaults traditional', 'hostname bench', 'log stdout warnings', '!', `router bgp ${spec.as}`, ` bgp router-id ${spec.routerId}`];
  if (spec.clusterId) l.push(` bgp cluster-id ${spec.clusterId}`);
  l.push(' no bgp ebgp-requires-policy', ' no bgp network import-check', ' no bgp default ipv4-unicast');
  const groups = new Map<number, string>();
  for (const p of spec.peers) {
    if (groups.has(p.as)) continue;
    const g = `G${p.as}`;
    groups.set(p.as, g);
    l.push(` neighbor ${g} peer-group`, ` neighbor ${g} remote-as ${p.as}`, ` neighbor ${g} passive`, ` neighbor ${g} timers 80 240`, ` neighbor ${g} advertisement-interval 0`);
    if (p.as !== spec.as) l.push(` neighbor ${g} ebgp-multihop 64`);
  }
  for (const p of spec.peers) l.push(` neighbor ${p.address} peer-group ${groups.get(p.as)}`);
  l.push(' address-family ipv4 unicast');
  for (const g of groups.values()) {
    l.push(`  neighbor ${g} activate`);
    if (spec.clusterId) l.push(`  neighbor ${g} route-reflector-client`);
  }
  l.push(' exit-address-family', 'exit', '!');
  return l.join('\n') + '\n';
}

export const frr: Impl = {
  name: 'frr',
  missing: () => (existsSync(BGPD) ? null : `${BGPD} not found (apt-get install frr)`),
  version() {
    try {
      return `FRR ${execFileSync(BGPD, ['--version'], { encoding: 'utf8' }).split('\n')[0]!.replace(/^bgpd version /, '')}`;
    } catch {
      return 'FRR';
    }
  },
  sessionMode: () => 'connect',
  start(spec: DaemonSpec, dir: string): Started {
    const conf = join(dir, 'bgpd.conf');
    writeFileSync(conf, frrConfig(spec));
    const vty = join(dir, 'vty');
    mkdirSync(vty, { recursive: true });
    const args = ['-Z', '--skip_runas', '-f', conf, '-i', join(dir, 'bgpd.pid'), '--vty_socket', vty, '-P', '0', '-z', join(vty, 'zserv.api'), '-l', spec.address, '-p', String(spec.port)];
    const daemon = spawnDaemon('bgpd', BGPD, args, dir);
    return {
      daemon,
      ready: () => waitUntil('bgpd listening', 30_000, () => isListening(spec.address, spec.port), daemon),
      stop: () => daemon.stop(5000),
    };
  },
};
