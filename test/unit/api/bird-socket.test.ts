import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answerLine } from '../../../src/api/bird/answer.js';
import { BirdClient, BirdConnectError, printedReply } from '../../../src/api/bird/client.js';
import { startBirdSocket } from '../../../src/api/bird/server.js';
import { routeReplyChunks } from '../../../src/api/bird/routes.js';
import { nullLogger } from '../../../src/lib/logger.js';
import { parseCommand } from '../../../src/api/bird/command.js';
import { expandCommand } from '../../../src/api/bird/expand.js';
import { birdLastError } from '../../../src/api/bird/protocols.js';
import type { BirdPeer } from '../../../src/api/bird/provider.js';
import { frameReply, parseReplyLine } from '../../../src/api/bird/reply.js';
import { BOOT, NOW, at, birdPeers, birdRoutes, fakeBirdProvider, localProtocols, sample, transcript } from './bird-fake.js';
import { scanBirdPeers, scanBirdRoutes, scanGrInProgress, unmarshalBirdRow, birdReadyVerdict, birdLiveOutput } from './bird-calico.js';

const provider = fakeBirdProvider();
const answer = (cmd: string, p = provider, view: 'ipv4' | 'ipv6' = 'ipv4', now = NOW) => answerLine(cmd, p, view, now);
const lines = (reply: string) => reply.split('\n').slice(0, -1);

