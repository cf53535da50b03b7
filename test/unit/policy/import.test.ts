import assert from 'node:assert/strict';
import { countAs, importVerdict } from '../../../src/policy/import.js';

describe('policy: import rules', () => {
  it('drops a path that already crossed our AS (RFC 4271 §9.1.2)', () => {
    const v = importVerdict([{ type: 2, asns: [65001, 64512, 65002] }], { localAs: 64512, allowLocalAs: 0 });
    assert.equal(v.accept, false);
    assert.match((v as { reason: string }).reason, /64512/);
  });
  it('accepts our AS up to numAllowedLocalASNumbers times (BIRD allow local as)', () => {
    const path = [{ type: 2 as const, asns: [65001, 64512] }, { type: 1 as const, asns: [64512, 7] }];
    assert.equal(countAs(path, 64512), 2);
    assert.equal(importVerdict(path, { localAs: 64512, allowLocalAs: 1 }).accept, false);
    assert.equal(importVerdict(path, { localAs: 64512, allowLocalAs: 2 }).accept, true);
  });
  it('accepts paths without our AS, including the empty iBGP path', () => {
    assert.equal(importVerdict([], { localAs: 64512, allowLocalAs: 0 }).accept, true);
    assert.equal(importVerdict([{ type: 2, asns: [65001] }], { localAs: 64512, allowLocalAs: 0 }).accept, true);
  });
});
