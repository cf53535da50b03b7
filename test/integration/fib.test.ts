/**
 * petrel programming a real kernel (`petrel run --fib kernel`) in a network
 * namespace, fed by two BIRD 2 peers on one LAN that play Calico nodes B and
 * C. Every route shape Calico's BIRD (and Felix, for VXLAN) writes is
 * asserted exactly with `ip -json route`, plus ECMP, the VXLAN neighbour and
 * FDB entries, borrowed-/32 export, a missing device, restart with the
 * routes kept and removal after a peer dies.
 *
 * These kernels have no IPIP module, so `tunl0` here is a stand-in: one end
 * of a veth pair renamed tunl0. The routes petrel writes through it are the
 * same; only packets would not be encapsulated.
 */
import assert from 'node:assert/strict';
import { createLan, createNs, exec, nextSubnet, sleep, useLab, waitFor } from '../support/netns.js';
import { startBird2, type Peer } from '../support/peers/index.js';
import { bgpConfiguration, bgpPeer, blockAffinity, calicoNode, globalPeerName, parseLog, startPetrel, toYaml, type Petrel } from '../support/petrel.js';

interface JsonRoute {
  dst: string;
  type?: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  metric?: number;
  flags?: string[];
  nexthops?: { gateway: string; dev: string; flags?: string[] }[];
}

const AS = 64512;
/** Calico's iBGP LOCAL_PREF for a normal route: 2147483647 - 1024. */
const CALICO_LP = 2147482623;

function pool(name: string, cidr: string, ipipMode: string, vxlanMode: string): Record<string, unknown> {
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr, ipipMode, vxlanMode, natOutgoing: false } };
}

async function kernelRoutes(ns: string, v6 = false): Promise<Map<string, JsonRoute>> {
  const r = await exec(ns, 'ip', ['-json', ...(v6 ? ['-6'] : []), 'route', 'show', 'proto', 'bird']);
  const list = JSON.parse(r.stdout || '[]') as JsonRoute[];
  return new Map(list.map((x) => [x.dst, x]));
}

