/**
 * Calico BGPFilters applied at run time on a running petrel with a real
 * BIRD 2 eBGP peer: the export rules decide which of the node's blocks BIRD
 * receives and how (an AS prepended by an operation), the import rules
 * which of BIRD's routes enter petrel's Loc-RIB (a community added by an
 * operation), and changing the filter in the datastore re-runs import over
 * the stored Adj-RIB-In without a session reset.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { useLab } from '../support/netns.js';
import { startBird2, type Peer } from '../support/peers/index.js';
import { nodeDatastore, petrelLan, PETREL_AS, POOL4, startPetrel, toYaml, type LanHost, type Petrel, type PetrelLan } from '../support/petrel.js';

const BIRD_AS = 65030;
const KEPT = '10.244.1.0/26';
const DROPPED = '10.244.2.0/26';

function filterDoc(importRejects: string): Record<string, unknown> {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'BGPFilter',
    metadata: { name: 'tor-policy' },
    spec: {
      exportV4: [
        { action: 'Reject', matchOperator: 'Equal', cidr: DROPPED },
        { action: 'Accept', matchOperator: 'Equal', cidr: KEPT, operations: [{ prependASPath: { prefix: [65123] } }] },
      ],
      importV4: [
        { action: 'Reject', matchOperator: 'In', cidr: importRejects },
        { action: 'Accept', matchOperator: 'In', cidr: '10.30.0.0/15', operations: [{ addCommunity: { value: '65000:42' } }] },
      ],
    },
  };
}

describe('BGPFilter rules at run time against BIRD 2', function () {
  this.timeout(90_000);
  useLab();

  let lan: PetrelLan;
  let petrel: Petrel;
  let bird: Peer;
  let birdHost: LanHost;
  const datastore = (importRejects: string) =>
    nodeDatastore({
      node: 'petrel-node',
      asNumber: PETREL_AS,
      ipv4Address: `${lan.petrel.v4}/${lan.len4}`,
      pools: [POOL4],
      blocks: [KEPT, DROPPED],
      peers: [{ name: 'bird2', peerIP: birdHost.v4, asNumber: BIRD_AS, filters: ['tor-policy'] }],
    }) + `---\n${toYaml([filterDoc(importRejects)])}`;

  before(async function () {
    lan = await petrelLan('petrel');
    birdHost = await lan.member('bird2');
    [petrel, bird] = await Promise.all([
      startPetrel({ ns: lan.petrel.ns, node: 'petrel-node', yaml: datastore('10.31.0.0/16') }),
      startBird2({
        ns: birdHost.ns,
        routerId: birdHost.v4,
        as: BIRD_AS,
        listen: [birdHost.v4],
        neighbors: [{ address: lan.petrel.v4, as: PETREL_AS }],
        routes: [{ prefix: '10.30.0.0/24' }, { prefix: '10.31.0.0/24' }],
      }),
    ]);
    await Promise.all([petrel.waitForState(birdHost.v4), bird.waitForSession(lan.petrel.v4)]);
  });

  it('export: the rejected block never reaches BIRD; the accepted one carries the prepended AS after ours', async function () {
    const r = await bird.waitForRoute('ipv4', KEPT);
    assert.deepEqual(r.asPath, [PETREL_AS, 65123]);
    assert.ok(!(await bird.routes('ipv4')).some((x) => x.prefix === DROPPED), `${DROPPED} was exported`);
  });

  it('import: the rejected route stays out of the Loc-RIB (received, not accepted); the accepted one carries the added community', async function () {
    const kept = await petrel.waitForRoute('loc', birdHost.v4, '10.30.0.0/24');
    assert.ok(kept.communities.includes('65000:42'), `communities ${kept.communities.join(' ')}`);
    assert.ok(!(await petrel.routes('loc', birdHost.v4)).some((x) => x.prefix === '10.31.0.0/24'));
    const p = await petrel.waitForPeer(birdHost.v4, 'counters settled', (x) => x.counters.prefixesReceived === 2);
    assert.equal(p.counters.prefixesAccepted, 1);
  });

  it('a changed import filter is applied to the stored routes at once, with no session reset', async function () {
    const before = await petrel.peer(birdHost.v4);
    writeFileSync(petrel.datastorePath, datastore('10.30.0.0/16'));
    await petrel.waitForRoute('loc', birdHost.v4, '10.31.0.0/24');
    await petrel.waitForNoRoute('loc', birdHost.v4, '10.30.0.0/24');
    const after = await petrel.peer(birdHost.v4);
    assert.equal(after.state, 'Established');
    assert.equal(after.since, before.since, 'the session was not reset');
  });
});
