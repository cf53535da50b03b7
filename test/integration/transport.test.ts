/**
 * Sessions over real sockets on 127.0.0.0/8: two petrel speakers, collisions,
 * TCP MD5, and a hand-driven peer for hold-timer expiry and hostile input.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { MemoryLogger, nullLogger } from '../../src/lib/logger.js';
import { parseIpv4 } from '../../src/lib/prefix.js';
import { defaultSessionConfig, type SessionConfig } from '../../src/session/index.js';
import { Listener } from '../../src/transport/listener.js';
import { Peer } from '../../src/transport/peer.js';
import { md5SelfTest } from '../../src/transport/sockopt.js';
import { decodeContext, decodeMessage, encodeMessage, Framer, INITIAL_CONTEXT, KEEPALIVE, makeOpen, type BgpMessage } from '../../src/wire/index.js';

const PORT = 20000 + (process.pid % 20000);
let nextPort = PORT;

function session(me: string, peerAs = 64512, o: Partial<SessionConfig> = {}): SessionConfig {
  return defaultSessionConfig({ localAs: 64512, peerAs, routerId: parseIpv4(me)!, connectDelayTime: 0, connectRetryTime: 1, idleHoldTime: { min: 1, max: 2 }, ...o });
}

async function waitFor(what: string, cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Node {
  listener: Listener;
  peers: Peer[];
}

const nodes: Node[] = [];
async function node(address: string, port: number): Promise<Node> {
  const n = { listener: new Listener(port, nullLogger, { v4: address }), peers: [] };
  nodes.push(n);
  return n;
}
async function peer(n: Node, cfg: ConstructorParameters<typeof Peer>[0], log = nullLogger): Promise<Peer> {
  const p = new Peer(cfg, n.listener, log);
  n.peers.push(p);
  await p.start();
  return p;
}

afterEach(async () => {
  for (const n of nodes.splice(0)) {
    for (const p of n.peers) p.destroy();
    await n.listener.close();
  }
});

describe('transport: sessions over real sockets', function () {
  this.timeout(30000);

  it('two petrel speakers reach Established, one passive by Calico\'s rule', async () => {
    const port = nextPort++;
    const a = await node('127.0.0.1', port);
    const b = await node('127.0.0.2', port);
    const pa = await peer(a, { address: '127.0.0.2', port, localAddress: '127.0.0.1', session: session('127.0.0.1') });
    const pb = await peer(b, { address: '127.0.0.1', port, localAddress: '127.0.0.2', session: session('127.0.0.2', 64512, { passive: true }) });
    await waitFor('Established', () => pa.state === 'Established' && pb.state === 'Established');
    assert.equal(pa.negotiated!.peerRouterId, parseIpv4('127.0.0.2'));
    assert.equal(pa.negotiated!.holdTime, 240);
    assert.ok(pa.negotiated!.fourOctetAs);
    assert.deepEqual([...pa.negotiated!.addPathReceive].sort(), [0x101, 0x201]);
    assert.equal(pa.connection.initiator, 'local');
    assert.equal(pb.connection.initiator, 'remote');
  });

  it('two speakers that both dial end with one connection, Established on both sides', async () => {
    const port = nextPort++;
    const a = await node('127.0.0.3', port);
    const b = await node('127.0.0.4', port);
    const pa = await peer(a, { address: '127.0.0.4', port, localAddress: '127.0.0.3', session: session('127.0.0.3') });
    const pb = await peer(b, { address: '127.0.0.3', port, localAddress: '127.0.0.4', session: session('127.0.0.4') });
    await waitFor('Established', () => pa.state === 'Established' && pb.state === 'Established');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(pa.state, 'Established');
    assert.equal(pb.state, 'Established');
    assert.notEqual(pa.connection.initiator, pb.connection.initiator, 'both ends see the same single connection');
  });

  for (const [name, peerId, survivor] of [
    ['a peer with the higher BGP identifier keeps the connection it opened', '127.0.0.50', 'remote'],
    ['a peer with the lower BGP identifier loses the connection it opened', '127.0.0.1', 'local'],
  ] as const) {
    it(`collision (RFC 4271 §6.8): ${name}`, async () => {
      const port = nextPort++;
      const a = await node('127.0.0.40', port);
      const pa = await peer(a, { address: '127.0.0.41', port, localAddress: '127.0.0.40', session: session('127.0.0.40') });
      const open = encodeMessage(makeOpen({ myAs: 64512, holdTime: 90, bgpId: parseIpv4(peerId)!, capabilities: [{ kind: 'FOUR_OCTET_AS', asn: 64512 }] }), INITIAL_CONTEXT);
      const seen: { conn: string; msg: BgpMessage }[] = [];
      const track = (conn: string, s: net.Socket) => {
        const f = new Framer();
        s.on('data', (c) => f.push(c).forEach((fr) => seen.push({ conn, msg: decodeMessage(fr, decodeContext()).message })));
        s.on('error', () => {});
      };
      let dialed: net.Socket | null = null;
      const server = net.createServer((inbound) => {
        track('petrel-opened', inbound);
        // Once petrel has sent its OPEN here, dial petrel too, then send OPENs on both.
        inbound.once('data', () => {
          dialed = net.connect({ host: '127.0.0.40', port, localAddress: '127.0.0.41' }, () => {
            track('peer-opened', dialed!);
            setTimeout(() => {
              inbound.write(open);
              dialed!.write(open);
            }, 200);
          });
        });
      });
      await new Promise<void>((r) => server.listen(port, '127.0.0.41', () => r()));
      try {
        const loserConn = survivor === 'remote' ? 'petrel-opened' : 'peer-opened';
        await waitFor('a Cease 6/7 on the losing connection', () => seen.some((x) => x.conn === loserConn && x.msg.type === 'NOTIFICATION'));
        const n = seen.find((x) => x.msg.type === 'NOTIFICATION')!;
        assert.equal(n.conn, loserConn);
        assert.ok(n.msg.type === 'NOTIFICATION' && n.msg.code === 6 && n.msg.subcode === 7);
        assert.equal(pa.connection.initiator, survivor);
        assert.ok(['OpenSent', 'OpenConfirm'].includes(pa.state), `survivor in ${pa.state}`);
      } finally {
        (dialed as net.Socket | null)?.destroy();
        server.close();
      }
    });
  }

  it('TCP MD5: the same password connects, a different one never does', async () => {
    const ok = await md5SelfTest();
    assert.ok(ok.ok, `TCP MD5 must work on this kernel: ${'reason' in ok ? ok.reason : ''}`);
    const port = nextPort++;
    const a = await node('127.0.0.5', port);
    const b = await node('127.0.0.6', port);
    const pa = await peer(a, { address: '127.0.0.6', port, localAddress: '127.0.0.5', md5Key: 'calico-mesh', session: session('127.0.0.5') });
    const pb = await peer(b, { address: '127.0.0.5', port, localAddress: '127.0.0.6', md5Key: 'calico-mesh', session: session('127.0.0.6', 64512, { passive: true }) });
    await waitFor('Established with MD5', () => pa.state === 'Established' && pb.state === 'Established');

    const port2 = nextPort++;
    const c = await node('127.0.0.7', port2);
    const d = await node('127.0.0.8', port2);
    const pc = await peer(c, { address: '127.0.0.8', port: port2, localAddress: '127.0.0.7', md5Key: 'right', session: session('127.0.0.7') });
    const pd = await peer(d, { address: '127.0.0.7', port: port2, localAddress: '127.0.0.8', md5Key: 'wrong', session: session('127.0.0.8', 64512, { passive: true }) });
    await new Promise((r) => setTimeout(r, 4000));
    assert.notEqual(pc.state, 'Established');
    assert.notEqual(pd.state, 'Established');
    assert.ok(!['OpenSent', 'OpenConfirm'].includes(pd.state), 'no BGP message ever crossed: the kernel dropped the segments');
  });

  it('closes connections from unconfigured sources before OPEN and logs them', async () => {
    const port = nextPort++;
    const log = new MemoryLogger();
    const l = new Listener(port, log, { v4: '127.0.0.9' });
    nodes.push({ listener: l, peers: [] });
    const p = new Peer({ address: '127.0.0.10', port, session: session('127.0.0.9') }, l, nullLogger);
    nodes[nodes.length - 1]!.peers.push(p);
    await p.start();
    const s = net.connect({ host: '127.0.0.9', port, localAddress: '127.0.0.11' });
    const got: Buffer[] = [];
    s.on('data', (d) => got.push(d));
    await new Promise<void>((resolve) => s.on('close', () => resolve()));
    assert.equal(Buffer.concat(got).length, 0, 'not even an OPEN was sent');
    assert.ok(log.lines.some((x) => x.msg.includes('unconfigured peer') && x.fields.from === '127.0.0.11'));
  });
});

/** A scripted peer: accepts petrel's connection, speaks raw BGP, records what petrel sends. */
async function rawPeer(address: string, port: number, asn: number, hold: number) {
  const received: BgpMessage[] = [];
  let sock: net.Socket | null = null;
  const server = net.createServer((s) => {
    sock = s;
    const framer = new Framer();
    s.on('data', (chunk) => {
      for (const f of framer.push(chunk)) received.push(decodeMessage(f, decodeContext()).message);
    });
    s.on('error', () => {});
    s.write(encodeMessage(makeOpen({ myAs: asn, holdTime: hold, bgpId: parseIpv4(address)!, capabilities: [{ kind: 'FOUR_OCTET_AS', asn }, { kind: 'MULTIPROTOCOL', afi: 1, safi: 1 }] }), INITIAL_CONTEXT));
    s.write(encodeMessage(KEEPALIVE, INITIAL_CONTEXT));
  });
  await new Promise<void>((r) => server.listen(port, address, () => r()));
  return {
    received,
    write: (b: Uint8Array) => sock!.write(b),
    close: () => {
      (sock as net.Socket | null)?.destroy();
      server.close();
    },
  };
}

