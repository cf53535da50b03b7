/**
 * Recursive next hops (Calico's BIRD: `gateway recursive` on every BGP
 * session, `learn` in the kernel protocol), in real kernels: node A
 * (petrel, --fib kernel) in one subnet, its iBGP peer B (BIRD 2) in another,
 * a router namespace between them. A reaches B's subnet through a static
 * route, so B's next hop is off-link: petrel writes the routes through the
 * router, as BIRD does (`via <router> dev eth1 proto bird`), follows the
 * static route when it changes, leaves out what nothing reaches (and says
 * so once), and keeps tunnel routes onlink through the BGP next hop.
 */
import assert from 'node:assert/strict';
import { createLan, createNs, exec, nextSubnet, sleep, useLab, waitFor } from '../support/netns.js';
import { startBird2 } from '../support/peers/index.js';
import { bgpConfiguration, bgpPeer, blockAffinity, calicoNode, startPetrel, toYaml, type Petrel } from '../support/petrel.js';

interface JsonRoute {
  dst: string;
  type?: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  metric?: number;
  flags?: string[];
}

const AS = 64512;
/** Calico's iBGP LOCAL_PREF: metric 1024. */
const CALICO_LP = 2147482623;
/** No kernel route reaches it in A (A has no default route). */
const NOWHERE = '203.0.113.9';

function pool(name: string, cidr: string, ipipMode: string): Record<string, unknown> {
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr, ipipMode, vxlanMode: 'Never', natOutgoing: false } };
}

/** petrel's routes in the main table, whole (`ip route show proto bird` would leave `protocol` out). */
async function ourRoutes(ns: string): Promise<Map<string, JsonRoute>> {
  const r = await exec(ns, 'ip', ['-json', 'route', 'show', 'table', 'main']);
  return new Map((JSON.parse(r.stdout || '[]') as JsonRoute[]).filter((x) => x.protocol === 'bird').map((x) => [x.dst, x]));
}

