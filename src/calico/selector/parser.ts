/**
 * Recursive-descent parser for Calico selectors. Precedence, loosest first:
 * `||`, `&&`, then `!` (which may repeat) on a single operation or a
 * parenthesised expression. An empty selector means all().
 */
import type { Selector } from './ast.js';
import { SelectorSyntaxError, tokenize, type Token, type TokenKind } from './tokenizer.js';

const MAX_NESTING = 100;

export function parseSelector(text: string): Selector {
  const tokens = tokenize(text);
  let at = 0;
  const peek = (): Token => tokens[at]!;
  const err = (t: Token, reason: string): never => {
    throw new SelectorSyntaxError(text, t.pos, reason);
  };
  const describeToken = (t: Token): string =>
    t.kind === 'eof' ? 'end of selector' : t.kind === 'label' ? `label '${t.value}'` : t.kind === 'string' ? `string '${t.value}'` : `'${t.kind}'`;
  const expect = (kind: TokenKind, what: string): Token => {
    const t = peek();
    if (t.kind !== kind) err(t, `expected ${what}, found ${describeToken(t)}`);
    at++;
    return t;
  };

  const parseOr = (depth: number): Selector => {
    const operands = [parseAnd(depth)];
    while (peek().kind === '||') {
      at++;
      operands.push(parseAnd(depth));
    }
    return operands.length === 1 ? operands[0]! : { op: 'or', operands };
  };

  const parseAnd = (depth: number): Selector => {
    const operands = [parseOperation(depth)];
    while (peek().kind === '&&') {
      at++;
      operands.push(parseOperation(depth));
    }
    return operands.length === 1 ? operands[0]! : { op: 'and', operands };
  };

  const parseOperation = (depth: number): Selector => {
    let negated = false;
    while (peek().kind === '!') {
      negated = !negated;
      at++;
    }
    const t = peek();
    let node: Selector;
    switch (t.kind) {
      case 'all':
        at++;
        node = { op: 'all' };
        break;
      case 'global':
        at++;
        node = { op: 'global' };
        break;
      case 'has':
        at++;
        node = { op: 'has', label: t.value };
        break;
      case 'label': {
        at++;
        const opTok = peek();
        at++;
        switch (opTok.kind) {
          case '==':
          case '!=':
          case 'contains':
          case 'starts with':
          case 'ends with': {
            const v = expect('string', 'a quoted string');
            node = { op: opTok.kind, label: t.value, value: v.value };
            break;
          }
          case 'in':
          case 'not in': {
            expect('{', "a set literal '{...}'");
            const values: string[] = [];
            if (peek().kind === 'string') {
              values.push(peek().value);
              at++;
              while (peek().kind === ',') {
                at++;
                values.push(expect('string', 'a quoted string').value);
              }
            }
            expect('}', "'}'");
            node = { op: opTok.kind, label: t.value, values: [...new Set(values)].sort() };
            break;
          }
          default:
            return err(opTok, `expected an operator after label '${t.value}', found ${describeToken(opTok)}`);
        }
        break;
      }
      case '(': {
        if (depth >= MAX_NESTING) err(t, `parentheses nested deeper than ${MAX_NESTING}`);
        at++;
        node = parseOr(depth + 1);
        expect(')', "')'");
        break;
      }
      default:
        return err(t, `expected a label, has(), all() or '(', found ${describeToken(t)}`);
    }
    return negated ? { op: 'not', operand: node } : node;
  };

  if (peek().kind === 'eof') return { op: 'all' };
  const result = parseOr(0);
  if (peek().kind !== 'eof') err(peek(), `unexpected ${describeToken(peek())} after a complete expression`);
  return result;
}
