import assert from 'node:assert/strict';
import { parsePrefix } from '../../../src/lib/prefix.js';
import { applyOperations, runFilters, subjectOf, type FilterRule, type FilterSet } from '../../../src/policy/bgp-filter.js';
import type { PathAttribute } from '../../../src/wire/index.js';

const rule = (o: Partial<FilterRule> & Pick<FilterRule, 'action'>): FilterRule => ({
  matchOperator: null,
  cidr: null,
  prefixLength: null,
  source: null,
  interface: null,
  peerType: null,
  communities: null,
  asPathPrefix: null,
  priority: null,
  operations: [],
  ...o,
});
const subject = (prefix: string, attrs: PathAttribute[] = [], fromBgp = true) => subjectOf(parsePrefix(prefix)!, attrs, fromBgp);
const verdict = (filters: FilterSet[], prefix: string, attrs: PathAttribute[] = [], sameAs = true) => runFilters(filters, subject(prefix, attrs), sameAs).action;

describe('policy: BGPFilter rules at run time (confd\'s BIRD functions)', () => {
  // The match_operators golden: In ~, NotIn !~, Equal =, NotEqual !=, first match decides.
  const golden: FilterSet = {
    name: 'test-filter-match-operators',
    rules: [
      rule({ action: 'accept', matchOperator: 'In', cidr: '44.0.0.0/16' }),
      rule({ action: 'reject', matchOperator: 'NotIn', cidr: '44.1.0.0/16' }),
      rule({ action: 'accept', matchOperator: 'Equal', cidr: '44.2.0.0/16' }),
      rule({ action: 'reject', matchOperator: 'NotEqual', cidr: '44.3.0.0/16' }),
    ],
  };

  it('match operators in order, the first matching rule deciding', () => {
    assert.equal(verdict([golden], '44.0.5.0/24'), 'accept', 'inside 44.0.0.0/16: rule 1');
    assert.equal(verdict([golden], '10.0.0.0/8'), 'reject', 'outside 44.1.0.0/16: rule 2');
    assert.equal(verdict([golden], '44.1.0.0/24'), 'reject', 'inside 44.1.0.0/16: not rule 2 nor 3; rule 4 (not equal to 44.3.0.0/16)');
  });

  it('Equal is the exact prefix only; NotEqual everything else', () => {
    const eq: FilterSet = { name: 'eq', rules: [rule({ action: 'accept', matchOperator: 'Equal', cidr: '10.1.0.0/16' })] };
    assert.equal(verdict([eq], '10.1.0.0/16'), 'accept');
    assert.equal(verdict([eq], '10.1.0.0/24'), null);
    const ne: FilterSet = { name: 'ne', rules: [rule({ action: 'reject', matchOperator: 'NotEqual', cidr: '10.1.0.0/16' })] };
    assert.equal(verdict([ne], '10.1.0.0/16'), null);
    assert.equal(verdict([ne], '10.1.0.0/24'), 'reject');
  });

  it('prefixLength limits In to a length range; IPv6 prefixes compare bit by bit', () => {
    const f: FilterSet = { name: 'len', rules: [rule({ action: 'accept', matchOperator: 'In', cidr: '10.0.0.0/8', prefixLength: { min: 16, max: 24 } })] };
    assert.equal(verdict([f], '10.5.0.0/16'), 'accept');
    assert.equal(verdict([f], '10.5.5.128/25'), null);
    assert.equal(verdict([f], '10.0.0.0/8'), null);
    const v6: FilterSet = { name: 'v6', rules: [rule({ action: 'reject', matchOperator: 'In', cidr: '9000:1::/33' })] };
    assert.equal(verdict([v6], '9000:1:7fff::/48'), 'reject');
    assert.equal(verdict([v6], '9000:1:8000::/48'), null, 'bit 33 differs');
    assert.equal(verdict([v6], '10.0.0.0/8'), null, 'another family never matches');
  });

  it('peerType, source, communities, AS path prefix and priority conditions, all of a rule\'s conditions together', () => {
    const attrs: PathAttribute[] = [
      { kind: 'AS_PATH', segments: [{ type: 2, asns: [65001, 65002, 65003] }] },
      { kind: 'COMMUNITIES', communities: [((65000 << 16) | 7) >>> 0] },
      { kind: 'LARGE_COMMUNITY', communities: [{ globalAdmin: 1, localData1: 2, localData2: 3 }] },
      { kind: 'LOCAL_PREF', localPref: 2147483647 - 512 },
    ];
    const f = (r: Partial<FilterRule>): FilterSet[] => [{ name: 'x', rules: [rule({ action: 'reject', ...r })] }];
    assert.equal(verdict(f({ peerType: 'eBGP' }), '10.0.0.0/24', attrs, true), null);
    assert.equal(verdict(f({ peerType: 'eBGP' }), '10.0.0.0/24', attrs, false), 'reject');
    assert.equal(runFilters(f({ source: 'RemotePeers' }), subject('10.0.0.0/24', attrs, false), true).action, null, 'our own block is not from a remote peer');
    assert.equal(verdict(f({ communities: ['65000:7'] }), '10.0.0.0/24', attrs), 'reject');
    assert.equal(verdict(f({ communities: ['1:2:3'] }), '10.0.0.0/24', attrs), 'reject');
    assert.equal(verdict(f({ communities: ['65000:7', '65000:8'] }), '10.0.0.0/24', attrs), null);
    assert.equal(verdict(f({ asPathPrefix: [65001, 65002] }), '10.0.0.0/24', attrs), 'reject');
    assert.equal(verdict(f({ asPathPrefix: [65002] }), '10.0.0.0/24', attrs), null);
    assert.equal(verdict(f({ priority: 512 }), '10.0.0.0/24', attrs), 'reject');
    assert.equal(verdict(f({ priority: 512, matchOperator: 'In', cidr: '11.0.0.0/8' }), '10.0.0.0/24', attrs), null);
    assert.equal(verdict(f({ interface: 'eth*' }), '10.0.0.0/24', attrs), null, 'a BGP route has no interface');
  });

  it('filters run in the order the peer lists them; no match falls through', () => {
    const a: FilterSet = { name: 'a', rules: [rule({ action: 'accept', matchOperator: 'In', cidr: '10.0.0.0/8' })] };
    const b: FilterSet = { name: 'b', rules: [rule({ action: 'reject' })] };
    assert.equal(runFilters([a, b], subject('10.1.0.0/16'), true).key, 'a#0');
    assert.equal(runFilters([b, a], subject('10.1.0.0/16'), true).key, 'b#0');
    assert.equal(runFilters([a], subject('192.168.0.0/16'), true).action, null);
  });

  it('operations: community added once, AS numbers prepended in the order given, priority as LOCAL_PREF', () => {
    const base: PathAttribute[] = [{ kind: 'ORIGIN', origin: 0 }, { kind: 'AS_PATH', segments: [{ type: 2, asns: [65001] }] }];
    const out = applyOperations(base, [{ addCommunity: '65000:100' }, { addCommunity: '65000:100' }, { addCommunity: '7:8:9' }, { prependASPath: [64512, 64513] }, { setPriority: 100 }]);
    assert.deepEqual(out.find((x) => x.kind === 'COMMUNITIES'), { kind: 'COMMUNITIES', communities: [((65000 << 16) | 100) >>> 0] });
    assert.deepEqual(out.find((x) => x.kind === 'LARGE_COMMUNITY'), { kind: 'LARGE_COMMUNITY', communities: [{ globalAdmin: 7, localData1: 8, localData2: 9 }] });
    assert.deepEqual(out.find((x) => x.kind === 'AS_PATH'), { kind: 'AS_PATH', segments: [{ type: 2, asns: [64512, 64513, 65001] }] });
    assert.deepEqual(out.find((x) => x.kind === 'LOCAL_PREF'), { kind: 'LOCAL_PREF', localPref: 2147483547 });
    assert.equal(base.length, 2, 'the input is not changed');
  });
});
