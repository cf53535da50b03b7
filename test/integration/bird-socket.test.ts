/**
 * petrel's BIRD-compatible control sockets as Calico's tools use them, on a
 * real petrel with a real BIRD 2 peer (IPv4 and IPv6 sessions) and a
 * configured peer nobody answers for. calicoctl's parse of `show protocols`
 * (ported in test/unit/api/bird-calico.ts), calico-node's -bird-ready and
 * -bird-live rules, BIRD 1.6's real birdc, `petrel birdcl`, and the
 * metrics and health endpoints must all follow the peer going down and up.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { exec, run, useLab, waitFor } from '../support/netns.js';
import { canonicalIp, startBird2, type Peer, type PeerOptions } from '../support/peers/index.js';
import { BLOCK4, BLOCK6, globalPeerName, nodeDatastore, petrelLan, PETREL_AS, POOL4, POOL6, REPO, startPetrel, type LanHost, type Petrel, type PetrelLan } from '../support/petrel.js';
import { birdLiveOutput, birdReady, calicoctlPeers, scanBirdRoutes, type CalicoBgpPeer } from '../unit/api/bird-calico.js';

const BIRD_AS = 65040;
const BIRD_PREFIX4 = '10.140.1.0/24';
const BIRD_PREFIX6 = 'fd00:140:1::/48';
const METRICS = '127.0.0.1:9900';
const BIRDC = '/opt/bird1/usr/sbin/birdc';
const MAIN = join(REPO, 'src/cli/main.ts');

describe('BIRD-compatible control socket: calicoctl, calico-node checks, birdc and metrics against a running petrel', function () {
  this.timeout(120_000);
  useLab();

  let lan: PetrelLan;
  let petrel: Petrel;
  let bird: Peer;
  let birdHost: LanHost;
  let ghost: LanHost;
  let birdOpts: PeerOptions & { ns: string };

  const peerOf = (peers: CalicoBgpPeer[], ip: string): CalicoBgpPeer => {
    const p = peers.find((x) => canonicalIp(x.peerIP) === canonicalIp(ip));
    if (!p) throw new Error(`calicoctl sees no peer ${ip}: ${JSON.stringify(peers)}`);
    return p;
  };
  const birdc = async (...cmd: string[]): Promise<string> => (await run(BIRDC, ['-s', petrel.birdSocket, ...cmd], { timeoutMs: 10_000 })).stdout;
  const birdcl = (args: readonly string[], allowFail = false) => run(process.execPath, ['--import', 'tsx', MAIN, 'birdcl', ...args], { cwd: REPO, timeoutMs: 30_000, allowFail });
  /** GET inside petrel's namespace (the port is on its loopback), with node's own fetch: no curl needed. */
  const http = async (path: string): Promise<{ status: number; body: string }> => {
    const script = `fetch(${JSON.stringify(`http://${METRICS}${path}`)}).then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })))`;
    const r = await exec(petrel.ns, process.execPath, ['-e', script], { timeoutMs: 10_000 });
    return JSON.parse(r.stdout) as { status: number; body: string };
  };
  /** A sample's value: the metric with all the given labels. */
  const metric = (text: string, name: string, labels: Record<string, string>): number | undefined => {
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`)) continue;
      if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return undefined;
  };

  before(async function () {
    lan = await petrelLan('birdsock');
    birdHost = await lan.member('bird2');
    // A peer petrel is configured for that never answers: its connections are refused.
    ghost = await lan.member('ghost');
    const yaml = nodeDatastore({
      node: 'petrel-node',
      asNumber: PETREL_AS,
      ipv4Address: `${lan.petrel.v4}/${lan.len4}`,
      ipv6Address: `${lan.petrel.v6}/${lan.len6}`,
      pools: [POOL4, POOL6],
      blocks: [BLOCK4, BLOCK6],
      peers: [
        { name: 'bird-v4', peerIP: birdHost.v4, asNumber: BIRD_AS },
        { name: 'bird-v6', peerIP: birdHost.v6, asNumber: BIRD_AS },
        { name: 'ghost', peerIP: ghost.v4, asNumber: BIRD_AS },
      ],
    });
    birdOpts = {
      ns: birdHost.ns,
      routerId: birdHost.v4,
      as: BIRD_AS,
      listen: [birdHost.v4, birdHost.v6],
      neighbors: [
        { address: lan.petrel.v4, as: PETREL_AS },
        { address: lan.petrel.v6, as: PETREL_AS },
      ],
      routes: [{ prefix: BIRD_PREFIX4 }, { prefix: BIRD_PREFIX6 }],
    };
    [petrel, bird] = await Promise.all([startPetrel({ ns: lan.petrel.ns, node: 'petrel-node', yaml, args: ['--metrics', METRICS] }), startBird2(birdOpts)]);
    await Promise.all([petrel.waitForState(birdHost.v4), petrel.waitForState(birdHost.v6)]);
    await petrel.waitForRoute('loc', birdHost.v4, BIRD_PREFIX4);
  });

  it('calicoctl node status: the IPv4 peers on bird.ctl, the IPv6 one on bird6.ctl, with Calico’s types and states', async function () {
    const v4 = await calicoctlPeers(petrel.birdSocket, '4');
    assert.equal(v4.length, 2, JSON.stringify(v4));
    const up = peerOf(v4, birdHost.v4);
    assert.deepEqual([up.peerType, up.state, up.bgpState, up.info], ['global', 'up', 'Established', '']);
    assert.match(up.since, /^\d\d:\d\d:\d\d$/);
    const g = peerOf(v4, ghost.v4);
    assert.equal(g.state, 'start');
    assert.ok(['Active', 'Connect', 'Idle'].includes(g.bgpState), g.bgpState);
    // As BIRD: the failed connect is the INFO column's error ("Socket: Connection refused", or the
    // system's words for whatever else stopped it), once the first attempt has been made.
    await waitFor('the ghost peer\'s socket error in calicoctl\'s INFO', 20_000, async () => {
      const x = peerOf(await calicoctlPeers(petrel.birdSocket, '4'), ghost.v4);
      return /Socket: /.test(x.info) ? true : undefined;
    });
    const v6 = await calicoctlPeers(petrel.bird6Socket, '6');
    assert.deepEqual(v6.map((p) => [canonicalIp(p.peerIP), p.bgpState]), [[canonicalIp(birdHost.v6), 'Established']]);
  });

  it('BIRD 1.6’s own birdc reads petrel’s socket: protocols, status, routes, protocol details', async function () {
    const protocols = await birdc('show', 'protocols');
    assert.match(protocols, /^BIRD v\S+ ready\.\nname {5}proto {4}table {4}state {2}since {7}info\n/);
    assert.match(protocols, new RegExp(`\\n${globalPeerName(birdHost.v4)} BGP {6}master {3}up {5}\\d\\d:\\d\\d:\\d\\d {4}Established {3}\\n`));
    const status = await birdc('show', 'status');
    assert.match(status, /\nRouter ID is \S+\nCurrent server time is \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n/);
    assert.match(status, /\nDaemon is up and running\n$/);
    const details = await birdc('show', 'protocols', 'all', globalPeerName(birdHost.v4));
    assert.match(details, /\n {2}BGP state: {10}Established\n {4}Neighbor address: (\S+)\n {4}Neighbor AS: {6}65040\n {4}Neighbor ID: {6}(\S+)\n/);
    // birdc expands abbreviations before sending them, as it does with BIRD.
    assert.match(await birdc('sh', 'pro'), new RegExp(`\\n${globalPeerName(birdHost.v4)} BGP .* Established {3}\\n`));
    // calico-node's route reporter: the peer's prefix via the peer on the LAN interface, petrel's block a blackhole.
    const routes = scanBirdRoutes(
      (await birdc('show', 'route'))
        .split('\n')
        .slice(1)
        .map((l) => (l.startsWith(' ') ? l : ` ${l}`)),
    );
    const learnt = routes.find((r) => r.destination === BIRD_PREFIX4);
    assert.deepEqual(learnt && [learnt.kind, learnt.gateway, learnt.interface, learnt.protocol, learnt.primary], ['via', birdHost.v4, 'lan0', globalPeerName(birdHost.v4), true]);
    assert.equal(routes.find((r) => r.destination === BLOCK4)?.kind, 'blackhole');
    assert.equal(routes.find((r) => r.destination === BIRD_PREFIX6), undefined, 'an IPv6 route on bird.ctl');
  });

  it('petrel birdcl: -bird-live’s check passes; a missing socket fails as birdcl does', async function () {
    const r = await birdcl(['-s', petrel.birdSocket, 'show', 'status']);
    assert.ok(birdLiveOutput(r.stdout), r.stdout);
    assert.match(r.stdout, /\nDaemon is up and running\n$/);
    const piped = await run('sh', ['-c', `printf 'show status\\nsh pro\\n' | ${process.execPath} --import tsx ${MAIN} birdcl -s ${petrel.bird6Socket}`], { cwd: REPO, timeoutMs: 30_000 });
    assert.match(piped.stdout, /\nbird> show status\nBIRD v\S+\n/);
    assert.match(piped.stdout, new RegExp(`\\nbird> sh pro\\nname .*\\n(?:.*\\n)*${globalPeerName(birdHost.v6)} BGP .*Established`));
    assert.match(piped.stdout, /\nbird> \n$/);
    // The light entry point (the module run directly) answers the same.
    const direct = await run(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/commands/birdcl.ts'), '-s', petrel.birdSocket, 'show', 'status'], { cwd: REPO, timeoutMs: 30_000 });
    assert.equal(direct.stdout.replace(/Current server time is .*\n/, ''), r.stdout.replace(/Current server time is .*\n/, ''));
    const missing = await birdcl(['-s', join(petrel.dir, 'no-such.ctl'), 'show', 'status'], true);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Unable to connect to server control socket \(.*no-such\.ctl\): No such file or directory/);
  });

  it('metrics and health: per-peer gauges, counters, readiness by Calico’s rules', async function () {
    const m = await http('/metrics');
    assert.equal(m.status, 200);
    const labels = (name: string) => ({ peer: name });
    assert.equal(metric(m.body, 'petrel_bgp_peer_up', labels(globalPeerName(birdHost.v4))), 1);
    assert.equal(metric(m.body, 'petrel_bgp_peer_up', labels(globalPeerName(ghost.v4))), 0);
    assert.equal(metric(m.body, 'petrel_bgp_peer_state', { ...labels(globalPeerName(birdHost.v4)), state: 'Established' }), 1);
    assert.ok((metric(m.body, 'petrel_bgp_prefixes_received', labels(globalPeerName(birdHost.v4))) ?? 0) >= 1);
    assert.ok((metric(m.body, 'petrel_bgp_prefixes_advertised', labels(globalPeerName(birdHost.v4))) ?? 0) >= 1);
    assert.ok((metric(m.body, 'petrel_bgp_updates_received_total', labels(globalPeerName(birdHost.v4))) ?? 0) >= 1);
    assert.ok((metric(m.body, 'petrel_bgp_peer_uptime_seconds', labels(globalPeerName(birdHost.v4))) ?? 0) > 0);
    assert.match(m.body, /\npetrel_datastore_synced\{datastore="file"\} 1\n/);
    assert.match(m.body, /\npetrel_fib_routes 0\n/);
    assert.equal((await http('/liveness')).status, 200);
    assert.equal((await http('/live')).status, 200);
    // The ghost is never up: early on Calico wants every peer, later one is enough.
    assert.deepEqual(await birdReady(petrel.birdSocket, '4', true), { ready: false, message: `BGP not established with ${ghost.v4}` });
    assert.deepEqual(await birdReady(petrel.birdSocket, '4', false), { ready: true, message: '' });
    const started = (await petrel.info()).startedAt;
    const ready = await http('/readiness');
    if (Date.now() - started < 29_000) {
      assert.equal(ready.status, 503, ready.body);
      assert.match(ready.body, new RegExp(`BGP not established with [^"]*${ghost.v4.replaceAll('.', '\\.')}`));
    }
    const later = await waitFor('readiness after the threshold', 45_000, async () => {
      const r = await http('/ready');
      return r.status === 200 ? r : undefined;
    }, 1000);
    assert.ok(Date.now() - started >= 30_000, 'ready before calico-node’s 30 s threshold with a peer down');
    assert.match(later.body, /"ok":true/);
  });

  it('the peer goes down and comes back: calicoctl, -bird-ready, metrics and readiness follow', async function () {
    await bird.stop();
    await petrel.waitForPeer(birdHost.v4, 'down', (p) => p.state !== 'Established', 20_000);
    const v4 = await calicoctlPeers(petrel.birdSocket, '4');
    const p = peerOf(v4, birdHost.v4);
    assert.equal(p.state, 'start');
    assert.notEqual(p.bgpState, 'Established');
    assert.notEqual(p.info, '', 'the reason the session went down');
    const v6 = await waitFor('bird6 peer down', 20_000, async () => {
      const x = await calicoctlPeers(petrel.bird6Socket, '6');
      return x[0]?.bgpState !== 'Established' ? x : undefined;
    });
    assert.equal(v6[0]!.state, 'start');
    // No peer Established: not ready by either rule.
    const verdict = await birdReady(petrel.birdSocket, '4', false);
    assert.equal(verdict.ready, false);
    assert.match(verdict.message, new RegExp(`${birdHost.v4.replaceAll('.', '\\.')}`));
    const r = await http('/readiness');
    assert.equal(r.status, 503);
    const m = (await http('/metrics')).body;
    assert.equal(metric(m, 'petrel_bgp_peer_up', { peer: globalPeerName(birdHost.v4) }), 0);
    assert.equal(metric(m, 'petrel_bgp_peer_state', { peer: globalPeerName(birdHost.v4), state: 'Established' }), 0);
    assert.equal(metric(m, 'petrel_bgp_peer_uptime_seconds', { peer: globalPeerName(birdHost.v4) }), 0);
    assert.ok((metric(m, 'petrel_bgp_notifications_received_total', { peer: globalPeerName(birdHost.v4), code: '6' }) ?? 0) >= 1, 'the Cease BIRD sent on shutdown');

    bird = await startBird2(birdOpts);
    await petrel.waitForState(birdHost.v4, 'Established', 40_000);
    const back = peerOf(await calicoctlPeers(petrel.birdSocket, '4'), birdHost.v4);
    assert.deepEqual([back.state, back.bgpState], ['up', 'Established']);
    assert.deepEqual(await birdReady(petrel.birdSocket, '4', false), { ready: true, message: '' });
    await waitFor('ready again', 20_000, async () => ((await http('/readiness')).status === 200 ? true : undefined), 500);
    const m2 = (await http('/metrics')).body;
    assert.equal(metric(m2, 'petrel_bgp_peer_up', { peer: globalPeerName(birdHost.v4) }), 1);
  });
});
