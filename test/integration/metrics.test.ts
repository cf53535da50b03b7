/**
 * The metrics endpoint of a petrel that programs the kernel (`--fib
 * kernel`) in a namespace, scraped over HTTP while a real BIRD 2 peer
 * announces and withdraws a block: the FIB gauges must equal what the
 * kernel really holds (`ip route show proto bird`), and BIRD's view of the
 * kernel protocol (`show protocols all kernel1`) must say the same.
 */
import assert from 'node:assert/strict';
import { exec, useLab, waitFor } from '../support/netns.js';
import { startBird2, type Peer } from '../support/peers/index.js';
import { BLOCK4, nodeDatastore, petrelLan, PETREL_AS, POOL4, startPetrel, type LanHost, type Petrel, type PetrelLan } from '../support/petrel.js';
import { birdExchange } from '../unit/api/bird-calico.js';

const METRICS = '127.0.0.1:9901';
const PEER_BLOCK = '10.244.7.0/26';

describe('metrics: FIB and session gauges of a kernel-programming petrel follow the kernel', function () {
  this.timeout(120_000);
  useLab();

  let lan: PetrelLan;
  let petrel: Petrel;
  let bird: Peer;
  let birdHost: LanHost;

  const scrape = async (): Promise<string> => {
    const script = `fetch(${JSON.stringify(`http://${METRICS}/metrics`)}).then(async (r) => process.stdout.write(await r.text()))`;
    return (await exec(petrel.ns, process.execPath, ['-e', script], { timeoutMs: 10_000 })).stdout;
  };
  const value = (text: string, line: RegExp): number => {
    const m = line.exec(text);
    if (!m) throw new Error(`no ${line} in:\n${text.split('\n').filter((l) => l.startsWith('petrel_fib') || l.startsWith('petrel_bgp_peer_up')).join('\n')}`);
    return Number(m[1]);
  };
  /** Routes petrel (rtm_protocol 12, "bird") has in the namespace's kernel tables. */
  const kernelRoutes = async (): Promise<string[]> => {
    const v4 = (await exec(petrel.ns, 'ip', ['-4', 'route', 'show', 'proto', 'bird'])).stdout;
    const v6 = (await exec(petrel.ns, 'ip', ['-6', 'route', 'show', 'proto', 'bird'])).stdout;
    return `${v4}${v6}`.split('\n').filter((l) => l.trim() !== '');
  };
  const fibRoutes = async () => value(await scrape(), /\npetrel_fib_routes (\d+)\n/);
  const kernel1Exported = async (): Promise<number> => {
    const lines = await birdExchange(petrel.birdSocket, 'show protocols all kernel1', (l) => /^\d{4} /.test(l) && !l.startsWith('0001'));
    return value(lines.join('\n'), /Routes: +\d+ imported, (\d+) exported/);
  };

  before(async function () {
    lan = await petrelLan('metrics');
    birdHost = await lan.member('bird2');
    const yaml = nodeDatastore({
      node: 'petrel-node',
      asNumber: PETREL_AS,
      ipv4Address: `${lan.petrel.v4}/${lan.len4}`,
      pools: [POOL4],
      blocks: [BLOCK4],
      peers: [{ name: 'bird', peerIP: birdHost.v4, asNumber: PETREL_AS }],
    });
    [petrel, bird] = await Promise.all([
      startPetrel({ ns: lan.petrel.ns, node: 'petrel-node', yaml, args: ['--fib', 'kernel', '--metrics', METRICS] }),
      startBird2({ ns: birdHost.ns, routerId: birdHost.v4, as: PETREL_AS, listen: [birdHost.v4], neighbors: [{ address: lan.petrel.v4, as: PETREL_AS }], routes: [{ prefix: PEER_BLOCK }] }),
    ]);
    await petrel.waitForState(birdHost.v4);
  });

  it('petrel_fib_routes counts exactly the routes in the kernel, as the block arrives and is withdrawn', async function () {
    const withBlock = await waitFor('the peer’s block in the kernel', 30_000, async () => {
      const k = await kernelRoutes();
      return k.some((l) => l.startsWith(`${PEER_BLOCK} via ${birdHost.v4}`)) ? k : undefined;
    });
    // The gauge is read at scrape time from the FIB: it must match the kernel once the FIB settles.
    await waitFor('petrel_fib_routes equal to the kernel', 10_000, async () => ((await fibRoutes()) === withBlock.length ? true : undefined));
    assert.ok(withBlock.some((l) => l.startsWith(`blackhole ${BLOCK4}`)), `own block as a blackhole: ${withBlock.join(' | ')}`);
    assert.equal(await kernel1Exported(), withBlock.length);
    const text = await scrape();
    assert.equal(value(text, /\npetrel_fib_routes_failed (\d+)\n/), 0);
    assert.equal(value(text, /\npetrel_fib_routes_pending (\d+)\n/), 0);
    assert.equal(value(text, /\npetrel_bgp_peer_up\{[^}]*\} (\d)\n/), 1);
    assert.equal(value(text, /\npetrel_bgp_prefixes_accepted\{[^}]*\} (\d+)\n/), 1);

    await bird.withdraw(PEER_BLOCK);
    const without = await waitFor('the peer’s block gone from the kernel', 30_000, async () => {
      const k = await kernelRoutes();
      return k.some((l) => l.startsWith(PEER_BLOCK)) ? undefined : k;
    });
    assert.equal(without.length, withBlock.length - 1);
    await waitFor('petrel_fib_routes down by one', 10_000, async () => ((await fibRoutes()) === without.length ? true : undefined));
    assert.equal(value(await scrape(), /\npetrel_bgp_prefixes_accepted\{[^}]*\} (\d+)\n/), 0);
  });
});