describe('api/bird: replies against verbatim BIRD 1.6.8 output', function () {
  const files = [
    'show-protocols.txt',
    'show-protocols-all-Mesh_198_19_77_2.txt',
    'show-protocols-all-Node_198_19_77_9.txt',
    'show-protocols-all-Global_198_19_77_3.txt',
    'show-protocols-all-Global_198_19_77_4.txt',
    'show-protocols-all-kernel1.txt',
    'show-protocols-all-static1.txt',
    'show-route.txt',
  ];
  for (const f of files) {
    it(`${f}: byte for byte`, function () {
      const { command, reply } = sample(f);
      assert.equal(answer(command), reply);
    });
  }
  it('show-protocols-all-direct1.txt (direct1 restarted a second later in that capture): byte for byte', function () {
    const { command, reply } = sample('show-protocols-all-direct1.txt');
    const p = fakeBirdProvider({ local: localProtocols.map((l) => (l.name === 'direct1' ? { ...l, since: at(16, 22, 17) } : l)) });
    assert.equal(answer(command, p), reply);
  });

  it('show status: version, router id, iso long times, 0013', function () {
    const { reply } = sample('show-status.txt');
    assert.equal(answer('show status', provider, 'ipv4', at(16, 22, 28)), reply);
  });

  it('show status during graceful restart recovery: the 0024 lines calico-node looks for', function () {
    const { reply } = sample('show-status-gr.txt');
    const gr = fakeBirdProvider({ gr: { waitingFor: 3, remaining: 240, total: 240 } });
    const boot = at(16, 21, 59);
    const p = { ...gr, status: () => ({ ...gr.status('ipv4'), bootedAt: boot, reconfiguredAt: boot }) };
    assert.equal(answer('show status', p, 'ipv4', boot), reply);
    assert.equal(scanGrInProgress(lines(reply)), true);
    assert.equal(scanGrInProgress(lines(answer('show status'))), false);
  });

  it('errors and pattern matches as BIRD answers them (transcript of a second run)', function () {
    const t = transcript('transcript-errors.txt');
    for (const cmd of ['show protocols "zz*"', 'show route protocol nosuch', 'show route table foo', 'show route xyz', 'SHOW STATUS', 'show route count', 'disable Mesh_198_19_77_2x']) {
      const want = t.get(cmd);
      assert.ok(want !== undefined, cmd);
      // BIRD names a missing symbol as not a protocol (9002); petrel refuses every control command (8007).
      if (cmd.startsWith('disable')) assert.equal(answer(cmd), '8007 Access denied\n');
      else assert.equal(answer(cmd), want, cmd);
    }
    assert.equal(answer('show protocols "Global*"'), t.get('show protocols "Global*"')!.replaceAll('16:22:00', '16:22:16'));
    assert.equal(answer('show protocols all nosuch'), '9002 nosuch is not a protocol\n');
    assert.equal(answer('show foo'), '9001 syntax error\n');
    assert.equal(answer(''), '9001 syntax error\n');
    assert.equal(answer('show protocols x y'), '9001 syntax error\n');
    assert.equal(answer('show protocols "unterminated'), '9001 Unterminated string\n');
    assert.equal(answer('configure'), '8007 Access denied\n');
    assert.equal(answer('restrict'), '0016 Access restricted\n');
    assert.match(answer('show memory'), /^9001 show memory: not supported by petrel\n$/);
  });

  it('show route for/prefix/protocol/primary and Network not in table', function () {
    assert.equal(answer('show route for 10.244.2.1'), `1007-10.244.2.0/26      via 198.19.77.2 on bsa0 [Mesh_198_19_77_2 16:22:21] * (100/0) [i]\n0000 \n`);
    assert.equal(answer('show route 10.244.3.0/26'), `1007-10.244.3.0/26      via 198.19.77.2 on bsa0 [Mesh_198_19_77_2 16:22:21] * (100/0) [i]\n0000 \n`);
    assert.equal(answer('show route for 192.0.2.1'), '8001 Network not in table\n');
    assert.equal(lines(answer('show route protocol static1')).length, 3);
    assert.equal(answer('show route protocol static1 count'), '0014 2 of 5 routes for 5 networks\n');
  });

  it('show route all: BIRD 1.6 attribute lines (type 1008, attributes 1012)', function () {
    const t = transcript('transcript-errors.txt');
    const ebgp = fakeBirdProvider({
      routes: [
        {
          family: 'ipv4',
          prefix: '10.244.2.0/26',
          pathId: 0,
          nextHops: ['198.19.77.2'],
          asPath: [{ type: 'sequence', numbers: [65002] }],
          origin: 'igp',
          localPref: 100,
          communities: [],
          largeCommunities: [],
          extendedCommunities: [],
          clusterList: [],
          best: true,
          stale: false,
          since: at(16, 22, 4),
          source: 'Mesh_198_19_77_2',
          sourceAddress: '198.19.77.2',
          // eBGP without "gateway recursive" in that capture: no IGP metric.
          igpMetric: undefined as unknown as number,
        },
      ],
    });
    const got = answer('show route all 10.244.2.0/26', ebgp);
    const want = t.get('show route all 10.244.2.0/26')!;
    // petrel resolves BGP next hops as Calico's "gateway recursive" does: (100/0).
    assert.equal(got, want.replace('(100) [AS65002i]', '(100/0) [AS65002i]'));
  });

  it('IPv6 view (bird6.ctl): only IPv6 sessions, names with __', function () {
    const v6peer: BirdPeer = { ...birdPeers[0]!, name: 'Mesh_fd77__2', address: 'fd77::2', family: 'ipv6', sourceAddress: 'fd77::1' };
    const p = fakeBirdProvider({ peers: [...birdPeers, v6peer] });
    const v6 = scanBirdPeers(lines(`0001 BIRD 1.6.8 ready.\n${answer('show protocols', p, 'ipv6')}`), '6');
    assert.deepEqual(v6.map((x) => [x.peerIP, x.bgpState]), [['fd77::2', 'Established']]);
    const v4 = scanBirdPeers(lines(answer('show protocols', p, 'ipv4')), '4');
    assert.equal(v4.length, 3);
  });

  it('the reference sample (calico-bird.md §8): %F for protocols up more than 20 hours', function () {
    const old = new Date(2022, 2, 21, 10, 0, 0).getTime();
    const now = new Date(2022, 2, 22, 23, 59, 0).getTime();
    const p = fakeBirdProvider({
      version: 'v0.3.3+birdv1.6.8',
      local: [{ name: 'static1', proto: 'Static', state: 'up', since: old, preference: 200, inputFilter: 'ACCEPT', outputFilter: 'REJECT', stats: { imported: 0, exported: 0, preferred: 0 } }],
      peers: [{ ...birdPeers[1]!, since: new Date(2022, 2, 22, 16, 43, 32).getTime() }],
    });
    assert.equal(
      answer('show protocols', p, 'ipv4', now),
      '2002-name     proto    table    state  since       info\n1002-static1  Static   master   up     2022-03-21  \n Node_198_19_77_9 BGP      master   start  16:43:32    Active        Socket: No route to host\n0000 \n',
    );
  });
});

