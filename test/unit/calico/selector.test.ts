import assert from 'node:assert/strict';
import { evaluateSelector, parseSelector, selectorToString, SelectorSyntaxError } from '../../../src/calico/index.js';

const labels = { app: 'web', tier: 'front-end', 'route-reflector': 'true', 'kubernetes.io/hostname': 'node-1' };
const match = (s: string, l: Record<string, string> = labels): boolean => evaluateSelector(parseSelector(s), l);

describe('calico selector language', () => {
  it('all() and the empty selector match everything', () => {
    assert.equal(match('all()'), true);
    assert.equal(match(''), true);
    assert.equal(match('all()', {}), true);
  });

  it('has() and !has()', () => {
    assert.equal(match('has(app)'), true);
    assert.equal(match('has(missing)'), false);
    assert.equal(match('!has(missing)'), true);
    assert.equal(match('! has( app )'), false);
    assert.equal(match('has(kubernetes.io/hostname)'), true);
  });

  it('== and != (a missing label is != anything)', () => {
    assert.equal(match("app == 'web'"), true);
    assert.equal(match('app=="web"'), true);
    assert.equal(match("app == 'db'"), false);
    assert.equal(match("app != 'db'"), true);
    assert.equal(match("missing != 'x'"), true);
    assert.equal(match("missing == ''"), false);
  });

  it('in {} and not in {} (a missing label is not in any set)', () => {
    assert.equal(match("app in {'web', 'db'}"), true);
    assert.equal(match("app in {'db'}"), false);
    assert.equal(match('app in {}'), false);
    assert.equal(match("app not in {'db'}"), true);
    assert.equal(match("missing not in {'x'}"), true);
    assert.equal(match("missing in {'x'}"), false);
  });

  it('contains, starts with, ends with', () => {
    assert.equal(match("tier contains 'nt-e'"), true);
    assert.equal(match("tier starts with 'front'"), true);
    assert.equal(match("tier ends with 'end'"), true);
    assert.equal(match("missing starts with ''"), false);
  });

  it('&& binds tighter than ||, ! applies to one operation, parentheses group', () => {
    // a || b && c  ==  a || (b && c)
    assert.equal(match("app == 'web' || app == 'db' && tier == 'nope'"), true);
    assert.equal(match("(app == 'web' || app == 'db') && tier == 'nope'"), false);
    assert.equal(match("!app == 'web' || has(tier)"), true);
    assert.equal(match("!(app == 'web' || has(tier))"), false);
    assert.equal(match("!!has(app)"), true);
    assert.equal(match("has(app) && (has(tier) && (has(route-reflector)))"), true);
  });

  it('global() matches resources without a namespace', () => {
    assert.equal(match('global()'), true);
    assert.equal(match('global()', { 'projectcalico.org/namespace': 'default' }), false);
  });

  it('prints a canonical form that parses back to the same meaning', () => {
    for (const s of ["a == 'x' || b in {'y','z'} && !has(c)", "!(a == 'x' || b != 'y')", "a not in {'q'}", "k starts with \"it's\""]) {
      const p = parseSelector(s);
      assert.deepEqual(parseSelector(selectorToString(p)), p, s);
    }
  });

  it('reports syntax errors with their position', () => {
    const cases: [string, number, RegExp][] = [
      ['has(app', 7, /expected '\)' to close has\(/],
      ["app == 'web", 7, /unterminated string/],
      ['app = "web"', 4, /expected '=='/],
      ["app == 'web' &", 13, /expected '&&'/],
      ["app == 'web' |", 13, /expected '\|\|'/],
      ['app', 3, /expected an operator after label 'app', found end of selector/],
      ['app == web', 7, /expected a quoted string, found label 'web'/],
      ["app in 'web'", 7, /expected a set literal/],
      ["app in {'a' 'b'}", 12, /expected '}'/],
      ["(app == 'web'", 13, /expected '\)'/],
      ["app == 'web')", 12, /unexpected '\)' after a complete expression/],
      ["&& app == 'x'", 0, /expected a label, has\(\), all\(\) or '\('/],
      ['app ~ "x"', 4, /expected an operator/],
      ['app starts "x"', 4, /expected 'starts with'/],
      ['all(x)', 4, /expected '\)' to close all\(/],
      ['has()', 4, /expected a label name in has\(/],
      ['app == $', 7, /unexpected character '\$'/],
    ];
    for (const [text, pos, re] of cases) {
      assert.throws(
        () => parseSelector(text),
        (e: unknown) => e instanceof SelectorSyntaxError && e.position === pos && re.test(e.message) && e.message.includes(text),
        text,
      );
    }
  });

  it('refuses absurd nesting and length instead of overflowing the stack', () => {
    assert.throws(() => parseSelector('('.repeat(5000) + 'all()' + ')'.repeat(5000)), SelectorSyntaxError);
    assert.throws(() => parseSelector(`a == '${'x'.repeat(20000)}'`), SelectorSyntaxError);
  });
});
