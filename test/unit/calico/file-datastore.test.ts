import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDatastore, parseDatastoreUrl, type DatastoreLogger, type DatastoreRejection, type DatastoreUpdate } from '../../../src/calico/index.js';

const node = (name: string, ip: string) => `apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: ${name}}\nspec: {bgp: {ipv4Address: ${ip}}}\n`;
const three = [node('me', '10.0.0.2/24'), node('b', '10.0.0.3/24'), node('c', '10.0.0.4/24')].join('---\n');

function quietLogger(lines: string[]): DatastoreLogger {
  return { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
}

/** Resolve with the next event of a kind, or fail after a timeout. */
function next<T>(ds: FileDatastore, event: 'update' | 'rejected', ms = 4000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    ds.once(event, (v: unknown) => {
      clearTimeout(t);
      resolve(v as T);
    });
  });
}

describe('calico FileDatastore', function () {
  this.timeout(15000);
  let dir: string;
  let file: string;
  let ds: FileDatastore | null = null;
  const logs: string[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'petrel-ds-'));
    file = join(dir, 'calico.yaml');
    logs.length = 0;
  });
  afterEach(async () => {
    ds?.stop();
    ds = null;
    await rm(dir, { recursive: true, force: true });
  });

  const open = async (text: string) => {
    await writeFile(file, text);
    ds = new FileDatastore({ path: file, nodeName: 'me', debounceMs: 50, pollIntervalMs: 200, logger: quietLogger(logs) });
    return ds.start();
  };

  it('parses file: URLs', () => {
    assert.equal(parseDatastoreUrl('file:/etc/calico.yaml'), '/etc/calico.yaml');
    assert.equal(parseDatastoreUrl('file:///etc/calico.yaml'), '/etc/calico.yaml');
    assert.throws(() => parseDatastoreUrl('kubernetes:'), /not supported yet/);
    assert.throws(() => parseDatastoreUrl('file:'), /needs a path/);
  });

  it('refuses to start on an invalid file, naming the problem', async () => {
    await assert.rejects(open('kind: IPPool\napiVersion: projectcalico.org/v3\nmetadata: {name: p}\nspec: {cidr: nope}\n'), /IPPool "p".*spec.cidr: "nope" is not a CIDR/);
  });

  it('applies an in-place edit as a diff: a joining node adds one session', async () => {
    const first = await open(three);
    assert.deepEqual(first.peers.map((p) => p.name), ['Mesh_10_0_0_3', 'Mesh_10_0_0_4']);
    const update = next<DatastoreUpdate>(ds!, 'update');
    await writeFile(file, `${three}---\n${node('d', '10.0.0.5/24')}`);
    const u = await update;
    assert.deepEqual(u.changes.filter((c) => c.kind.startsWith('peer')).map((c) => c.kind + ' ' + (c as { name: string }).name), ['peerAdded Mesh_10_0_0_5']);
    assert.equal(u.previous?.peers.length, 2);
    assert.equal(ds!.current?.peers.length, 3);
  });

  it('follows an editor that writes a new file and renames it over the old one', async () => {
    await open(three);
    const update = next<DatastoreUpdate>(ds!, 'update');
    const tmp = join(dir, '.calico.yaml.swp');
    await writeFile(tmp, [node('me', '10.0.0.2/24'), node('b', '10.0.0.3/24')].join('---\n'));
    await rename(tmp, file);
    const u = await update;
    assert.deepEqual(u.changes.filter((c) => c.kind.startsWith('peer')).map((c) => c.kind), ['peerRemoved']);
  });

  it('keeps the previous state when the file is half-written or invalid, and recovers', async () => {
    await open(three);
    const rejected = next<DatastoreRejection>(ds!, 'rejected');
    await writeFile(file, `${three}---\nkind: Node\napiVersion: projectcalico.org/v3\nmetadata: {name: d}\nspec: {bgp: {ipv4Address: 10.0.0.5/2`); // cut mid-write
    const r = await rejected;
    assert.equal(r.reason, 'invalid');
    assert.equal(r.kept?.peers.length, 2);
    assert.ok(logs.some((l) => l.startsWith('error') && l.includes('keeping the previous state')));
    assert.equal(ds!.current?.peers.length, 2);
    const update = next<DatastoreUpdate>(ds!, 'update');
    await writeFile(file, `${three}---\n${node('d', '10.0.0.5/24')}`);
    assert.deepEqual((await update).changes.filter((c) => c.kind === 'peerAdded').length, 1);
  });

  it('keeps the previous state while the file is missing, and picks it up when it returns', async () => {
    await open(three);
    const rejected = next<DatastoreRejection>(ds!, 'rejected');
    await unlink(file);
    assert.equal((await rejected).reason, 'missing');
    assert.equal(ds!.current?.peers.length, 2);
    const update = next<DatastoreUpdate>(ds!, 'update');
    await writeFile(file, node('me', '10.0.0.2/24'));
    const u = await update;
    assert.equal(u.state.peers.length, 0);
  });

  it('a rewrite with identical content produces no update', async () => {
    await open(three);
    let updates = 0;
    ds!.on('update', () => updates++);
    await writeFile(file, three);
    await ds!.reload();
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(updates, 0);
  });

  it('rejects a file that no longer contains this node', async () => {
    await open(three);
    const rejected = next<DatastoreRejection>(ds!, 'rejected');
    await writeFile(file, node('b', '10.0.0.3/24'));
    const r = await rejected;
    assert.match(r.message, /Node "me" is not in the datastore/);
  });
});
