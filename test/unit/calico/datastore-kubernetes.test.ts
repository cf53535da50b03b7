/**
 * The Kubernetes datastore against a fake API server over real HTTP on
 * 127.0.0.1 (test/support/fake-apiserver.ts: list/watch semantics, not a
 * real API server), configured through a KUBECONFIG file.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubernetesDatastore } from '../../../src/calico/datastore/kubernetes/kubernetes-datastore.js';
import { type DatastoreLogger, type DatastoreRejection, type DatastoreUpdate, type SyncState } from '../../../src/calico/index.js';
import { KubeConfigTransport, loadKubeConfig } from '../../../src/calico/datastore/kubernetes/transport.js';
import { FakeApiServer, type FakeObject } from '../../support/fake-apiserver.js';

const CRD = '/apis/crd.projectcalico.org/v1';
const NODES = '/api/v1/nodes';
const SECRETS = '/api/v1/namespaces/kube-system/secrets';

const k8sNode = (name: string, ip: string, extra: Record<string, string> = {}): FakeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name }, annotations: { 'projectcalico.org/IPv4Address': ip, ...extra }, uid: `uid-${name}` },
  spec: { podCIDR: '10.244.0.0/24' },
  status: { conditions: [] },
});

const crd = (kind: string, name: string, spec: unknown): FakeObject => ({ apiVersion: 'crd.projectcalico.org/v1', kind, metadata: { name, generation: 1 }, spec });

function quiet(lines: string[]): DatastoreLogger {
  return { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
}

function next<T>(ds: KubernetesDatastore, event: 'update' | 'rejected' | 'sync', ms = 8000, want?: (v: T) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      ds.off(event, on);
      reject(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    const on = (v: unknown) => {
      if (want && !want(v as T)) return;
      clearTimeout(t);
      ds.off(event, on);
      resolve(v as T);
    };
    ds.on(event, on);
  });
}

const peerNames = (u: DatastoreUpdate) => u.changes.filter((c) => c.kind.startsWith('peer')).map((c) => `${c.kind} ${(c as { name: string }).name}`);

describe('calico KubernetesDatastore (fake API server)', function () {
  this.timeout(30000);
  let api: FakeApiServer;
  let dir: string;
  let ds: KubernetesDatastore | null = null;
  const logs: string[] = [];

  beforeEach(async () => {
    logs.length = 0;
    api = new FakeApiServer();
    await api.start();
    dir = await mkdtemp(join(tmpdir(), 'petrel-k8s-'));
    api.put(NODES, k8sNode('me', '10.0.0.2/24', { 'projectcalico.org/IPv4IPIPTunnelAddr': '10.65.0.1', 'projectcalico.org/VXLANTunnelMACAddr': '66:AA:BB:CC:DD:EE' }));
    api.put(NODES, k8sNode('b', '10.0.0.3/24', { 'projectcalico.org/ASNumber': '64512' }));
    // Numbers and booleans as JSON types, as the API server serves them.
    api.put(`${CRD}/bgpconfigurations`, crd('BGPConfiguration', 'default', { asNumber: 64512, nodeToNodeMeshEnabled: true, logSeverityScreen: 'Info' }));
    api.put(`${CRD}/ippools`, crd('IPPool', 'default-ipv4-ippool', { cidr: '10.65.0.0/16', ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: true, blockSize: 26, nodeSelector: 'all()' }));
    api.put(`${CRD}/blockaffinities`, crd('BlockAffinity', 'me-10-65-0-0-26', { state: 'confirmed', node: 'me', cidr: '10.65.0.0/26', deleted: 'false' }));
    api.put(`${CRD}/bgppeers`, crd('BGPPeer', 'tor', { peerIP: '10.0.0.1', asNumber: 65001, password: { secretKeyRef: { name: 'bgp-secrets', key: 'tor' } } }));
    api.put(SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bgp-secrets', namespace: 'kube-system' }, data: { tor: Buffer.from('s3cret').toString('base64') } });
  });

  afterEach(async () => {
    ds?.stop();
    ds = null;
    await api.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const open = async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, api.kubeconfig());
    ds = new KubernetesDatastore({
      nodeName: 'me',
      transport: new KubeConfigTransport(loadKubeConfig(kubeconfig)),
      debounceMs: 50,
      backoffMs: { initial: 100, max: 800 },
      logger: quiet(logs),
    });
    return ds.start();
  };

  it('lists CRDs, Nodes (annotations) and the password Secret into the same desired state as a file', async () => {
    const s = await open();
    assert.equal(ds!.syncState, 'in-sync');
    assert.equal(s.asNumber, 64512);
    const byName = new Map(s.peers.map((p) => [p.name, p]));
    assert.deepEqual([...byName.keys()].sort(), ['Global_10_0_0_1', 'Mesh_10_0_0_3']);
    assert.equal(byName.get('Global_10_0_0_1')!.password, 's3cret');
    assert.equal(byName.get('Global_10_0_0_1')!.asNumber, 65001);
    assert.deepEqual(s.originate.map((o) => o.prefix), ['10.65.0.0/26']);
    // The projectcalico.org/* annotations became the Calico Node's fields.
    const me = ds!.currentResources!.nodes.get('me')!;
    assert.equal(me.bgp?.ipv4Address?.network.text, '10.0.0.0/24');
    assert.equal(me.bgp?.ipv4IPIPTunnelAddr?.text, '10.65.0.1');
    assert.equal(me.vxlanTunnelMACAddr, '66:aa:bb:cc:dd:ee');
    assert.equal(me.labels['kubernetes.io/hostname'], 'me');
    assert.equal(ds!.currentResources!.nodes.get('b')!.bgp?.asNumber, 64512);
    // Only the referenced Secret is watched, by name.
    assert.ok(api.requests.some((r) => r === `LIST ${SECRETS}`));
    assert.ok(ds!.watches().some((w) => w.path === SECRETS && w.synced));
  });

  it('turns watch events into diffs: a node joins and leaves, a password changes', async () => {
    await open();
    let u = next<DatastoreUpdate>(ds!, 'update');
    api.put(NODES, k8sNode('c', '10.0.0.4/24'));
    assert.deepEqual(peerNames(await u), ['peerAdded Mesh_10_0_0_4']);

    u = next<DatastoreUpdate>(ds!, 'update');
    api.put(SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bgp-secrets', namespace: 'kube-system' }, data: { tor: Buffer.from('n3w').toString('base64') } });
    const changed = (await u).changes.find((c) => c.kind === 'peerChanged');
    assert.ok(changed && changed.kind === 'peerChanged' && changed.changedFields.includes('password') && changed.resetRequired);
    assert.equal(ds!.current!.peers.find((p) => p.name === 'Global_10_0_0_1')!.password, 'n3w');

    u = next<DatastoreUpdate>(ds!, 'update');
    api.delete(NODES, 'c');
    assert.deepEqual(peerNames(await u), ['peerRemoved Mesh_10_0_0_4']);
  });

  it('rejects an invalid object naming it, keeps the state, and recovers when it is fixed', async () => {
    await open();
    const rejected = next<DatastoreRejection>(ds!, 'rejected');
    api.put(`${CRD}/bgppeers`, crd('BGPPeer', 'bad', { peerIP: 'nope', asNumber: 65002 }));
    const r = await rejected;
    assert.equal(r.reason, 'invalid');
    assert.match(r.message, /BGPPeer "bad" \(kubernetes \/apis\/crd.projectcalico.org\/v1\/bgppeers\/bad\): spec.peerIP/);
    assert.equal(ds!.current!.peers.length, 2);
    const u = next<DatastoreUpdate>(ds!, 'update');
    api.put(`${CRD}/bgppeers`, crd('BGPPeer', 'bad', { peerIP: '10.0.0.9', asNumber: 65002 }));
    assert.deepEqual(peerNames(await u), ['peerAdded Global_10_0_0_9']);
  });

  it('410 Gone: lists again, keeps the state meanwhile, and picks up what the lost history held', async () => {
    await open();
    const before = ds!.current!;
    const lists = api.requests.filter((r) => r === `LIST ${NODES}`).length;
    // The watch dies, a node joins while nobody watches, and the history is compacted away.
    api.dropWatches();
    api.put(NODES, k8sNode('d', '10.0.0.5/24'));
    api.compact();
    const u = await next<DatastoreUpdate>(ds!, 'update');
    assert.deepEqual(peerNames(u), ['peerAdded Mesh_10_0_0_5']);
    assert.equal(u.previous, before);
    assert.ok(api.requests.filter((r) => r === `LIST ${NODES}`).length > lists, 'nodes were listed again');
    assert.ok(ds!.watches().find((w) => w.path === NODES)!.stats.relistsAfterGone >= 1);
    // An ERROR 410 on an open watch (the server's own expiry) is handled the same way, with no change.
    let updates = 0;
    ds!.on('update', () => updates++);
    const relisted = api.requests.length;
    api.expireWatchesWithGone();
    await waitUntil(() => api.requests.slice(relisted).filter((r) => r.startsWith('LIST')).length >= 6 && ds!.syncState === 'in-sync', 8000);
    await sleep(300);
    assert.equal(updates, 0, 'a re-list of the same contents changes nothing');
    assert.equal(ds!.current!.peers.length, 3);
  });

  it('resumes a dropped watch from the last bookmark, without listing again', async () => {
    await open();
    const bookmarkRv = api.put(`${CRD}/bgpfilters`, crd('BGPFilter', 'f', { exportV4: [{ action: 'Accept', cidr: '10.0.0.0/8', matchOperator: 'In' }] }));
    await waitUntil(() => api.openWatches >= 6, 5000);
    api.bookmark();
    await sleep(200);
    const lists = api.requests.filter((r) => r.startsWith('LIST')).length;
    api.dropWatches();
    await waitUntil(() => api.openWatches >= 6, 8000);
    assert.ok(api.requests.includes(`WATCH ${NODES} rv=${bookmarkRv}`), `nodes watch resumed at the bookmark: ${api.requests.filter((r) => r.startsWith(`WATCH ${NODES}`)).join(', ')}`);
    assert.equal(api.requests.filter((r) => r.startsWith('LIST')).length, lists, 'no list after a dropped watch');
  });

  it('keeps routing on the last good state while the API server is down, then catches up', async () => {
    await open();
    const syncs: SyncState[] = [];
    ds!.on('sync', (s) => syncs.push(s));
    let updates = 0;
    ds!.on('update', () => updates++);
    const disconnected = next<SyncState>(ds!, 'sync', 8000, (s) => s === 'disconnected');
    await api.stop();
    await disconnected;
    assert.equal(ds!.current!.peers.length, 2, 'the state is kept');
    await sleep(1500);
    assert.equal(updates, 0, 'no change while the server is away');
    assert.ok(logs.some((l) => l.startsWith('warn') && l.includes('routing continues on the last good state')));
    // Changes made while petrel could not see them arrive once it is back.
    api.put(NODES, k8sNode('e', '10.0.0.6/24'));
    api.delete(NODES, 'b');
    const u = next<DatastoreUpdate>(ds!, 'update');
    await api.start();
    assert.deepEqual(peerNames(await u).sort(), ['peerAdded Mesh_10_0_0_6', 'peerRemoved Mesh_10_0_0_3']);
    await waitUntil(() => ds!.syncState === 'in-sync', 8000);
    assert.deepEqual(syncs[0], 'disconnected');
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitUntil(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(25);
  }
}