describe('api/bird: calicoctl and calico-node parse petrel’s replies', function () {
  it('calicoctl node status: types, addresses, states, info', function () {
    const peers = scanBirdPeers(lines(`0001 BIRD 1.6.8 ready.\n${answer('show protocols')}`), '4');
    assert.deepEqual(
      peers.map((p) => [p.peerIP, p.peerType, p.state, p.bgpState, p.info]),
      [
        ['198.19.77.2', 'node-to-node mesh', 'up', 'Established', ''],
        ['198.19.77.9', 'node specific', 'start', 'Active', 'Socket: No route to host'],
        ['198.19.77.3', 'global', 'start', 'Passive', ''],
        // Global_198_19_77_4 is down without an error: five columns, skipped as calicoctl does.
      ],
    );
  });

  it('calicoctl refuses detail lines and unknown headings (so petrel must never send them to show protocols)', function () {
    assert.throws(() => scanBirdPeers(lines(answer('show protocols all')), '4'), /unexpected output line/);
    assert.throws(() => scanBirdPeers(['2002-name proto table state since'], '4'), /unknown BIRD table output format/);
    assert.equal(unmarshalBirdRow('Local_Workload_10_0_0_1 BGP master up 10:00:00 Established', '.'), null);
  });

  it('-bird-ready: all established within the threshold, one after it, GR blocks early readiness', function () {
    const peers = scanBirdPeers(lines(answer('show protocols')), '4');
    assert.deepEqual(birdReadyVerdict(peers, false, true), { ready: false, message: 'BGP not established with 198.19.77.9,198.19.77.3' });
    assert.equal(birdReadyVerdict(peers, false, false).ready, true);
    const up = peers.filter((p) => p.bgpState === 'Established');
    assert.equal(birdReadyVerdict(up, false, true).ready, true);
    assert.equal(birdReadyVerdict(up, true, true).ready, false);
    assert.equal(birdReadyVerdict([], false, true).ready, true);
  });

  it('-bird-live: birdcl output (codes stripped) starts with BIRD, as real birdc prints it', function () {
    const greeting = printedReply([parseReplyLine('0001 BIRD 1.6.8 ready.')]);
    const out = greeting + printedReply(lines(answer('show status', provider, 'ipv4', at(16, 21, 10))).map(parseReplyLine));
    assert.ok(birdLiveOutput(out));
    assert.equal(out.split('\n')[1], 'BIRD 1.6.8');
    assert.equal(out.split('\n').at(-2), 'Daemon is up and running');
  });
});

