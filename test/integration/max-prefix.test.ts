/**
 * Max-prefix limits (RFC 4486 §4) on a running petrel, set with the
 * petrel.dev/max-prefixes annotations of a BGPPeer: a raw BGP speaker
 * sends one prefix more than allowed. With action restart petrel answers
 * Cease / Maximum Number of Prefixes Reached (6/1) with AFI, SAFI and the
 * limit as data, drops the routes, and takes the peer back after the idle
 * hold; with action warn the session and the routes stay.
 */
import assert from 'node:assert/strict';
import { useLab } from '../support/netns.js';
import { frame, RawSpeaker } from '../support/peers/index.js';
import { BLOCK4, nodeDatastore, parseLog, petrelLan, PETREL_AS, POOL4, startPetrel, type LanHost, type Petrel, type PetrelLan } from '../support/petrel.js';

const RAW_AS = 65010;
const u16 = (n: number): string => n.toString(16).padStart(4, '0');
const ipHex = (ip: string): string => ip.split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join('');

/** An UPDATE announcing 10.77.<i>.0/24 for each i, ORIGIN IGP, AS_PATH [RAW_AS], NEXT_HOP. */
function announce(nextHop: string, thirdOctets: readonly number[]): Uint8Array {
  const attrs = `40010100` + `400206` + `0201${RAW_AS.toString(16).padStart(8, '0')}` + `400304${ipHex(nextHop)}`;
  const nlri = thirdOctets.map((i) => `180a4d${i.toString(16).padStart(2, '0')}`).join('');
  return frame(2, Buffer.from(`0000${u16(attrs.length / 2)}${attrs}${nlri}`, 'hex'));
}

describe('max-prefix limits (RFC 4486) on BGPPeer annotations', function () {
  this.timeout(60_000);
  useLab();

  let lan: PetrelLan;
  let petrel: Petrel;
  let restartHost: LanHost;
  let warnHost: LanHost;

  before(async function () {
    lan = await petrelLan('petrel');
    const rawHost = await lan.member('raw');
    restartHost = await lan.extraAddress(rawHost);
    warnHost = await lan.extraAddress(rawHost);
    const yaml = nodeDatastore({
      node: 'petrel-node',
      asNumber: PETREL_AS,
      ipv4Address: `${lan.petrel.v4}/${lan.len4}`,
      pools: [POOL4],
      blocks: [BLOCK4],
      peers: [
        { name: 'limited', peerIP: restartHost.v4, asNumber: RAW_AS, annotations: { 'petrel.dev/max-prefixes': '2' } },
        { name: 'watched', peerIP: warnHost.v4, asNumber: RAW_AS, annotations: { 'petrel.dev/max-prefixes': '2', 'petrel.dev/max-prefixes-action': 'warn' } },
      ],
      // The raw speakers sort after petrel: petrel is passive towards them (Calico's rule), so they connect.
      otherNodes: { 'raw-a': { ipv4Address: `${restartHost.v4}/${lan.len4}` }, 'raw-b': { ipv4Address: `${warnHost.v4}/${lan.len4}` } },
    });
    petrel = await startPetrel({ ns: lan.petrel.ns, node: 'petrel-node', yaml });
    await Promise.all([petrel.waitForState(restartHost.v4, 'Active'), petrel.waitForState(warnHost.v4, 'Active')]);
  });

  const session = async (h: LanHost): Promise<RawSpeaker> => {
    const raw = await RawSpeaker.connect({ ns: h.ns, address: lan.petrel.v4, localAddress: h.v4 });
    await raw.handshake({ as: RAW_AS, bgpId: h.v4, holdTime: 30 });
    await petrel.waitForState(h.v4, 'Established', 10_000);
    return raw;
  };

  it('action restart: one prefix over the limit gets Cease 6/1 with AFI 1, SAFI 1 and limit 2; the routes go; the peer is taken back after the idle hold', async function () {
    const raw = await session(restartHost);
    try {
      raw.write(announce(restartHost.v4, [1, 2]));
      await petrel.waitForPeer(restartHost.v4, '2 prefixes received', (p) => p.counters.prefixesReceived === 2, 10_000);
      raw.write(announce(restartHost.v4, [3]));
      const n = await raw.notification(10_000);
      assert.deepEqual([n.code, n.subcode, Buffer.from(n.data).toString('hex')], [6, 1, '0001' + '01' + '00000002']);
      await raw.waitClosed(10_000);
      const down = await petrel.waitForPeer(restartHost.v4, 'down for max prefix', (p) => p.state !== 'Established' && /Maximum Number of Prefixes/i.test(p.lastError ?? ''), 10_000);
      assert.equal(down.counters.prefixesReceived, 0, 'the peer\'s routes left with the session');
      assert.ok(!(await petrel.routes('loc', restartHost.v4)).some((r) => r.prefix.startsWith('10.77.')), 'no 10.77.x route left in the Loc-RIB');
      assert.ok(parseLog(petrel.log()).some((r) => /max-prefix limit exceeded/.test(String(r.msg))), 'the crossing is logged');
    } finally {
      await raw.close();
    }
    // RFC 4271 event 8 restarts the session by itself: after the idle hold (5 s) petrel accepts the peer again.
    await petrel.waitForState(restartHost.v4, 'Active', 15_000);
    const again = await session(restartHost);
    await again.close();
  });

  it('action warn: the session stays Established and keeps every route', async function () {
    const raw = await session(warnHost);
    try {
      raw.write(announce(warnHost.v4, [11, 12, 13]));
      const p = await petrel.waitForPeer(warnHost.v4, '3 prefixes received', (x) => x.counters.prefixesReceived === 3, 10_000);
      assert.equal(p.state, 'Established');
      assert.equal(raw.messages.filter((m) => m.type === 3).length, 0, 'no NOTIFICATION');
    } finally {
      await raw.close();
    }
  });
});