describe('transport: what a misbehaving peer gets', function () {
  this.timeout(30000);

  it('a peer that goes silent is cut with NOTIFICATION 4/0 after the hold time', async () => {
    const port = nextPort++;
    const raw = await rawPeer('127.0.0.21', port, 64512, 3);
    const a = await node('127.0.0.20', port + 5000);
    const pa = await peer(a, { address: '127.0.0.21', port, localAddress: '127.0.0.20', session: session('127.0.0.20', 64512, { holdTime: 3 }) });
    await waitFor('Established', () => pa.state === 'Established');
    const downAt = Date.now();
    const reason = await new Promise<string>((r) => pa.once('down', (why) => r(why.text)));
    assert.match(reason, /Hold Timer Expired/);
    assert.ok(Date.now() - downAt >= 2500, 'not before the 3 s hold time');
    await waitFor('the NOTIFICATION', () => raw.received.some((m) => m.type === 'NOTIFICATION'));
    const n = raw.received.find((m) => m.type === 'NOTIFICATION');
    assert.ok(n && n.type === 'NOTIFICATION');
    assert.deepEqual([n.code, n.subcode], [4, 0]);
    raw.close();
  });

  it('a peer that stops reading holds our queue, not unbounded socket buffers; it all arrives once it reads', async () => {
    const port = nextPort++;
    const received: number[] = [];
    let peerSock: net.Socket | null = null;
    const server = net.createServer((s) => {
      peerSock = s;
      s.write(encodeMessage(makeOpen({ myAs: 64512, holdTime: 90, bgpId: parseIpv4('127.0.0.51')!, capabilities: [{ kind: 'FOUR_OCTET_AS', asn: 64512 }] }), INITIAL_CONTEXT));
      s.write(encodeMessage(KEEPALIVE, INITIAL_CONTEXT));
      let bytes = 0;
      s.on('data', (c) => {
        bytes += c.length;
        received[0] = bytes;
      });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.51', () => r()));
    const a = await node('127.0.0.50', port);
    const pa = await peer(a, { address: '127.0.0.51', port, localAddress: '127.0.0.50', session: session('127.0.0.50') });
    try {
      await waitFor('Established', () => pa.state === 'Established');
      (peerSock as net.Socket | null)!.pause();
      // 20,000 UPDATEs of 4 KB: 80 MB the peer is not reading.
      const update = new Uint8Array(4096).fill(0xff);
      update[16] = 0x10;
      update[17] = 0x00;
      const drained = new Promise<void>((r) => pa.once('drain', () => r()));
      const ok = pa.sendRaw(new Array(20000).fill(update));
      assert.equal(ok, false, 'the caller is told to wait');
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(pa.connection.bufferedBytes <= 256 * 1024 + 4096, `socket buffer ${pa.connection.bufferedBytes} stays bounded`);
      // The kernel's autotuned socket buffers (a few MB on loopback) take some; the bulk waits in our queue.
      assert.ok(pa.connection.queued > 16000, `${pa.connection.queued} of 20000 messages wait in our queue`);
      (peerSock as net.Socket | null)!.resume();
      await drained;
      assert.equal(pa.connection.queued, 0);
      await waitFor('all bytes at the peer', () => (received[0] ?? 0) >= 20000 * 4096);
      assert.equal(pa.state, 'Established');
    } finally {
      (peerSock as net.Socket | null)?.destroy();
      server.close();
    }
  });

  it('a malformed UPDATE gets the RFC NOTIFICATION on that session only', async () => {
    const port = nextPort++;
    const raw = await rawPeer('127.0.0.31', port, 64512, 90);
    const a = await node('127.0.0.30', port);
    const b = await node('127.0.0.32', port);
    const hostile = await peer(a, { address: '127.0.0.31', port, localAddress: '127.0.0.30', session: session('127.0.0.30') });
    const good = await peer(a, { address: '127.0.0.32', port, localAddress: '127.0.0.30', session: session('127.0.0.30', 64512, { passive: true }) });
    const other = await peer(b, { address: '127.0.0.30', port, localAddress: '127.0.0.32', session: session('127.0.0.32') });
    await waitFor('both Established', () => hostile.state === 'Established' && good.state === 'Established' && other.state === 'Established');
    // An UPDATE with the unrecognised well-known attribute 0x7f: session reset 3/2.
    raw.write(Buffer.from('ffffffffffffffffffffffffffffffff001b0200000004407f0100', 'hex'));
    await waitFor('the NOTIFICATION', () => raw.received.some((m) => m.type === 'NOTIFICATION'));
    const n = raw.received.find((m) => m.type === 'NOTIFICATION');
    assert.ok(n && n.type === 'NOTIFICATION');
    assert.deepEqual([n.code, n.subcode, Buffer.from(n.data).toString('hex')], [3, 2, '407f0100']);
    assert.notEqual(hostile.state, 'Established');
    assert.equal(good.state, 'Established');
    assert.equal(other.state, 'Established');
    raw.close();
  });
});
