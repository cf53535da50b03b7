/**
 * FRR as the top-of-rack router of the `tor` variant: zebra (so learnt
 * routes reach the router's kernel) and bgpd in the router namespace, AS
 * 65000, an eBGP session to every node. The nodes share AS 64512, so the
 * router overrides that AS in what it sends back (`as-override`), as ToRs
 * serving one-AS clusters do; otherwise each node would drop the others'
 * blocks as AS_PATH loops.
 */
import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isOurs, logTail, startDetached } from './processes.js';
import { cmd, sleep } from './shell.js';
import type { LabProcess } from './state.js';
import { CLUSTER_AS, ROUTER_AS, ROUTER_NS, SUBNETS, type LabNode } from './topology.js';

const ZEBRA = '/usr/lib/frr/zebra';
const BGPD = '/usr/lib/frr/bgpd';
const VTYSH = '/usr/bin/vtysh';

export function routerDir(labDir: string): string {
  return join(labDir, 'router');
}

export function bgpdConfig(nodes: readonly LabNode[]): string {
  const l = ['frr defaults traditional', 'hostname petrel-lab-router', 'log stdout informational', '!'];
  l.push(`router bgp ${ROUTER_AS}`, ` bgp router-id ${SUBNETS.lan10.gateway}`, ' no bgp ebgp-requires-policy', ' no bgp default ipv4-unicast');
  for (const n of nodes) {
    l.push(` neighbor ${n.address} remote-as ${CLUSTER_AS}`, ` neighbor ${n.address} description ${n.name}`, ` neighbor ${n.address} timers connect 2`);
  }
  l.push(' address-family ipv4 unicast');
  for (const n of nodes) l.push(`  neighbor ${n.address} activate`, `  neighbor ${n.address} as-override`);
  l.push(' exit-address-family', 'exit', '!');
  return l.join('\n') + '\n';
}

async function frrIds(): Promise<{ uid: number; gid: number }> {
  const uid = await cmd('id', ['-u', 'frr'], { allowFail: true });
  const gid = await cmd('id', ['-g', 'frr'], { allowFail: true });
  if (uid.code !== 0 || gid.code !== 0) throw new Error('the tor variant needs FRR (apt-get install frr): no frr user');
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export async function vtysh(labDir: string, ...commands: string[]): Promise<string> {
  const dir = routerDir(labDir);
  const { stdout } = await cmd(VTYSH, ['--vty_socket', dir, '--config_dir', dir, '-d', 'bgpd', ...commands.flatMap((c) => ['-c', c])]);
  return stdout;
}

async function waitUntil(what: string, p: LabProcess, labDir: string, timeoutMs: number, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isOurs(p.pid, labDir)) throw new Error(`${p.name} exited:\n${logTail(p.log)}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs} ms:\n${logTail(p.log)}`);
    await sleep(100);
  }
}

/**
 * Starts zebra (as the frr user, which FRR insists on) then bgpd (as root
 * with -S), each reporting its process as soon as it exists so a failed
 * start is still cleaned up.
 */
export async function startRouterFrr(labDir: string, nodes: readonly LabNode[], record: (p: LabProcess) => void): Promise<void> {
  for (const f of [ZEBRA, BGPD, VTYSH]) if (!existsSync(f)) throw new Error(`${f} is missing: the tor variant needs FRR (apt-get install frr)`);
  const dir = routerDir(labDir);
  mkdirSync(dir, { recursive: true });
  const { uid, gid } = await frrIds();
  chownSync(dir, uid, gid);
  writeFileSync(join(dir, 'zebra.conf'), 'hostname petrel-lab-router\n');
  writeFileSync(join(dir, 'bgpd.conf'), bgpdConfig(nodes));
  const zserv = join(dir, 'zserv.api');
  const common = ['--vty_socket', dir, '-P', '0', '-z', zserv];
  const zebra = startDetached(ROUTER_NS, 'zebra', ZEBRA, ['-f', join(dir, 'zebra.conf'), '-i', join(dir, 'zebra.frr-pid'), ...common], dir);
  record(zebra);
  await waitUntil('zebra', zebra, labDir, 10_000, async () => existsSync(zserv));
  // bgpd without -l: that option implies -n (no kernel routes), and the router must forward.
  const bgpd = startDetached(ROUTER_NS, 'bgpd', BGPD, ['-S', '-f', join(dir, 'bgpd.conf'), '-i', join(dir, 'bgpd.frr-pid'), ...common], dir);
  record(bgpd);
  await waitUntil('bgpd', bgpd, labDir, 10_000, async () => (await vtysh(labDir, 'show bgp summary json')).includes('{'));
}
