import assert from 'node:assert/strict';
import { parseDatastoreSpec } from '../../../src/calico/index.js';
import { readKey } from '../../../src/calico/datastore/etcd/keys.js';
import { fromNode } from '../../../src/calico/datastore/kubernetes/convert.js';
import { jsonToRaw } from '../../../src/calico/datastore/live-datastore.js';

describe('calico datastore specs and key layouts', () => {
  it('takes --datastore first, then calico-node\'s environment', () => {
    const env = { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://10.1.1.1:2379', KUBECONFIG: '/k/config', NAMESPACE: 'calico-system' };
    assert.deepEqual(parseDatastoreSpec('kubernetes', env), { type: 'kubernetes', kubeconfig: '/k/config', namespace: 'calico-system' });
    assert.deepEqual(parseDatastoreSpec(undefined, env), { type: 'etcdv3', endpoints: ['http://10.1.1.1:2379'] });
    assert.deepEqual(parseDatastoreSpec('etcdv3:http://127.0.0.1:2379,https://127.0.0.2:2379', { ETCD_CA_CERT_FILE: '/ca.pem' }), {
      type: 'etcdv3',
      endpoints: ['http://127.0.0.1:2379', 'https://127.0.0.2:2379'],
      tls: { caFile: '/ca.pem' },
    });
    assert.deepEqual(parseDatastoreSpec('file:/etc/c.yaml', env), { type: 'file', path: '/etc/c.yaml' });
    assert.deepEqual(parseDatastoreSpec(undefined, { CALICO_DATASTORE_FILE: '/c.yaml' }), { type: 'file', path: '/c.yaml' });
    assert.equal(parseDatastoreSpec(undefined, {}), null);
    assert.throws(() => parseDatastoreSpec('consul:x', {}), /unknown datastore/);
    assert.throws(() => parseDatastoreSpec(undefined, { DATASTORE_TYPE: 'etcdv3' }), /needs endpoints/);
    assert.throws(() => parseDatastoreSpec('etcdv3:127.0.0.1:2379', {}), /not a URL|only http/);
    assert.throws(() => parseDatastoreSpec(undefined, { DATASTORE_TYPE: 'consul' }), /DATASTORE_TYPE="consul"/);
  });

  it('reads Calico\'s etcd keys: the key is the identity, affinities carry node and CIDR in the key', () => {
    const peer = readKey('/calico/resources/v3/projectcalico.org/bgppeers/tor', JSON.stringify({ kind: 'Sneaky', metadata: { name: 'other' }, spec: { asNumber: 65001 } }));
    assert.ok('object' in peer);
    assert.equal(peer.object.doc['kind'], 'BGPPeer');
    assert.deepEqual((peer.object.doc['metadata'] as Record<string, unknown>)['name'], 'tor');
    assert.deepEqual((peer.object.doc['spec'] as Record<string, unknown>)['asNumber'], '65001');
    const aff = readKey('/calico/ipam/v2/host/node-1/ipv6/block/fd00:10::-122', '{"state":"pending","deleted":false}');
    assert.ok('object' in aff);
    assert.deepEqual(aff.object.doc['spec'], { node: 'node-1', cidr: 'fd00:10::/122', state: 'pending', deleted: 'false' });
    assert.deepEqual(readKey('/calico/felix/v2/x/host/a/status', '{}'), { ignored: true });
    assert.deepEqual(readKey('/calico/resources/v3/projectcalico.org/networkpolicies/ns/p', '{}'), { ignored: true });
    assert.ok('problem' in readKey('/calico/resources/v3/projectcalico.org/nodes/n', '[1,2]'));
  });

  it('maps Node annotations and refuses hostile nesting', () => {
    const n = fromNode('/api/v1/nodes', { metadata: { name: 'n1', labels: { a: 'b' }, annotations: { 'projectcalico.org/IPv4Address': '10.0.0.9/24', 'projectcalico.org/ASNumber': '65100', 'projectcalico.org/IPv4VXLANTunnelAddr': '10.65.9.0', 'other/x': 'y' } } });
    assert.deepEqual(n.doc['spec'], { bgp: { ipv4Address: '10.0.0.9/24', asNumber: '65100' }, ipv4VXLANTunnelAddr: '10.65.9.0' });
    let deep: unknown = 'x';
    for (let i = 0; i < 200; i++) deep = { d: deep };
    assert.throws(() => jsonToRaw(deep), /nests deeper/);
  });
});
