/** Hostile datastore content never crashes the loader or the translation: it is a CalicoConfigError or a valid state. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CalicoConfigError, computeDesiredState, loadResources, UnknownNodeError } from '../../../src/calico/index.js';

const seed = `apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: p}
spec: {nodeSelector: "has(a) && b in {'x'}", peerIP: "[fd00::1]:179", asNumber: 65000, filters: [f]}
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: me, labels: {a: "1"}}
spec: {bgp: {ipv4Address: 10.0.0.1/24, ipv6Address: fd00::2/64}}
---
apiVersion: projectcalico.org/v3
kind: BGPFilter
metadata: {name: f}
spec: {exportV6: [{action: Accept, matchOperator: In, cidr: "fd00::/8", prefixLength: {min: 9}}]}
`;

function tryAll(text: string): void {
  try {
    const r = loadResources(text, 'fuzz');
    computeDesiredState(r, 'me');
  } catch (e) {
    if (e instanceof CalicoConfigError || e instanceof UnknownNodeError) return;
    throw e;
  }
}

describe('calico: hostile input', function () {
  this.timeout(60000);
  it('random text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (s) => tryAll(s)), { numRuns: 300 });
  });

  it('mutated valid datastores (characters replaced, cut, spliced)', () => {
    fc.assert(
      fc.property(fc.nat(seed.length - 1), fc.string({ maxLength: 8 }), fc.nat(seed.length), (at, insert, cut) => {
        tryAll(seed.slice(0, at) + insert + seed.slice(at + 1));
        tryAll(seed.slice(0, cut));
      }),
      { numRuns: 300 },
    );
  });

  it('structurally wrong but well-formed YAML', () => {
    for (const text of ['[]', '42', 'kind: [a]', 'kind: Node\nmetadata: []', 'kind: Node\napiVersion: projectcalico.org/v3\nmetadata: {name: me}\nspec: [1, 2]', 'kind: BGPPeer\napiVersion: projectcalico.org/v3\nmetadata: {name: x}\nspec: {filters: {a: b}}', 'kind: List\nitems: [1, {kind: Node}]']) {
      assert.throws(() => loadResources(text, 'x'), CalicoConfigError, text);
    }
  });

  it('a billion-laughs style document is refused, not expanded', () => {
    const laughs = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n';
    assert.throws(() => loadResources(laughs, 'x'), CalicoConfigError);
  });
});
