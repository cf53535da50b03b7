/** The daemon's translation of a Calico desired state into the FIB's kernel policy (src/daemon/fib-feed.ts). */
import assert from 'node:assert/strict';
import { computeDesiredState, loadResources } from '../../../src/calico/index.js';
import { borrowedWorkloads, fibPolicy, vxlanNeighbours } from '../../../src/daemon/fib-feed.js';
import { formatIp } from '../../../src/fib/addr.js';
import { formatPrefix, parsePrefix } from '../../../src/lib/prefix.js';

const yaml = (program: string, pools: string) => `
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec: {asNumber: 64512, programClusterRoutes: ${program}, serviceClusterIPs: [{cidr: 10.96.0.0/12}]}
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: k8s-ctr}
spec: {bgp: {ipv4Address: 192.168.10.100/24}}
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: k8s-w1}
spec: {bgp: {ipv4Address: 192.168.10.101/24}, ipv4VXLANTunnelAddr: 172.16.158.0, vxlanTunnelMACAddr: "66:0A:0B:0C:0D:01"}
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: k8s-w0}
spec: {bgp: {ipv4Address: 192.168.20.100/24}, ipv4VXLANTunnelAddr: 172.16.34.0}
${pools}`;

const pool = (name: string, cidr: string, ipip: string, vxlan: string) => `---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: ${name}}
spec: {cidr: ${cidr}, ipipMode: ${ipip}, vxlanMode: ${vxlan}}
`;

describe('fib: kernel policy from the Calico desired state', () => {
  it('maps pool modes, the node subnet, service ranges and VTEPs', () => {
    const s = computeDesiredState(
      loadResources(yaml('Enabled', pool('a', '172.16.0.0/16', 'Always', 'Never') + pool('b', '172.17.0.0/16', 'CrossSubnet', 'Never') + pool('c', '172.18.0.0/16', 'Never', 'Never') + pool('d', '172.19.0.0/16', 'Never', 'CrossSubnet')), 't'),
      'k8s-ctr',
    );
    const p = fibPolicy(s);
    assert.deepEqual(p.pools.map((x) => `${formatPrefix(x.prefix)} ${x.mode}`), ['172.16.0.0/16 ipip', '172.17.0.0/16 ipip-crosssubnet', '172.18.0.0/16 nic', '172.19.0.0/16 vxlan-crosssubnet']);
    assert.deepEqual(p.localSubnets.map(formatPrefix), ['192.168.10.0/24']);
    assert.deepEqual(p.rejectPrefixes.map(formatPrefix), ['10.96.0.0/12']);
    // k8s-w0 has no MAC: no VTEP for it.
    assert.deepEqual(s.vxlanTunnels, [{ node: 'k8s-w1', nodeIp: '192.168.10.101', vtepIp: '172.16.158.0', vtepMac: '66:0a:0b:0c:0d:01' }]);
    assert.deepEqual([...p.vteps.keys()], ['192.168.10.101']);
    const n = vxlanNeighbours(p);
    assert.equal(n.length, 1);
    assert.equal(formatIp(n[0]!.vtepIp), '172.16.158.0');
    assert.equal(formatIp(n[0]!.nodeIp), '192.168.10.101');
  });

  it('Felix-owned pools (programClusterRoutes) are rejected; no VXLAN pool means no neighbour entries', () => {
    const s = computeDesiredState(loadResources(yaml('EnabledNoEncapOnly', pool('a', '172.16.0.0/16', 'Always', 'Never')), 't'), 'k8s-ctr');
    const p = fibPolicy(s);
    assert.deepEqual(p.pools.map((x) => x.mode), ['reject']);
    assert.deepEqual(vxlanNeighbours(p), []);
  });
});

describe('fib: borrowed workload addresses (BIRD learn + calico_export_to_bgp_peers)', () => {
  const s = computeDesiredState(
    loadResources(`${yaml('Enabled', pool('a', '172.16.0.0/16', 'Never', 'Never'))}---
apiVersion: projectcalico.org/v3
kind: BlockAffinity
metadata: {name: ctr-block}
spec: {node: k8s-ctr, cidr: 172.16.5.0/26, state: confirmed}
`, 't'),
    'k8s-ctr',
  );
  const r = (prefix: string, ifname: string) => ({ prefix: parsePrefix(prefix)!, ifname });

  it('originates /32s of cali routes in a pool and outside our blocks only', () => {
    assert.deepEqual(
      borrowedWorkloads(s, [
        r('172.16.200.7/32', 'cali12345'), // borrowed: exported
        r('172.16.5.9/32', 'cali99'), // in our block: aggregated
        r('10.9.9.9/32', 'cali1'), // outside every pool
        r('172.16.200.8/32', 'eth0'), // not a workload device
      ]),
      ['172.16.200.7/32'],
    );
  });
});
