/**
 * Operator-injected paths (the API's AddPath / DeletePath, `petrel routes
 * add|del`) on a running petrel with a real BIRD 2 eBGP peer: the path
 * enters the Loc-RIB as source api, BIRD receives it with petrel's AS
 * prepended and the attributes given, and deleting it withdraws it at BIRD.
 */
import assert from 'node:assert/strict';
import { connectApi } from '../../src/api/client.js';
import type { PathEvent } from '../../src/api/provider.js';
import { useLab, waitFor } from '../support/netns.js';
import { startBird2, type Peer } from '../support/peers/index.js';
import { BLOCK4, nodeDatastore, petrelLan, PETREL_AS, POOL4, startPetrel, type LanHost, type Petrel, type PetrelLan } from '../support/petrel.js';

const BIRD_AS = 65030;

describe('API: operator-injected paths reach real peers', function () {
  this.timeout(60_000);
  useLab();

  let lan: PetrelLan;
  let petrel: Petrel;
  let bird: Peer;
  let birdHost: LanHost;

  before(async function () {
    lan = await petrelLan('petrel');
    birdHost = await lan.member('bird2');
    const yaml = nodeDatastore({
      node: 'petrel-node',
      asNumber: PETREL_AS,
      ipv4Address: `${lan.petrel.v4}/${lan.len4}`,
      pools: [POOL4],
      blocks: [BLOCK4],
      peers: [{ name: 'bird2', peerIP: birdHost.v4, asNumber: BIRD_AS }],
    });
    [petrel, bird] = await Promise.all([
      startPetrel({ ns: lan.petrel.ns, node: 'petrel-node', yaml }),
      startBird2({ ns: birdHost.ns, routerId: birdHost.v4, as: BIRD_AS, listen: [birdHost.v4], neighbors: [{ address: lan.petrel.v4, as: PETREL_AS }] }),
    ]);
    await Promise.all([petrel.waitForState(birdHost.v4), bird.waitForSession(lan.petrel.v4)]);
    await bird.waitForRoute('ipv4', BLOCK4);
  });

  it('WatchPaths streams the initial table, then each best-path change and withdrawal as it happens', async function () {
    const client = connectApi(petrel.apiSocket);
    const watch = client.watchPaths({ initial: true, family: 'ipv4' });
    const seen: PathEvent[] = [];
    const reading = (async () => {
      for await (const e of watch) seen.push(e);
    })();
    try {
      await waitFor('the initial event for our block', 10_000, async () => (seen.some((e) => e.type === 'initial' && e.prefix === BLOCK4) ? true : undefined));
      await petrel.cli(['routes', 'add', '203.0.113.0/24', '--local-pref', '300']);
      const best = await waitFor('a best event for 203.0.113.0/24', 10_000, async () => seen.find((e) => e.type === 'best' && e.prefix === '203.0.113.0/24'));
      assert.equal(best.path?.source, 'api');
      assert.equal(best.path?.localPref, 300);
      await petrel.cli(['routes', 'del', '203.0.113.0/24']);
      await waitFor('a withdrawn event for 203.0.113.0/24', 10_000, async () => (seen.some((e) => e.type === 'withdrawn' && e.prefix === '203.0.113.0/24' && e.path === null) ? true : undefined));
      assert.ok(seen.every((e) => e.family === 'ipv4'), 'the family filter holds');
    } finally {
      watch.cancel();
      await reading.catch(() => undefined);
      client.close();
    }
  });

  it('routes add: BIRD gets the path with our AS prepended, the given AS path after it, and the communities', async function () {
    const out = await petrel.cli(['routes', 'add', '198.51.100.0/24', '--as-path', '64999', '--community', '65000:7', '--large-community', '65000:1:2', '--med', '5']);
    assert.match(out, /added 198\.51\.100\.0\/24/);
    const r = await bird.waitForRoute('ipv4', '198.51.100.0/24');
    assert.deepEqual(r.asPath, [PETREL_AS, 64999]);
    assert.equal(r.nextHop, lan.petrel.v4, 'no next hop given: next hop self');
    assert.ok(r.communities.includes('(65000,7)') || r.communities.includes('65000:7'), `communities ${r.communities.join(' ')}`);
    assert.equal(r.largeCommunities.length, 1);
    const loc = JSON.parse(await petrel.cli(['routes', '--json'])) as { prefix: string; source: string; best: boolean }[];
    const mine = loc.find((p) => p.prefix === '198.51.100.0/24');
    assert.equal(mine?.source, 'api');
    assert.equal(mine?.best, true);
  });

  it('routes del: the path is withdrawn at BIRD; deleting it again is an error naming the prefix', async function () {
    await petrel.cli(['routes', 'del', '198.51.100.0/24']);
    await bird.waitForNoRoute('ipv4', '198.51.100.0/24');
    await assert.rejects(petrel.cli(['routes', 'del', '198.51.100.0/24']), /no injected path for 198\.51\.100\.0\/24/);
  });

  it('refuses a malformed path with a message naming the field, and keeps running', async function () {
    await assert.rejects(petrel.cli(['routes', 'add', '198.51.100.0/24', '--community', '70000:1']), /community "70000:1"/);
    await assert.rejects(petrel.cli(['routes', 'add', '198.51.100.0/24', '--next-hop', 'fd00::1']), /not an IPv4 address/);
    assert.equal((await petrel.peer(birdHost.v4)).state, 'Established');
  });
});
