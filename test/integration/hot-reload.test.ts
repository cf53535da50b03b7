/**
 * Hot reload in running daemons (all on 127.0.0.0/8): edits to the
 * datastore file add a node, change one peer's password and remove a peer;
 * only the sessions each change affects are touched, as the uptime of every
 * other session shows.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, type PeerStatus } from '../../src/daemon/daemon.js';
import { nullLogger } from '../../src/lib/logger.js';

const PORT = 30000 + (process.pid % 20000);
const dir = mkdtempSync(join(tmpdir(), 'petrel-reload-'));
const clusterFile = join(dir, 'cluster.yaml');
const torFile = join(dir, 'tor.yaml');

const doc = (s: string) => s.trim();
function node(name: string, ip: string, block: string): string {
  return [
    doc(`apiVersion: projectcalico.org/v3\nkind: Node\nmetadata:\n  name: ${name}\nspec:\n  bgp:\n    ipv4Address: ${ip}/24`),
    doc(`apiVersion: projectcalico.org/v3\nkind: BlockAffinity\nmetadata:\n  name: ${name}-${block.replace(/[./]/g, '-')}\nspec:\n  node: ${name}\n  cidr: ${block}\n  state: confirmed`),
  ].join('\n---\n');
}

function clusterYaml(o: { n4: boolean; password: string; torPeer: boolean }): string {
  const docs = [
    doc(`apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata:\n  name: default\nspec:\n  asNumber: 64512\n  nodeToNodeMeshEnabled: true\n  listenPort: ${PORT}\n  bindMode: NodeIP`),
    doc(`apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: pods\nspec:\n  cidr: 10.244.0.0/16\n  ipipMode: Never\n  vxlanMode: Never\n  natOutgoing: true`),
    doc(`apiVersion: v1\nkind: Secret\nmetadata:\n  name: tor\n  namespace: kube-system\nstringData:\n  password: ${o.password}`),
    node('n1', '127.0.1.1', '10.244.1.0/26'),
    node('n2', '127.0.1.2', '10.244.2.0/26'),
    node('n3', '127.0.1.3', '10.244.3.0/26'),
  ];
  if (o.n4) docs.push(node('n4', '127.0.1.4', '10.244.4.0/26'));
  if (o.torPeer) {
    docs.push(doc(`apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: rack-tor\nspec:\n  node: n1\n  peerIP: 127.0.2.1:${PORT}\n  asNumber: 65001\n  password:\n    secretKeyRef:\n      name: tor\n      key: password`));
  }
  return docs.join('\n---\n') + '\n';
}

function torYaml(password: string): string {
  return [
    doc(`apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata:\n  name: default\nspec:\n  asNumber: 65001\n  nodeToNodeMeshEnabled: false\n  listenPort: ${PORT}\n  bindMode: NodeIP`),
    doc(`apiVersion: v1\nkind: Secret\nmetadata:\n  name: tor\n  namespace: kube-system\nstringData:\n  password: ${password}`),
    doc(`apiVersion: projectcalico.org/v3\nkind: Node\nmetadata:\n  name: tor\nspec:\n  bgp:\n    ipv4Address: 127.0.2.1/24`),
    doc(`apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: to-n1\nspec:\n  peerIP: 127.0.1.1:${PORT}\n  asNumber: 64512\n  password:\n    secretKeyRef:\n      name: tor\n      key: password`),
  ].join('\n---\n') + '\n';
}

/** Write atomically, as editors and kubectl-style tools do. */
function write(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

async function waitFor(what: string, cond: () => boolean, ms = 30000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const daemons = new Map<string, Daemon>();
async function start(name: string, file: string): Promise<Daemon> {
  const d = new Daemon({ node: name, datastorePath: file, log: nullLogger, allowLoopbackNextHop: true });
  await d.start();
  daemons.set(name, d);
  return d;
}
const peers = (n: string): PeerStatus[] => daemons.get(n)!.peers();
const up = (n: string) => peers(n).every((p) => p.state === 'Established');
const sinceOf = (n: string) => new Map(peers(n).map((p) => [p.name, p.since]));

describe('hot reload: a configuration change touches only what it affects', function () {
  this.timeout(120000);

  after(async () => {
    for (const d of daemons.values()) await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('brings up a mesh of three nodes and an eBGP ToR with a password', async () => {
    write(clusterFile, clusterYaml({ n4: false, password: 'first-secret', torPeer: true }));
    write(torFile, torYaml('first-secret'));
    for (const n of ['n1', 'n2', 'n3']) await start(n, clusterFile);
    await start('tor', torFile);
    await waitFor('every session Established', () => ['n1', 'n2', 'n3', 'tor'].every(up));
    assert.deepEqual(peers('n1').map((p) => p.type).sort(), ['mesh', 'mesh', 'node']);
    assert.equal(peers('n2').length, 2);
    // Blocks travel: n2 learnt n1's block from n1, and the ToR learnt it over eBGP.
    await waitFor('routes exchanged', () => {
      const fromN1 = daemons.get('n2')!.neighbor(peers('n2').find((p) => p.address === '127.0.1.1')!.name)!;
      return [...fromN1.adjRibIn.entries()].some((r) => r.nlri.afi === 1 && r.nlri.len === 26 && r.nlri.addr === 0x0af40100);
    });
    const tor = daemons.get('tor')!.neighbor(peers('tor')[0]!.name)!;
    await waitFor('the ToR has n1\'s block', () => [...tor.adjRibIn.entries()].some((r) => r.nlri.afi === 1 && r.nlri.addr === 0x0af40100));
  });

  it('a new node adds one session per node and disturbs none', async () => {
    const before = new Map(['n1', 'n2', 'n3'].map((n) => [n, sinceOf(n)]));
    write(clusterFile, clusterYaml({ n4: true, password: 'first-secret', torPeer: true }));
    await start('n4', clusterFile);
    await waitFor('n4 meshed', () => ['n1', 'n2', 'n3', 'n4'].every((n) => up(n) && peers(n).filter((p) => p.type === 'mesh').length === 3));
    for (const [n, old] of before) {
      for (const [name, since] of old) assert.equal(sinceOf(n).get(name), since, `${n}'s session ${name} was not touched`);
    }
    // n4's block reaches n1.
    const n1FromN4 = daemons.get('n1')!.neighbor(peers('n1').find((p) => p.address === '127.0.1.4')!.name)!;
    await waitFor('n4\'s block at n1', () => [...n1FromN4.adjRibIn.entries()].some((r) => r.nlri.afi === 1 && r.nlri.addr === 0x0af40400));
  });

  it('a new password resets only that peer\'s session', async () => {
    const mesh = new Map(['n1', 'n2', 'n3', 'n4'].map((n) => [n, sinceOf(n)]));
    const torName = peers('n1').find((p) => p.type === 'node')!.name;
    const torSince = sinceOf('n1').get(torName);
    write(torFile, torYaml('second-secret'));
    write(clusterFile, clusterYaml({ n4: true, password: 'second-secret', torPeer: true }));
    await waitFor('the ToR session re-established with the new password', () => {
      const s = sinceOf('n1').get(torName);
      return s !== undefined && s !== null && s !== torSince && up('n1') && up('tor');
    });
    for (const [n, old] of mesh) {
      for (const [name, since] of old) {
        if (name === torName) continue;
        assert.equal(sinceOf(n).get(name), since, `${n}'s session ${name} was not touched`);
      }
    }
  });

  it('removing a peer closes only its session', async () => {
    const mesh = new Map(['n1', 'n2', 'n3', 'n4'].map((n) => [n, sinceOf(n)]));
    write(clusterFile, clusterYaml({ n4: true, password: 'second-secret', torPeer: false }));
    await waitFor('n1 without its ToR peer', () => !peers('n1').some((p) => p.type === 'node'));
    await waitFor('the ToR sees the session go', () => peers('tor')[0]!.state !== 'Established');
    for (const [n, old] of mesh) {
      for (const [name, since] of old) {
        if (!sinceOf(n).has(name)) continue;
        assert.equal(sinceOf(n).get(name), since, `${n}'s session ${name} was not touched`);
      }
    }
    assert.equal(peers('n1').length, 3);
  });

  it('an invalid file is rejected as a whole and the running state stays', async () => {
    const before = sinceOf('n2');
    write(clusterFile, clusterYaml({ n4: true, password: 'second-secret', torPeer: false }) + '---\napiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: broken\nspec:\n  cidr: not-a-cidr\n');
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(sinceOf('n2'), before);
    assert.ok(up('n2'));
  });
});