describe('FIB: recursive next hops through the kernel table (gateway recursive)', function () {
  this.timeout(120_000);
  useLab();
  let nodeNs: string;
  let petrel: Petrel;
  const s1 = nextSubnet();
  const s2 = nextSubnet();
  const A = s1.v4(1);
  const R1 = s1.v4(254);
  /** A second address of the router on A's subnet: the static route moves to it. */
  const R1b = s1.v4(253);
  const R2 = s2.v4(254);
  const B = s2.v4(2);
  const S2 = `${s2.v4(0)}/24`;

  before(async function () {
    const lan1 = await createLan('rlan1');
    const lan2 = await createLan('rlan2');
    nodeNs = await createNs('rnode');
    const routerNs = await createNs('rrouter');
    const bNs = await createNs('rb');
    await lan1.join(nodeNs, [`${A}/24`], 'eth1');
    await lan1.join(routerNs, [`${R1}/24`, `${R1b}/24`], 'eth1');
    await lan2.join(routerNs, [`${R2}/24`], 'eth2');
    await lan2.join(bNs, [`${B}/24`], 'eth1');
    await exec(routerNs, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    // The other subnet through the router; no default route, so NOWHERE is unreachable.
    await exec(nodeNs, 'ip', ['route', 'add', S2, 'via', R1, 'dev', 'eth1']);
    await exec(bNs, 'ip', ['route', 'add', `${s1.v4(0)}/24`, 'via', R2, 'dev', 'eth1']);
    // The stand-in tunl0 (no IPIP module in these kernels; see fib.test.ts).
    await exec(nodeNs, 'ip', ['link', 'add', 'tunl0', 'type', 'veth', 'peer', 'name', 'tunl0-peer']);
    await exec(nodeNs, 'ip', ['link', 'set', 'tunl0', 'up']);
    await exec(nodeNs, 'ip', ['link', 'set', 'tunl0-peer', 'up']);

    const docs = [
      // BIRD programs the IPIP routes (newer Calico leaves them to Felix by default).
      bgpConfiguration({ asNumber: AS, extra: { programClusterRoutes: 'Enabled' } }),
      calicoNode('node-a', { ipv4Address: `${A}/24` }),
      calicoNode('node-b', { ipv4Address: `${B}/24` }),
      pool('direct', '172.18.0.0/16', 'Never'),
      pool('ipip', '172.16.0.0/16', 'Always'),
      pool('crosssubnet', '172.17.0.0/16', 'CrossSubnet'),
      blockAffinity('node-a', '172.18.5.0/26'),
      bgpPeer({ name: 'b', peerIP: B, asNumber: AS }),
    ];
    const lp = { localPref: CALICO_LP };
    await startBird2({
      ns: bNs,
      name: 'bird-b',
      routerId: B,
      as: AS,
      listen: [B],
      neighbors: [{ address: A, as: AS, multihop: 4 }],
      routes: [
        { prefix: '172.18.1.0/26', ...lp },
        { prefix: '172.16.1.0/26', ...lp },
        { prefix: '172.17.1.0/26', ...lp },
        { prefix: '10.201.0.0/16' },
        { prefix: '172.18.2.0/26', nextHop: NOWHERE, ...lp },
      ],
    });
    petrel = await startPetrel({ ns: nodeNs, node: 'node-a', yaml: toYaml(docs), args: ['--fib', 'kernel'] });
    await petrel.waitForState(B);
  });

  const waitRoute = (dst: string, pred: (r: JsonRoute) => boolean = () => true): Promise<JsonRoute> => {
    let last: JsonRoute | undefined;
    return waitFor(() => `kernel route ${dst} (last: ${JSON.stringify(last)})`, 30_000, async () => {
      last = (await ourRoutes(nodeNs)).get(dst);
      return last && pred(last) ? last : undefined;
    }, 100);
  };

  it('writes an off-link next hop through the kernel route that reaches it; tunnels stay onlink', async function () {
    // No encapsulation: via the router, not via B (which the kernel refuses).
    assert.deepEqual(await waitRoute('172.18.1.0/26'), { dst: '172.18.1.0/26', gateway: R1, dev: 'eth1', protocol: 'bird', metric: 1024, flags: [] });
    // Outside every pool: the same (no LOCAL_PREF sent: metric 2147483647 - 100).
    assert.deepEqual(await waitRoute('10.201.0.0/16'), { dst: '10.201.0.0/16', gateway: R1, dev: 'eth1', protocol: 'bird', metric: 2147483547, flags: [] });
    // IPIP and CrossSubnet across subnets: the tunnel, via the BGP next hop, onlink.
    assert.deepEqual(await waitRoute('172.16.1.0/26'), { dst: '172.16.1.0/26', gateway: B, dev: 'tunl0', protocol: 'bird', metric: 1024, flags: ['onlink'] });
    assert.deepEqual(await waitRoute('172.17.1.0/26'), { dst: '172.17.1.0/26', gateway: B, dev: 'tunl0', protocol: 'bird', metric: 1024, flags: ['onlink'] });
    // The route is usable: the kernel resolves B's block through the router.
    const get = JSON.parse((await exec(nodeNs, 'ip', ['-json', 'route', 'get', '172.18.1.1'])).stdout) as { gateway?: string; dev?: string }[];
    assert.deepEqual({ gateway: get[0]?.gateway, dev: get[0]?.dev }, { gateway: R1, dev: 'eth1' });
  });

  it('follows the static route to the other subnet when it changes', async function () {
    await exec(nodeNs, 'ip', ['route', 'replace', S2, 'via', R1b, 'dev', 'eth1']);
    assert.deepEqual(await waitRoute('172.18.1.0/26', (r) => r.gateway === R1b), { dst: '172.18.1.0/26', gateway: R1b, dev: 'eth1', protocol: 'bird', metric: 1024, flags: [] });
    assert.equal((await waitRoute('10.201.0.0/16', (r) => r.gateway === R1b)).dev, 'eth1');
    // A more specific route for B's part of the subnet wins.
    await exec(nodeNs, 'ip', ['route', 'add', `${s2.v4(0)}/28`, 'via', R1, 'dev', 'eth1']);
    await waitRoute('172.18.1.0/26', (r) => r.gateway === R1);
    await exec(nodeNs, 'ip', ['route', 'del', `${s2.v4(0)}/28`]);
    await waitRoute('172.18.1.0/26', (r) => r.gateway === R1b);
    // Tunnel routes never move.
    assert.equal((await ourRoutes(nodeNs)).get('172.16.1.0/26')?.gateway, B);
  });

  it('leaves out a route whose next hop nothing reaches, says so once, and writes it when a route appears', async function () {
    await waitFor('unreachable next hop reported', 10_000, async () => (petrel.log().includes(`next hop ${NOWHERE} is on no connected subnet`) ? true : undefined));
    assert.equal((await ourRoutes(nodeNs)).has('172.18.2.0/26'), false);
    // Other kernel changes do not repeat it.
    await exec(nodeNs, 'ip', ['route', 'add', '192.0.2.0/24', 'via', R1, 'dev', 'eth1']);
    await sleep(500);
    assert.equal(petrel.log().split(`next hop ${NOWHERE} is on no connected subnet`).length - 1, 1);
    await exec(nodeNs, 'ip', ['route', 'add', '203.0.113.0/24', 'via', R1b, 'dev', 'eth1']);
    assert.deepEqual(await waitRoute('172.18.2.0/26'), { dst: '172.18.2.0/26', gateway: R1b, dev: 'eth1', protocol: 'bird', metric: 1024, flags: [] });
    // And it goes again with the route that reached it.
    await exec(nodeNs, 'ip', ['route', 'del', '203.0.113.0/24']);
    await waitFor('route through the removed route gone', 10_000, async () => ((await ourRoutes(nodeNs)).has('172.18.2.0/26') ? undefined : true));
    // The static route going away entirely takes the routes through it away too.
    await exec(nodeNs, 'ip', ['route', 'del', S2]);
    await waitFor('routes via the router gone', 10_000, async () => {
      const t = await ourRoutes(nodeNs);
      return t.has('172.18.1.0/26') || t.has('10.201.0.0/16') ? undefined : true;
    });
    await exec(nodeNs, 'ip', ['route', 'add', S2, 'via', R1, 'dev', 'eth1']);
    await waitRoute('172.18.1.0/26', (r) => r.gateway === R1);
  });
});
