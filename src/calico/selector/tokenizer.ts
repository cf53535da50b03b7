/**
 * Tokens of Calico's selector language, following libcalico-go's tokenizer:
 * label keys are [a-zA-Z0-9_./-]+, strings are single- or double-quoted with
 * no escapes, and `in`, `not in`, `contains`, `starts with`, `ends with` are
 * operators only right after a label.
 */
export type TokenKind =
  | 'label'
  | 'string'
  | '('
  | ')'
  | '{'
  | '}'
  | ','
  | '=='
  | '!='
  | '!'
  | '&&'
  | '||'
  | 'in'
  | 'not in'
  | 'contains'
  | 'starts with'
  | 'ends with'
  | 'all'
  | 'global'
  | 'has'
  | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Label name, string value, or has()'s label. */
  readonly value: string;
  /** 0-based character offset in the selector text. */
  readonly pos: number;
}

export class SelectorSyntaxError extends Error {
  constructor(
    readonly selector: string,
    readonly position: number,
    readonly reason: string,
  ) {
    super(`${reason} at position ${position} in selector "${selector}"`);
    this.name = 'SelectorSyntaxError';
  }
}

const MAX_SELECTOR_LENGTH = 16384;
const LABEL_CHAR = /[a-zA-Z0-9_./-]/;

function labelAt(input: string, i: number): string {
  let j = i;
  while (j < input.length && LABEL_CHAR.test(input[j]!)) j++;
  return input.slice(i, j);
}

export function tokenize(input: string): Token[] {
  if (input.length > MAX_SELECTOR_LENGTH) {
    throw new SelectorSyntaxError(input.slice(0, 40) + '...', MAX_SELECTOR_LENGTH, `selector longer than ${MAX_SELECTOR_LENGTH} characters`);
  }
  const tokens: Token[] = [];
  const err = (pos: number, reason: string): never => {
    throw new SelectorSyntaxError(input, pos, reason);
  };
  const skipSpace = (i: number): number => {
    while (i < input.length && (input[i] === ' ' || input[i] === '\t')) i++;
    return i;
  };
  let i = 0;
  for (;;) {
    i = skipSpace(i);
    if (i >= input.length) {
      tokens.push({ kind: 'eof', value: '', pos: i });
      return tokens;
    }
    const c = input[i]!;
    const start = i;
    const last = tokens.at(-1)?.kind;
    const simple = (kind: TokenKind, len: number): void => {
      tokens.push({ kind, value: '', pos: start });
      i += len;
    };
    if (c === '(' || c === ')' || c === '{' || c === '}' || c === ',') {
      simple(c, 1);
    } else if (c === '"' || c === "'") {
      const end = input.indexOf(c, i + 1);
      if (end < 0) err(start, 'unterminated string');
      tokens.push({ kind: 'string', value: input.slice(i + 1, end), pos: start });
      i = end + 1;
    } else if (c === '=') {
      if (input[i + 1] !== '=') err(start, "expected '=='");
      simple('==', 2);
    } else if (c === '!') {
      if (input[i + 1] === '=') simple('!=', 2);
      else simple('!', 1);
    } else if (c === '&') {
      if (input[i + 1] !== '&') err(start, "expected '&&'");
      simple('&&', 2);
    } else if (c === '|') {
      if (input[i + 1] !== '|') err(start, "expected '||'");
      simple('||', 2);
    } else if (last === 'label') {
      // After a label only an operator may follow.
      const rest = input.slice(i);
      const two = (first: string, second: string, kind: TokenKind): boolean => {
        if (!rest.startsWith(first)) return false;
        const j = skipSpace(i + first.length);
        if (!input.startsWith(second, j)) err(start, `expected '${first} ${second}'`);
        tokens.push({ kind, value: '', pos: start });
        i = j + second.length;
        return true;
      };
      if (rest.startsWith('contains')) simple('contains', 'contains'.length);
      else if (two('starts', 'with', 'starts with')) {
        /* consumed */
      } else if (two('ends', 'with', 'ends with')) {
        /* consumed */
      } else if (two('not', 'in', 'not in')) {
        /* consumed */
      } else if (rest.startsWith('in')) simple('in', 2);
      else err(start, `expected an operator (==, !=, in, not in, contains, starts with, ends with) after label '${tokens.at(-1)!.value}'`);
    } else if (input.startsWith('has(', i)) {
      const j = skipSpace(i + 4);
      const label = labelAt(input, j);
      if (label === '') err(j, 'expected a label name in has(')
      const k = skipSpace(j + label.length);
      if (input[k] !== ')') err(k, "expected ')' to close has(");
      tokens.push({ kind: 'has', value: label, pos: start });
      i = k + 1;
    } else if (input.startsWith('all(', i) || input.startsWith('global(', i)) {
      const kind = input.startsWith('all(', i) ? 'all' : 'global';
      const k = skipSpace(i + kind.length + 1);
      if (input[k] !== ')') err(k, `expected ')' to close ${kind}(`);
      tokens.push({ kind, value: '', pos: start });
      i = k + 1;
    } else {
      const label = labelAt(input, i);
      if (label === '') err(start, `unexpected character '${c}'`);
      tokens.push({ kind: 'label', value: label, pos: start });
      i += label.length;
    }
  }
}