describe('api/bird: framing, parsing, client-side expansion', function () {
  it('frames continuations only after a line of the same code', function () {
    assert.equal(
      frameReply([{ code: 1007, text: 'a' }, { code: 1007, text: 'b' }, { code: 1008, text: 'c' }, { code: 1007, text: 'd' }], { code: 0, text: '' }),
      '1007-a\n b\n1008-c\n1007-d\n0000 \n',
    );
    assert.deepEqual(parseReplyLine('0013 Daemon is up and running'), { kind: 'line', code: 13, text: 'Daemon is up and running', last: true });
    assert.deepEqual(parseReplyLine(' x'), { kind: 'continuation', text: 'x' });
    assert.deepEqual(parseReplyLine('hello'), { kind: 'garbage', text: 'hello' });
  });

  it('printedReply drops codes and code-0 lines like birdc (verbatim birdc output of the Node sample)', function () {
    const { reply } = sample('show-protocols-all-Node_198_19_77_9.txt');
    const printed = printedReply(lines(reply).map(parseReplyLine));
    assert.equal(
      printed,
      [
        'name     proto    table    state  since       info',
        'Node_198_19_77_9 BGP      master   start  16:22:16    Active        Socket: No route to host',
        '  Preference:     100',
        '  Input filter:   ACCEPT',
        '  Output filter:  ACCEPT',
        '  Routes:         0 imported, 0 exported, 0 preferred',
        '  Route change stats:     received   rejected   filtered    ignored   accepted',
        '    Import updates:              0          0          0          0          0',
        '    Import withdraws:            0          0        ---          0          0',
        '    Export updates:              0          0          0        ---          0',
        '    Export withdraws:            0        ---        ---        ---          0',
        '  BGP state:          Active',
        '    Neighbor address: 198.19.77.9',
        '    Neighbor AS:      65001',
        '    Connect delay:    2/5',
        '    Last error:       Socket: No route to host',
        '',
        '',
      ].join('\n'),
    );
    assert.equal(printedReply(lines(reply).map(parseReplyLine), true).split('\n')[0], '2002-name     proto    table    state  since       info');
  });

  it('expands abbreviations as birdc does and keeps the arguments', function () {
    assert.deepEqual(expandCommand('sh pro'), { kind: 'command', text: 'show protocols' });
    assert.deepEqual(expandCommand('sh pro a Mesh_10_0_0_1'), { kind: 'command', text: 'show protocols all Mesh_10_0_0_1' });
    assert.deepEqual(expandCommand('show route for 10.0.0.1'), { kind: 'command', text: 'show route for 10.0.0.1' });
    assert.deepEqual(expandCommand('sh stat'), { kind: 'error', message: 'Ambiguous command, possible expansions are:\nshow status\nshow static' });
    assert.deepEqual(expandCommand('show foo'), { kind: 'error', message: "No such command. Press `?' for help." });
    assert.deepEqual(expandCommand('q'), { kind: 'command', text: 'quit' });
  });

  it('parses BIRD 1.6 command syntax', function () {
    assert.deepEqual(parseCommand('show protocols all "Mesh*"'), { kind: 'protocols', verbose: true, select: { kind: 'pattern', pattern: 'Mesh*' } });
    assert.deepEqual(parseCommand('show route all primary protocol Mesh_1'), { kind: 'route', query: { verbose: true, count: false, primary: true, protocol: 'Mesh_1' } });
  });

  it('says socket errors in BIRD words', function () {
    assert.equal(birdLastError('connect ECONNREFUSED 10.0.0.1:179'), 'Socket: Connection refused');
    assert.equal(birdLastError('connection closed'), 'Socket: Connection closed');
    assert.equal(birdLastError('Hold Timer Expired'), 'Hold Timer Expired');
    assert.equal(birdLastError(null), '');
  });

  it('derives route statistics from petrel’s counters when the daemon keeps no BIRD counts', function () {
    const { stats: _drop, ...p } = birdPeers[0]!;
    const reply = answer('show protocols all Mesh_198_19_77_2', fakeBirdProvider({ peers: [p] }));
    assert.match(reply, /\n {3}Routes: {9}2 imported, 3 exported, 2 preferred\n/);
    assert.match(reply, /\n {5}Export updates: {14}3 {10}0 {10}0 {8}--- {10}3\n/);
    void BOOT;
  });
});

describe('api/bird: calico-node’s route reporter reads show route', function () {
  it('BIRD’s own sample and petrel’s reply parse to the same routes', function () {
    const bird = scanBirdRoutes(lines(sample('show-route.txt').reply));
    const ours = scanBirdRoutes(lines(answer('show route')));
    assert.equal(bird.length, 5);
    assert.deepEqual(ours, bird);
    assert.deepEqual(bird[2], { destination: '10.244.2.0/26', gateway: '198.19.77.2', interface: 'bsa0', protocol: 'Mesh_198_19_77_2', primary: true, kind: 'via' });
    assert.equal(bird[4]!.kind, 'blackhole');
  });
});

