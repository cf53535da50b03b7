/**
 * The etcd v3 datastore against a real etcd (Debian's etcd-server) on
 * 127.0.0.1: Calico's key layout read at start, watched changes as diffs, a
 * value that is not a resource rejected with the key named, and an etcd
 * restart mid-run (the state kept while it is down, changes made after the
 * restart picked up).
 */
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { EtcdDatastore } from '../../src/calico/datastore/etcd/etcd-datastore.js';
import { type DatastoreRejection, type DatastoreUpdate, type SyncState } from '../../src/calico/index.js';
import { EtcdServer } from '../support/etcd.js';

const R = '/calico/resources/v3/projectcalico.org';
const node = (name: string, ip: string) => JSON.stringify({ kind: 'Node', apiVersion: 'projectcalico.org/v3', metadata: { name, resourceVersion: '1', uid: 'x' }, spec: { bgp: { ipv4Address: ip } } });

function next<T>(ds: EtcdDatastore, event: 'update' | 'rejected' | 'sync', ms = 15000, want?: (v: T) => boolean): Promise<T> {
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

describe('calico EtcdDatastore (real etcd)', function () {
  this.timeout(90000);
  const etcd = new EtcdServer();
  let client: Etcd3;
  let ds: EtcdDatastore | null = null;
  const logs: string[] = [];

  before(async () => {
    await etcd.start();
    client = new Etcd3({ hosts: etcd.endpoint });
    await client.put(`${R}/nodes/me`).value(node('me', '10.0.0.2/24'));
    await client.put(`${R}/nodes/b`).value(node('b', '10.0.0.3/24'));
    await client.put(`${R}/bgpconfigurations/default`).value(JSON.stringify({ kind: 'BGPConfiguration', apiVersion: 'projectcalico.org/v3', metadata: { name: 'default' }, spec: { asNumber: 64513, nodeToNodeMeshEnabled: true } }));
    await client.put(`${R}/ippools/p4`).value(JSON.stringify({ kind: 'IPPool', apiVersion: 'projectcalico.org/v3', metadata: { name: 'p4' }, spec: { cidr: '10.66.0.0/16', ipipMode: 'Never', vxlanMode: 'Never' } }));
    await client.put('/calico/ipam/v2/host/me/ipv4/block/10.66.1.0-26').value(JSON.stringify({ state: 'confirmed', deleted: false }));
    await client.put('/calico/ipam/v2/host/b/ipv4/block/10.66.2.0-26').value(JSON.stringify({ state: 'confirmed', deleted: false }));
    // Keys of other Calico components are not ours and are left alone.
    await client.put('/calico/felix/v2/no-region/host/me/status').value('{"time":"now"}');
  });

  after(async () => {
    ds?.stop();
    client?.close();
    await etcd.destroy();
  });

  it('reads Calico key layout at start: resources, and this node\'s block affinities', async () => {
    ds = new EtcdDatastore({
      nodeName: 'me',
      endpoints: [etcd.endpoint],
      debounceMs: 50,
      backoffMs: { initial: 200, max: 1000 },
      logger: { info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`), error: (m) => logs.push(`error ${m}`) },
    });
    const s = await ds.start();
    assert.equal(ds.syncState, 'in-sync');
    assert.equal(s.asNumber, 64513);
    assert.deepEqual(s.peers.map((p) => p.name), ['Mesh_10_0_0_3']);
    assert.deepEqual(s.originate.map((o) => o.prefix), ['10.66.1.0/26']);
  });

  it('watched puts and deletes become diffs', async () => {
    let u = next<DatastoreUpdate>(ds!, 'update');
    await client.put(`${R}/nodes/c`).value(node('c', '10.0.0.4/24'));
    assert.deepEqual(peerNames(await u), ['peerAdded Mesh_10_0_0_4']);
    u = next<DatastoreUpdate>(ds!, 'update');
    await client.put('/calico/ipam/v2/host/me/ipv4/block/10.66.3.0-26').value(JSON.stringify({ state: 'confirmed', deleted: false }));
    const o = (await u).changes.find((c) => c.kind === 'originateChanged');
    assert.ok(o && o.kind === 'originateChanged' && o.added.map((a) => a.prefix).join() === '10.66.3.0/26');
    u = next<DatastoreUpdate>(ds!, 'update');
    await client.delete().key(`${R}/nodes/c`);
    assert.deepEqual(peerNames(await u), ['peerRemoved Mesh_10_0_0_4']);
  });

  it('rejects a value that is not a resource, naming the key, and keeps the state', async () => {
    const rejected = next<DatastoreRejection>(ds!, 'rejected');
    await client.put(`${R}/bgppeers/broken`).value('{not json');
    const r = await rejected;
    assert.match(r.message, /\/calico\/resources\/v3\/projectcalico.org\/bgppeers\/broken/);
    assert.equal(ds!.current!.peers.length, 1);
    const u = next<DatastoreUpdate>(ds!, 'update');
    await client.put(`${R}/bgppeers/broken`).value(JSON.stringify({ kind: 'BGPPeer', apiVersion: 'projectcalico.org/v3', metadata: { name: 'broken' }, spec: { peerIP: '10.0.0.9', asNumber: 65009 } }));
    assert.deepEqual(peerNames(await u), ['peerAdded Global_10_0_0_9']);
  });

  it('keeps the state through an etcd restart and picks up changes made after it', async () => {
    const syncs: SyncState[] = [];
    ds!.on('sync', (s) => syncs.push(s));
    let updates = 0;
    ds!.on('update', () => updates++);
    const before = ds!.current!;
    const down = next<SyncState>(ds!, 'sync', 20000, (s) => s === 'disconnected');
    await etcd.stop(true);
    await down;
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(ds!.current, before, 'the state in force is untouched while etcd is down');
    assert.equal(updates, 0);
    await etcd.start();
    // A change made after the restart reaches petrel through the resumed watch.
    const u = next<DatastoreUpdate>(ds!, 'update', 30000);
    const writer = new Etcd3({ hosts: etcd.endpoint });
    try {
      await writer.put(`${R}/nodes/d`).value(node('d', '10.0.0.5/24'));
    } finally {
      writer.close();
    }
    assert.deepEqual(peerNames(await u), ['peerAdded Mesh_10_0_0_5']);
    assert.equal(ds!.syncState, 'in-sync');
    assert.equal(syncs[0], 'disconnected');
  });
});
