import assert from 'node:assert/strict';
import { computeDesiredState, diffDesiredState, loadResources, sessionsDisturbed, type StateChange } from '../../../src/calico/index.js';

const node = (name: string, ip: string) => `apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: ${name}}\nspec: {bgp: {ipv4Address: ${ip}}}\n`;
const base = [
  `apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata: {name: default}\nspec: {asNumber: 64512}\n`,
  node('me', '10.0.0.2/24'),
  node('b', '10.0.0.3/24'),
  node('c', '10.0.0.4/24'),
  `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {k: one, k2: two}\n`,
  `apiVersion: projectcalico.org/v3\nkind: BGPFilter\nmetadata: {name: f}\nspec: {exportV4: [{action: Reject}]}\n`,
  `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 192.168.0.0/16}\n`,
];
const tor = (extra: string) =>
  `apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: tor}\nspec: {node: me, peerIP: 10.0.0.254${extra.includes('asNumber') ? '' : ', asNumber: 65000'}${extra}}\n`;
const state = (docs: string[]) => computeDesiredState(loadResources(docs.join('---\n'), 't'), 'me');

function change(changes: StateChange[], name: string) {
  const c = changes.find((x) => 'name' in x && x.name === name);
  assert.ok(c, `no change for ${name}: ${JSON.stringify(changes.map((x) => x.kind))}`);
  return c;
}

describe('calico diffDesiredState', () => {
  const before = state([...base, tor('')]);

  it('no change, no changes', () => {
    assert.deepEqual(diffDesiredState(before, state([...base, tor('')])), []);
  });

  it('the first state adds every session', () => {
    const ch = diffDesiredState(null, before);
    assert.deepEqual(ch.filter((c) => c.kind === 'peerAdded').map((c) => (c as { name: string }).name), before.peers.map((p) => p.name));
  });

  it('a new node joining the mesh adds one session and disturbs no other', () => {
    const after = state([...base, tor(''), node('d', '10.0.0.5/24')]);
    const ch = diffDesiredState(before, after);
    const peerChanges = ch.filter((c) => c.kind.startsWith('peer'));
    assert.deepEqual(peerChanges.map((c) => [c.kind, (c as { name: string }).name]), [['peerAdded', 'Mesh_10_0_0_5']]);
    assert.deepEqual(sessionsDisturbed(ch), []);
  });

  it('a node leaving removes only its session', () => {
    const ch = diffDesiredState(before, state([...base.filter((d) => !d.includes('name: c}')), tor('')]));
    assert.deepEqual(sessionsDisturbed(ch), ['Mesh_10_0_0_4']);
    assert.equal(ch.filter((c) => c.kind === 'peerChanged').length, 0);
  });

  const resets: [string, string, string[]][] = [
    ['peer AS', ', asNumber: 65001', ['asNumber']],
    ['local AS', ', localASNumber: 65010', ['localAsNumber', 'localAs']],
    ['iBGP instead of eBGP', ', asNumber: 64512', ['asNumber', 'internal']],
    ['password set', ', password: {secretKeyRef: {name: s, key: k}}', ['password']],
    ['TTL security', ', ttlSecurity: 2', ['ttlSecurity', 'multihop']],
    ['source address', ', sourceAddress: None', ['sourceAddress']],
    ['graceful restart time', ', maxRestartTime: 30s', ['gracefulRestartTime']],
  ];
  for (const [what, extra, fields] of resets) {
    it(`${what} resets that session only`, () => {
      const ch = diffDesiredState(before, state([...base, tor(extra)]));
      const c = change(ch, 'Node_10_0_0_254');
      assert.equal(c.kind, 'peerChanged');
      if (c.kind !== 'peerChanged') return;
      assert.deepEqual([...c.changedFields].sort(), [...fields].sort());
      assert.equal(c.resetRequired, true);
      assert.deepEqual(sessionsDisturbed(ch), ['Node_10_0_0_254']);
    });
  }

  it('changing the password in the Secret resets the sessions that use it', () => {
    const a = state([...base, tor(', password: {secretKeyRef: {name: s, key: k}}')]);
    const b = state([...base.map((d) => d.replace('k: one', 'k: uno')), tor(', password: {secretKeyRef: {name: s, key: k}}')]);
    assert.deepEqual(sessionsDisturbed(diffDesiredState(a, b)), ['Node_10_0_0_254']);
  });

  const soft: [string, string, string[], 'reimport' | 'reexport' | 'none'][] = [
    ['keepalive time', ', keepaliveTime: 10s', ['keepaliveTime'], 'none'],
    ['export filter', ', filters: [f]', ['exportFilters'], 'reexport'],
    ['next hop', ', nextHopMode: Self', ['nextHop'], 'reexport'],
    ['allowed local AS', ', numAllowedLocalASNumbers: 1', ['allowLocalAs'], 'reimport'],
    ['reachableBy', ', reachableBy: 10.0.0.1', ['reachableBy'], 'none'],
  ];
  for (const [what, extra, fields, action] of soft) {
    it(`${what} changes the session without a reset`, () => {
      const ch = diffDesiredState(before, state([...base, tor(extra)]));
      const c = change(ch, 'Node_10_0_0_254');
      if (c.kind !== 'peerChanged') return assert.fail(c.kind);
      assert.deepEqual([...c.changedFields], fields);
      assert.equal(c.resetRequired, false);
      assert.equal(c.reimportRequired, action === 'reimport');
      assert.equal(c.reexportRequired, action === 'reexport');
      assert.deepEqual(sessionsDisturbed(ch), []);
    });
  }

  it('a new router ID or node AS resets every session that uses it', () => {
    const ch = diffDesiredState(before, state([...base.map((d) => d.replace('asNumber: 64512', 'asNumber: 64513')), tor('')]));
    // The mesh peers' AS follows the global AS too; the ToR keeps its AS but our local AS changed.
    assert.deepEqual(sessionsDisturbed(ch).sort(), ['Mesh_10_0_0_3', 'Mesh_10_0_0_4', 'Node_10_0_0_254']);
    const a = computeDesiredState(loadResources([...base, tor('')].join('---\n'), 't'), 'me', { CALICO_ROUTER_ID: '9.9.9.9' });
    assert.deepEqual(sessionsDisturbed(diffDesiredState(before, a)).sort(), before.peers.map((p) => p.name).sort());
  });

  it('pool and block changes are policy changes, not session changes', () => {
    const ba = `apiVersion: projectcalico.org/v3\nkind: BlockAffinity\nmetadata: {name: b1}\nspec: {node: me, cidr: 192.168.5.0/26}\n`;
    const ch = diffDesiredState(before, state([...base.map((d) => d.replace('cidr: 192.168.0.0/16}', 'cidr: 192.168.0.0/16, disableBGPExport: true}')), tor(''), ba]));
    assert.deepEqual(ch.map((c) => c.kind).sort(), ['exportPolicyChanged', 'originateChanged', 'poolsChanged']);
    const orig = ch.find((c) => c.kind === 'originateChanged');
    assert.deepEqual(orig?.kind === 'originateChanged' ? orig.added : null, [{ prefix: '192.168.5.0/26', blackhole: true, exported: false }]);
    assert.deepEqual(sessionsDisturbed(ch), []);
  });
});