describe('FIB: petrel programs the kernel as Calico BIRD does', function () {
  this.timeout(120_000);
  useLab();
  let nodeNs: string;
  let petrel: Petrel;
  let b: Peer;
  let c: Peer;
  const s = nextSubnet();
  const A = s.v4(1);
  const B = s.v4(2);
  const C = s.v4(3);
  const A6 = s.v6(1);
  const B6 = s.v6(2);
  /** An address outside this node's subnet: CrossSubnet goes through the tunnel. */
  const FAR = '203.0.113.9';

  before(async function () {
    const lan = await createLan('fiblan');
    nodeNs = await createNs('fibnode');
    const bNs = await createNs('fibb');
    const cNs = await createNs('fibc');
    await lan.join(nodeNs, [`${A}/24`, `${A6}/64`], 'eth1');
    await lan.join(bNs, [`${B}/24`, `${B6}/64`], 'eth1');
    await lan.join(cNs, [`${C}/24`], 'eth1');
    // The stand-in tunl0 (no IPIP module here) and Felix's vxlan.calico.
    await exec(nodeNs, 'ip', ['link', 'add', 'tunl0', 'type', 'veth', 'peer', 'name', 'tunl0-peer']);
    await exec(nodeNs, 'ip', ['link', 'set', 'tunl0', 'up']);
    await exec(nodeNs, 'ip', ['link', 'set', 'tunl0-peer', 'up']);
    await exec(nodeNs, 'ip', ['link', 'add', 'vxlan.calico', 'type', 'vxlan', 'id', '4096', 'dstport', '4789', 'dev', 'eth1']);
    await exec(nodeNs, 'ip', ['link', 'set', 'vxlan.calico', 'up']);
    // A Felix workload with a borrowed IP: a cali veth.
    await exec(nodeNs, 'ip', ['link', 'add', 'cali1234', 'type', 'veth', 'peer', 'name', 'pod0']);
    await exec(nodeNs, 'ip', ['link', 'set', 'cali1234', 'up']);

    const docs = [
      bgpConfiguration({ asNumber: AS, extra: { programClusterRoutes: 'Enabled' } }),
      calicoNode('node-a', { ipv4Address: `${A}/24`, ipv6Address: `${A6}/64` }),
      { ...calicoNode('node-b', { ipv4Address: `${B}/24`, ipv6Address: `${B6}/64` }), spec: { bgp: { ipv4Address: `${B}/24`, ipv6Address: `${B6}/64` }, ipv4VXLANTunnelAddr: '172.19.1.0', vxlanTunnelMACAddr: '66:aa:bb:cc:dd:02' } },
      calicoNode('node-c', { ipv4Address: `${C}/24` }),
      pool('ipip', '172.16.0.0/16', 'Always', 'Never'),
      pool('crosssubnet', '172.17.0.0/16', 'CrossSubnet', 'Never'),
      pool('direct', '172.18.0.0/16', 'Never', 'Never'),
      pool('vxlan', '172.19.0.0/16', 'Never', 'Always'),
      pool('vxlan-cs', '172.20.0.0/16', 'Never', 'CrossSubnet'),
      pool('direct6', 'fd00:10::/48', 'Never', 'Never'),
      blockAffinity('node-a', '172.16.5.0/26'),
      blockAffinity('node-a', '172.18.5.0/26'),
      blockAffinity('node-a', 'fd00:10:0:5::/64'),
      bgpPeer({ name: 'b', peerIP: B, asNumber: AS }),
      bgpPeer({ name: 'b6', peerIP: B6, asNumber: AS }),
      bgpPeer({ name: 'c', peerIP: C, asNumber: AS }),
    ];
    const lp = { localPref: CALICO_LP };
    b = await startBird2({
      ns: bNs,
      name: 'bird-b',
      routerId: B,
      as: AS,
      listen: [B, B6],
      neighbors: [
        { address: A, as: AS, gracefulRestart: true },
        { address: A6, as: AS, gracefulRestart: true },
      ],
      routes: [
        { prefix: '172.16.1.0/26', ...lp },
        { prefix: '172.17.1.0/26', ...lp },
        { prefix: '172.17.2.0/26', nextHop: FAR, ...lp },
        { prefix: '172.18.1.0/26', ...lp },
        { prefix: '172.18.9.0/24', ...lp },
        { prefix: '172.19.1.0/26', ...lp },
        { prefix: '172.20.1.0/26', ...lp },
        { prefix: '172.20.2.0/26', nextHop: FAR, ...lp },
        { prefix: '10.200.0.0/16' },
        { prefix: 'fd00:10:0:1::/64', ...lp },
      ],
    });
    c = await startBird2({
      ns: cNs,
      name: 'bird-c',
      routerId: C,
      as: AS,
      listen: [C],
      neighbors: [{ address: A, as: AS }],
      routes: [
        { prefix: '172.18.9.0/24', ...lp },
        { prefix: '172.18.3.0/26', ...lp },
      ],
    });
    petrel = await startPetrel({ ns: nodeNs, node: 'node-a', yaml: toYaml(docs), args: ['--fib', 'kernel'] });
    await petrel.waitForState(B);
    await petrel.waitForState(B6);
    await petrel.waitForState(C);
  });

  const waitRoute = (dst: string, v6 = false, pred: (r: JsonRoute) => boolean = () => true): Promise<JsonRoute> => {
    let last: JsonRoute | undefined;
    return waitFor(() => `kernel route ${dst} (last: ${JSON.stringify(last)})`, 30_000, async () => {
      last = (await kernelRoutes(nodeNs, v6)).get(dst);
      return last && pred(last) ? last : undefined;
    }, 100);
  };

  it('writes every route shape exactly as Calico does', async function () {
    // Own blocks: blackholes.
    assert.deepEqual(await waitRoute('172.16.5.0/26'), { type: 'blackhole', dst: '172.16.5.0/26', flags: [] });
    assert.deepEqual(await waitRoute('172.18.5.0/26'), { type: 'blackhole', dst: '172.18.5.0/26', flags: [] });
    // IPIP: via the node IP, dev tunl0 onlink.
    assert.deepEqual(await waitRoute('172.16.1.0/26'), { dst: '172.16.1.0/26', gateway: B, dev: 'tunl0', metric: 1024, flags: ['onlink'] });
    // IPIP CrossSubnet: NIC inside the subnet, tunl0 outside.
    assert.deepEqual(await waitRoute('172.17.1.0/26'), { dst: '172.17.1.0/26', gateway: B, dev: 'eth1', metric: 1024, flags: [] });
    assert.deepEqual(await waitRoute('172.17.2.0/26'), { dst: '172.17.2.0/26', gateway: FAR, dev: 'tunl0', metric: 1024, flags: ['onlink'] });
    // No encapsulation: via the node IP, dev NIC.
    assert.deepEqual(await waitRoute('172.18.1.0/26'), { dst: '172.18.1.0/26', gateway: B, dev: 'eth1', metric: 1024, flags: [] });
    // VXLAN: via the remote VTEP, dev vxlan.calico onlink.
    assert.deepEqual(await waitRoute('172.19.1.0/26'), { dst: '172.19.1.0/26', gateway: '172.19.1.0', dev: 'vxlan.calico', metric: 1024, flags: ['onlink'] });
    // VXLAN CrossSubnet: NIC inside the subnet; outside, the VTEP of the node at the next hop (none: an error, no route).
    assert.deepEqual(await waitRoute('172.20.1.0/26'), { dst: '172.20.1.0/26', gateway: B, dev: 'eth1', metric: 1024, flags: [] });
    // Outside every pool: via the BGP next hop; no LOCAL_PREF sent means 100, so metric 2147483647 - 100.
    assert.deepEqual(await waitRoute('10.200.0.0/16'), { dst: '10.200.0.0/16', gateway: B, dev: 'eth1', metric: 2147483547, flags: [] });
    // IPv6 the same way.
    const v6 = await waitRoute('fd00:10:0:1::/64', true);
    assert.equal(v6.gateway, B6);
    assert.equal(v6.dev, 'eth1');
    assert.equal(v6.metric, 1024);
    const bh6 = await waitRoute('fd00:10:0:5::/64', true);
    assert.equal(bh6.type, 'blackhole');
    // Nothing else of ours: the VXLAN CrossSubnet route to a node without a VTEP is not written.
    const all = await kernelRoutes(nodeNs);
    assert.equal(all.has('172.20.2.0/26'), false);
    assert.match(petrel.log(), /kernel routes cannot be written: no Node with bgp address 203\.0\.113\.9/);
  });

  it('merges equal paths from two peers into one multipath route', async function () {
    const r = await waitRoute('172.18.9.0/24', false, (x) => (x.nexthops?.length ?? 0) === 2);
    assert.equal(r.metric, 1024);
    assert.deepEqual(
      r.nexthops!.map((h) => `${h.gateway} ${h.dev}`).sort(),
      [`${B} eth1`, `${C} eth1`].sort(),
    );
  });

  it('writes the VXLAN neighbour and FDB entries of remote VTEPs', async function () {
    const neigh = await waitFor('VXLAN neighbour', 10_000, async () => {
      const list = JSON.parse((await exec(nodeNs, 'ip', ['-json', 'neigh', 'show', 'dev', 'vxlan.calico'])).stdout || '[]') as { dst: string; lladdr: string; state: string[] }[];
      return list.find((n) => n.dst === '172.19.1.0');
    });
    assert.equal(neigh.lladdr, '66:aa:bb:cc:dd:02');
    assert.deepEqual(neigh.state, ['PERMANENT']);
    const fdb = JSON.parse((await exec(nodeNs, 'bridge', ['-json', 'fdb', 'show', 'dev', 'vxlan.calico'])).stdout || '[]') as { mac: string; dst?: string; state?: string; flags?: string[] }[];
    const e = fdb.find((x) => x.mac === '66:aa:bb:cc:dd:02');
    assert.ok(e, JSON.stringify(fdb));
    assert.equal(e.dst, B);
    assert.equal(e.state, 'permanent');
    assert.ok(e.flags?.includes('self'));
  });

  it('exports a borrowed workload /32 learnt from the kernel and withdraws it when the route goes', async function () {
    await exec(nodeNs, 'ip', ['route', 'add', '172.18.200.7/32', 'dev', 'cali1234', 'proto', 'boot']);
    // Inside one of our blocks: aggregated by the block, not exported.
    await exec(nodeNs, 'ip', ['route', 'add', '172.18.5.9/32', 'dev', 'cali1234', 'proto', 'boot']);
    const got = await b.waitForRoute('ipv4', '172.18.200.7/32');
    assert.equal(got.nextHop, A);
    await sleep(500);
    assert.equal((await b.routes('ipv4')).some((r) => r.prefix === '172.18.5.9/32'), false);
    await exec(nodeNs, 'ip', ['route', 'del', '172.18.200.7/32', 'dev', 'cali1234']);
    await b.waitForNoRoute('ipv4', '172.18.200.7/32', 10_000);
  });

  it('writes a route again when someone removes it', async function () {
    await exec(nodeNs, 'ip', ['route', 'del', '172.18.1.0/26', 'proto', 'bird']);
    const r = await waitRoute('172.18.1.0/26');
    assert.equal(r.gateway, B);
  });

  it('says once that tunl0 is missing, and writes its routes when it is back', async function () {
    await exec(nodeNs, 'ip', ['link', 'del', 'tunl0']);
    await waitFor('tunl0 routes gone', 10_000, async () => ((await kernelRoutes(nodeNs)).has('172.16.1.0/26') ? undefined : true));
    await waitFor('missing device error', 10_000, async () => (/device tunl0 does not exist/.test(petrel.log()) ? true : undefined));
    await sleep(1000);
    // Two routes need tunl0 (172.16.1.0/26 and 172.17.2.0/26): one error.
    assert.equal(petrel.log().match(/device tunl0 does not exist/g)?.length, 1);
    // Other routes were untouched.
    assert.equal((await kernelRoutes(nodeNs)).get('172.18.1.0/26')?.gateway, B);
    await exec(nodeNs, 'ip', ['link', 'add', 'tunl0', 'type', 'veth', 'peer', 'name', 'tunl0-peer']);
    await exec(nodeNs, 'ip', ['link', 'set', 'tunl0', 'up']);
    await waitRoute('172.16.1.0/26', false, (r) => r.dev === 'tunl0');
    await waitRoute('172.17.2.0/26', false, (r) => r.dev === 'tunl0');
  });

  it('keeps its kernel routes over a restart, and peers keep its routes (graceful restart)', async function () {
    const before = await kernelRoutes(nodeNs);
    await petrel.stop();
    // persist: nothing removed on shutdown.
    assert.deepEqual([...(await kernelRoutes(nodeNs)).keys()].sort(), [...before.keys()].sort());
    // B (graceful restart on) keeps our block while we are away.
    await sleep(500);
    assert.ok((await b.routes('ipv4')).some((r) => r.prefix === '172.16.5.0/26'), 'B kept the block of the restarting node');
    await petrel.restart();
    await petrel.waitForState(B);
    await petrel.waitForState(C);
    assert.match(petrel.log(), /kernel routes of our protocol adopted/);
    await waitFor('FIB converged', 20_000, async () => (/FIB start-up converged/.test(petrel.log()) ? true : undefined));
    await sleep(500);
    const after = await kernelRoutes(nodeNs);
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
    // A multipath route's next hops come best path first, and which of two equal paths is
    // best after a restart depends on which session came up first: compare them as a set.
    const norm = (r: JsonRoute | undefined): JsonRoute | undefined => (r?.nexthops ? { ...r, nexthops: [...r.nexthops].sort((x, y) => x.gateway.localeCompare(y.gateway)) } : r);
    for (const [k, v] of before) assert.deepEqual(norm(after.get(k)), norm(v), k);
  });

  it('removes the routes of a peer whose session closes, promptly (and reports how fast)', async function () {
    await waitRoute('172.18.3.0/26');
    await waitRoute('172.18.9.0/24', false, (x) => (x.nexthops?.length ?? 0) === 2);
    // BIRD stops with a Cease NOTIFICATION: no graceful restart applies (RFC 4724 keeps
    // routes only on a TCP failure; BIRD 2 sends no N bit for RFC 8538).
    const stopping = c.stop();
    let goneAt = 0;
    const t0 = Date.now();
    for (;;) {
      if (!(await kernelRoutes(nodeNs)).has('172.18.3.0/26')) {
        goneAt = Date.now();
        break;
      }
      if (Date.now() - t0 > 30_000) throw new Error('route of the closed peer still in the kernel after 30 s');
      await sleep(2);
    }
    await stopping;
    const down = parseLog(petrel.log()).filter((r) => r.peer === globalPeerName(C) && r.msg === 'session down').pop();
    assert.ok(down, 'petrel logged the session going down');
    const downAt = Date.parse(String(down['time']));
    console.log(`      session down -> kernel route gone: ${goneAt - downAt} ms (petrel's log time to the first ip(8) poll without it)`);
    assert.ok(goneAt - downAt < 2000, `${goneAt - downAt} ms`);
    // The multipath route lost C's next hop and kept B's.
    const m = await waitRoute('172.18.9.0/24', false, (x) => x.gateway === B);
    assert.equal(m.dev, 'eth1');
  });
});