describe('api/bird: the Unix socket server', function () {
  this.timeout(10_000);
  let dir: string;
  before(async function () {
    dir = await mkdtemp(join(tmpdir(), 'petrel-bird-'));
  });
  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  /** Raw bytes in, every reply line out, until `finals` replies have ended. */
  const raw = (path: string, bytes: string | Buffer, finals: number): Promise<string[]> =>
    new Promise((resolve, reject) => {
      const s = connect(path);
      let buf = '';
      let seen = 0;
      s.setEncoding('utf8');
      s.on('data', (d: string) => {
        buf += d;
        const lines = buf.split('\n').slice(0, -1);
        seen = lines.filter((l) => /^\d{4} /.test(l)).length;
        if (seen >= finals) {
          s.destroy();
          resolve(lines);
        }
      });
      s.on('error', reject);
      s.once('connect', () => s.write(bytes));
      setTimeout(() => reject(new Error(`no ${finals} replies: ${JSON.stringify(buf)}`)), 5000).unref();
    });

  it('greets, answers pipelined commands in order, survives over-long and binary input', async function () {
    const path = join(dir, 'bird.ctl');
    const server = await startBirdSocket(provider, { path, view: 'ipv4', log: nullLogger });
    try {
      assert.equal((await stat(path)).mode & 0o777, 0o660);
      const got = await raw(path, `show status\nshow protocols "Mesh*"\n${'x'.repeat(5000)}\n\u0000\u00ff\u0001garbage\nshow route count\n`, 6);
      assert.match(got[0]!, /^0001 BIRD 1\.6\.8 ready\.$/);
      assert.equal(got.find((l) => l.startsWith('0013')), '0013 Daemon is up and running');
      assert.ok(got.includes('1002-Mesh_198_19_77_2 BGP      master   up     16:22:20    Established   '), JSON.stringify(got));
      assert.ok(got.includes('9000 Command too long'), JSON.stringify(got));
      assert.ok(got.includes('9001 syntax error'));
      assert.equal(got.at(-1), '0014 5 of 5 routes for 5 networks');
      // A command split across writes and a client that leaves mid-reply do not disturb the next client.
      const { client } = await BirdClient.connect(path);
      const r = await client.command('show protocols');
      assert.equal(r.code, 0);
      client.close();
      const c2 = await BirdClient.connect(path);
      assert.equal((await c2.client.command('show route for 10.244.1.1')).code, 0);
      c2.client.close();
      await assert.rejects(startBirdSocket(provider, { path, view: 'ipv4', log: nullLogger }), /in use/);
    } finally {
      await server.close();
    }
    await assert.rejects(stat(path), /ENOENT/);
    await assert.rejects(BirdClient.connect(path), (e: unknown) => e instanceof BirdConnectError && /No such file or directory/.test(e.message));
  });
});

describe('api/bird: large tables in pieces', function () {
  it('show route comes in chunks whose framing continues across them; the server delivers it whole', async function () {
    const base = birdRoutes[2]!;
    const routes = Array.from({ length: 5000 }, (_, i) => ({ ...base, prefix: `10.${(i >> 8) & 255}.${i & 255}.0/24` }));
    const parts = [...routeReplyChunks(routes, { verbose: false, count: false, primary: false }, NOW, () => 'eth0', 2000)];
    assert.equal(parts.length, 3);
    assert.ok(parts[1]!.startsWith(' 10.7.208.0/24      via 198.19.77.2 on eth0'), parts[1]!.slice(0, 60));
    const whole = parts.join('');
    assert.equal(lines(whole).length, 5001);
    assert.equal(lines(whole).filter((l) => l.startsWith('1007-')).length, 1);
    assert.equal(whole, answer('show route', fakeBirdProvider({ routes: routes.map((r) => ({ ...r, interface: 'eth0' })) })));
  });
});
