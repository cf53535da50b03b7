import assert from 'node:assert/strict';
import { RibFeed } from '../../../src/daemon/rib-feed.js';
import { parseIpv4 } from '../../../src/lib/prefix.js';
import { AdjRibIn } from '../../../src/rib/adj-rib-in.js';
import { ipv4Nlri, type PathAttribute } from '../../../src/wire/index.js';

const P = ipv4Nlri(parseIpv4('10.244.9.0')!, 26);
const attrs = (asns: number[]): PathAttribute[] => [
  { kind: 'ORIGIN', origin: 0 },
  { kind: 'AS_PATH', segments: [{ type: 2, asns }] },
  { kind: 'NEXT_HOP', nextHop: parseIpv4('192.168.20.1')! },
];

describe('daemon: the Loc-RIB feed', () => {
  it('keeps looped paths out of the Loc-RIB, and lets a clean re-announcement in', () => {
    const feed = new RibFeed();
    const inRib = new AdjRibIn();
    feed.setIdentity('tor', { address: '192.168.20.1', routerId: 1, ebgp: true, localAs: 64512, allowLocalAs: 0 });
    feed.announced('tor', inRib.announce([P], attrs([65001, 64512]), null));
    assert.equal(feed.rib.best(P), null, 'our AS in the path: refused');
    assert.equal(feed.rejectedCount('tor'), 1);
    assert.equal(inRib.size, 1, 'the Adj-RIB-In keeps it (pre-policy)');
    feed.announced('tor', inRib.announce([P], attrs([65001]), null));
    assert.equal(feed.rib.best(P)?.source.kind, 'bgp');
    assert.equal(feed.rejectedCount('tor'), 0);
    feed.announced('tor', inRib.announce([P], attrs([65001, 64512]), null));
    assert.equal(feed.rib.best(P), null, 'a looped update replaces the accepted path');
    feed.withdrawn('tor', [P]);
    assert.equal(feed.rejectedCount('tor'), 0);
  });

  it('honours numAllowedLocalASNumbers and tracks the node\'s blocks as static paths', () => {
    const feed = new RibFeed();
    feed.setIdentity('rr', { address: '10.0.0.1', routerId: 1, ebgp: false, localAs: 64512, allowLocalAs: 1 });
    feed.announced('rr', new AdjRibIn().announce([P], attrs([64512]), null));
    assert.ok(feed.rib.best(P));
    const state = { originate: [{ prefix: '10.244.1.0/26', blackhole: true, exported: true }] } as unknown as Parameters<RibFeed['setOriginated']>[0];
    feed.setOriginated(state);
    const own = ipv4Nlri(parseIpv4('10.244.1.0')!, 26);
    assert.equal(feed.rib.best(own)?.source.kind, 'static');
    feed.setOriginated({ originate: [] } as unknown as Parameters<RibFeed['setOriginated']>[0]);
    assert.equal(feed.rib.best(own), null, 'a released block leaves the table');
  });
});
