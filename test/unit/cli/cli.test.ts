import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));

async function petrel(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = run(process.execPath, ['--import', 'tsx', main, ...args], { timeout: 20000 });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('cli: petrel', function () {
  this.timeout(40000);
  it('demo round-trips every message byte-exact and answers hostile input per the RFCs', async () => {
    const r = await petrel(['demo', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      mesh: { node: string; peers: { state: string }[]; paths: { prefix: string; nextHops: string[]; best: boolean; source: string }[] }[];
      messages: { title: string; byteExact: boolean }[];
      hostile: { title: string; outcome: string }[];
    };
    // Three real daemons meshed on loopback: every node has two Established peers,
    // its own block as a static blackhole and the other two blocks as best BGP paths.
    assert.deepEqual(out.mesh.map((n) => n.node), ['k8s-ctr', 'k8s-w1', 'k8s-w2']);
    for (const n of out.mesh) {
      assert.deepEqual(n.peers.map((p) => p.state), ['Established', 'Established'], n.node);
      assert.equal(n.paths.length, 3, n.node);
      assert.ok(n.paths.every((p) => p.best), n.node);
    }
    const w1 = out.mesh.find((n) => n.node === 'k8s-w1')!;
    assert.deepEqual(w1.paths.map((p) => `${p.prefix} ${p.source} via ${p.nextHops[0] ?? 'blackhole'}`).sort(), [
      '172.16.158.0/26 static1 via blackhole',
      '172.16.184.0/26 Mesh_127_0_10_102 via 127.0.10.102',
      '172.16.34.0/26 Mesh_127_0_10_10 via 127.0.10.10',
    ]);
    assert.ok(out.messages.length >= 8);
    for (const m of out.messages) assert.equal(m.byteExact, true, m.title);
    const outcome = (needle: string) => out.hostile.find((h) => h.title.includes(needle))!.outcome;
    assert.match(outcome('ORIGIN with value 3'), /^treat-as-withdraw/);
    assert.match(outcome('ATOMIC_AGGREGATE'), /^attribute-discard/);
    assert.match(outcome('unknown well-known'), /^NOTIFICATION 3\/2 /);
    assert.match(outcome('prefix length 33'), /^NOTIFICATION 3\/10 /);
    assert.match(outcome('marker'), /^NOTIFICATION 1\/1 /);
  });

  it('decode prints each message as JSON, from arguments or stdin', async () => {
    const withdraw = 'ffffffffffffffffffffffffffffffff001c0200051aac1022800000';
    const r = await petrel(['decode', withdraw]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { type: 'UPDATE', withdrawn: ['172.16.34.128/26'], attributes: [], nlri: [] });
    const two = await petrel(['decode'], `${withdraw}\nffffffffffffffffffffffffffffffff001304\n`);
    assert.equal(two.code, 0, two.stderr);
    assert.deepEqual(two.stdout.trim().split('\n').map((l) => JSON.parse(l).type), ['UPDATE', 'KEEPALIVE']);
  });

  it('decode reports the NOTIFICATION petrel would send and exits 1', async () => {
    const r = await petrel(['decode', '00ffffffffffffffffffffffffffffff001304']);
    assert.equal(r.code, 1);
    const n = JSON.parse(r.stdout).notification;
    assert.equal(n.code, 1);
    assert.equal(n.subcode, 1);
  });

  it('decode honours --two-octet-as', async () => {
    // AS_PATH 40 02 04 02 01 fde8 is one 2-octet ASN, 65000; read as 4-octet it would be malformed.
    const hex = 'ffffffffffffffffffffffffffffffff002d0200000012400101004002040201fde8400304c0a8140118 0a0001';
    const r = await petrel(['decode', '--two-octet-as', ...hex.split(' ')]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).attributes[1], { kind: 'AS_PATH', segments: [{ type: 'sequence', asns: [65000] }] });
    const four = await petrel(['decode', ...hex.split(' ')]);
    assert.equal(JSON.parse(four.stdout).action, 'treat-as-withdraw');
  });

  it('rejects unknown commands with usage and exit 2', async () => {
    const r = await petrel(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command 'frobnicate'/);
  });
});
