/**
 * Route reflection between real daemons on 127.0.0.0/8, configured as
 * Calico does it: the mesh off, one node with a routeReflectorClusterID, and
 * a BGPPeer that makes every other node peer with it (reverse peering is
 * automatic). Blocks travel client -> reflector -> client with the RFC 4456
 * attributes, and withdrawals follow.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PathInfo } from '../../src/api/provider.js';
import { daemonApiProvider } from '../../src/daemon/api-provider.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { nullLogger } from '../../src/lib/logger.js';

const PORT = 21000 + (process.pid % 20000);
const dir = mkdtempSync(join(tmpdir(), 'petrel-rr-'));
const file = join(dir, 'cluster.yaml');

function yaml(blocks: Record<string, string[]>): string {
  const nodes: [string, string, string][] = [
    ['rr', '127.0.3.1', '    routeReflectorClusterID: 224.0.0.1\n'],
    ['c1', '127.0.3.2', ''],
    ['c2', '127.0.3.3', ''],
  ];
  const docs = [
    `apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata:\n  name: default\nspec:\n  asNumber: 64512\n  nodeToNodeMeshEnabled: false\n  listenPort: ${PORT}\n  bindMode: NodeIP`,
    `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: pods\nspec:\n  cidr: 10.244.0.0/16\n  ipipMode: Never\n  vxlanMode: Never`,
    `apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: peer-with-route-reflectors\nspec:\n  nodeSelector: '!has(route-reflector)'\n  peerSelector: has(route-reflector)`,
    ...nodes.map(
      ([name, ip, extra]) =>
        `apiVersion: projectcalico.org/v3\nkind: Node\nmetadata:\n  name: ${name}\n${name === 'rr' ? '  labels:\n    route-reflector: "true"\n' : ''}spec:\n  bgp:\n    ipv4Address: ${ip}/24\n${extra}`,
    ),
    ...Object.entries(blocks).flatMap(([node, cidrs]) =>
      cidrs.map((cidr) => `apiVersion: projectcalico.org/v3\nkind: BlockAffinity\nmetadata:\n  name: ${node}-${cidr.replace(/[./]/g, '-')}\nspec:\n  node: ${node}\n  cidr: ${cidr}\n  state: confirmed`),
    ),
  ];
  return docs.map((d) => d.trimEnd()).join('\n---\n') + '\n';
}

function write(text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

async function waitFor(what: string, cond: () => boolean, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const daemons = new Map<string, Daemon>();
const loc = (n: string): PathInfo[] => daemonApiProvider(daemons.get(n)!).paths({ table: 'loc' }) as PathInfo[];
const bestFor = (n: string, prefix: string) => loc(n).find((p) => p.prefix === prefix && p.best);

describe('route reflection (RFC 4456) between petrel daemons', function () {
  this.timeout(60000);

  before(async () => {
    write(yaml({ rr: ['10.244.10.0/26'], c1: ['10.244.11.0/26'], c2: ['10.244.12.0/26'] }));
    for (const n of ['rr', 'c1', 'c2']) {
      const d = new Daemon({ node: n, datastorePath: file, log: nullLogger, allowLoopbackNextHop: true });
      await d.start();
      daemons.set(n, d);
    }
  });

  after(async () => {
    for (const d of daemons.values()) await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('peers every client with the reflector only, and the reflector with every client as an RR client', async () => {
    await waitFor('sessions up', () => [...daemons.values()].every((d) => d.peers().length > 0 && d.peers().every((p) => p.state === 'Established')));
    assert.deepEqual(daemons.get('c1')!.peers().map((p) => p.address), ['127.0.3.1']);
    assert.deepEqual(daemons.get('rr')!.desired!.peers.map((p) => [p.address, p.routeReflectorClient]), [['127.0.3.2', true], ['127.0.3.3', true]]);
  });

  it('reflects one client\'s block to the other with ORIGINATOR_ID and CLUSTER_LIST, next hop unchanged', async () => {
    await waitFor('c1\'s block at c2', () => bestFor('c2', '10.244.11.0/26') !== undefined);
    const p = bestFor('c2', '10.244.11.0/26')!;
    assert.deepEqual(p.nextHops, ['127.0.3.2'], 'the next hop is the client that owns the block');
    assert.equal(p.originatorId, '127.0.3.2');
    assert.deepEqual(p.clusterList, ['224.0.0.1']);
    assert.equal(p.sourceAddress, '127.0.3.1', 'learnt from the reflector');
    await waitFor('c2\'s block at c1', () => bestFor('c1', '10.244.12.0/26') !== undefined);
    assert.ok(bestFor('c1', '10.244.10.0/26'), 'the reflector\'s own block reaches its clients');
    // A client never gets its own block back.
    assert.equal(loc('c1').filter((x) => x.prefix === '10.244.11.0/26').length, 1);
    assert.equal(loc('c1').find((x) => x.prefix === '10.244.11.0/26')!.source, 'static1');
  });

  it('propagates a withdrawal through the reflector when a block is released, and a new block when one is claimed', async () => {
    write(yaml({ rr: ['10.244.10.0/26'], c1: ['10.244.21.0/26'], c2: ['10.244.12.0/26'] }));
    await waitFor('the released block gone from c2', () => bestFor('c2', '10.244.11.0/26') === undefined);
    await waitFor('the new block at c2', () => bestFor('c2', '10.244.21.0/26') !== undefined);
    assert.equal(bestFor('rr', '10.244.11.0/26'), undefined);
  });
});
