/**
 * A parser for the subset of BIRD 1.6 configuration that confd's templates
 * produce (reference §9): top-level functions, filters, templates and
 * protocols with their options, and the filter language as an AST. It exists
 * so the golden tests can compare meaning, not text; it throws on anything
 * it does not understand, so a misread golden fails loudly.
 */

export type Expr =
  | { t: 'word'; v: string }
  | { t: 'sym'; v: string }
  | { t: 'str'; v: string }
  | { t: 'tuple'; items: Expr[] }
  | { t: 'set'; items: Expr[] }
  | { t: 'pathmask'; items: string[] }
  | { t: 'prefixRange'; prefix: string; min: number; max: number }
  | { t: 'call'; fn: string; args: Expr[] }
  | { t: 'not'; e: Expr }
  | { t: 'bin'; op: string; l: Expr; r: Expr };

export type Stmt =
  | { t: 'if'; cond: Expr; then: Stmt[]; else: Stmt[] }
  | { t: 'accept' }
  | { t: 'reject' }
  | { t: 'assign'; name: string; value: Expr }
  | { t: 'expr'; e: Expr };

export interface BirdOption {
  words: string[];
  filter?: Stmt[];
}

export interface BirdProtocol {
  kind: 'protocol' | 'template';
  type: string;
  name: string | null;
  from: string | null;
  options: BirdOption[];
}

export interface BirdConfig {
  functions: Map<string, { params: string[]; body: Stmt[] }>;
  filters: Map<string, Stmt[]>;
  protocols: BirdProtocol[];
  /** Other top-level statements as words: `router id X`, `listen bgp port 150`, `include "f"`. */
  statements: string[][];
}

interface Tok {
  k: 'word' | 'str' | 'sym' | 'p';
  v: string;
}

function lex(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (/\s/.test(c)) i++;
    else if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated string at ${i}`);
      out.push({ k: c === '"' ? 'str' : 'sym', v: text.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z0-9_.:/]/.test(c)) {
      let j = i;
      while (j < text.length && /[A-Za-z0-9_.:/]/.test(text[j]!)) j++;
      out.push({ k: 'word', v: text.slice(i, j) });
      i = j;
    } else {
      const two = text.slice(i, i + 2);
      if (['&&', '||', '!=', '!~', '<=', '>='].includes(two)) {
        out.push({ k: 'p', v: two });
        i += 2;
      } else {
        out.push({ k: 'p', v: c });
        i++;
      }
    }
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}
  peek(o = 0): Tok | undefined {
    return this.toks[this.i + o];
  }
  next(): Tok {
    const t = this.toks[this.i++];
    if (!t) throw new Error('unexpected end of BIRD config');
    return t;
  }
  is(v: string, o = 0): boolean {
    const t = this.peek(o);
    return t !== undefined && (t.k === 'p' || t.k === 'word') && t.v === v;
  }
  expect(v: string): void {
    const t = this.next();
    if (t.v !== v) throw new Error(`expected '${v}', found '${t.v}'`);
  }
  done(): boolean {
    return this.i >= this.toks.length;
  }

  // ---- filter language ----
  block(): Stmt[] {
    this.expect('{');
    const out: Stmt[] = [];
    while (!this.is('}')) out.push(...this.stmt());
    this.expect('}');
    return out;
  }
  body(): Stmt[] {
    if (this.is('{')) {
      const b = this.block();
      if (this.is(';')) this.next();
      return b;
    }
    return this.stmt();
  }
  stmt(): Stmt[] {
    if (this.is(';')) {
      this.next();
      return [];
    }
    if (this.is('{')) return this.block();
    if (this.is('if')) {
      this.next();
      const cond = this.expr();
      this.expect('then');
      const then = this.body();
      let els: Stmt[] = [];
      if (this.is('else')) {
        this.next();
        els = this.body();
      }
      return [{ t: 'if', cond, then, else: els }];
    }
    if (this.is('accept') || this.is('reject')) {
      const v = this.next().v as 'accept' | 'reject';
      this.expect(';');
      return [{ t: v }];
    }
    const t = this.peek();
    if (t?.k === 'word' && this.is('=', 1)) {
      this.next();
      this.next();
      const value = this.expr();
      this.expect(';');
      return [{ t: 'assign', name: t.v, value }];
    }
    const e = this.expr();
    this.expect(';');
    return [{ t: 'expr', e }];
  }
  private static readonly PREC: Record<string, number> = { '||': 1, '&&': 2, '=': 3, '!=': 3, '~': 3, '!~': 3, '<': 3, '>': 3, '<=': 3, '>=': 3, '+': 4, '-': 4 };
  expr(min = 1): Expr {
    let l = this.unary();
    for (;;) {
      const t = this.peek();
      const p = t && t.k === 'p' ? Parser.PREC[t.v] : undefined;
      if (p === undefined || p < min) return l;
      this.next();
      const r = this.expr(p + 1);
      l = { t: 'bin', op: t!.v, l, r };
    }
  }
  unary(): Expr {
    if (this.is('!')) {
      this.next();
      return { t: 'not', e: this.unary() };
    }
    return this.primary();
  }
  primary(): Expr {
    const t = this.next();
    if (t.k === 'p' && t.v === '(') {
      const first = this.expr();
      if (this.is(',')) {
        const items = [first];
        while (this.is(',')) {
          this.next();
          items.push(this.expr());
        }
        this.expect(')');
        return { t: 'tuple', items };
      }
      this.expect(')');
      return first;
    }
    if (t.k === 'p' && t.v === '[') {
      if (this.is('=')) {
        this.next();
        const items: string[] = [];
        while (!(this.is('=') && this.is(']', 1))) items.push(this.next().v);
        this.next();
        this.next();
        return { t: 'pathmask', items };
      }
      const items: Expr[] = [];
      while (!this.is(']')) {
        const w = this.next();
        if (this.is('{')) {
          this.next();
          const min = Number(this.next().v);
          this.expect(',');
          const max = Number(this.next().v);
          this.expect('}');
          items.push({ t: 'prefixRange', prefix: w.v, min, max });
        } else items.push({ t: 'word', v: w.v });
        if (this.is(',')) this.next();
      }
      this.next();
      return { t: 'set', items };
    }
    if (t.k === 'str') return { t: 'str', v: t.v };
    if (t.k === 'word' || t.k === 'sym') {
      if (this.is('(')) {
        this.next();
        const args: Expr[] = [];
        while (!this.is(')')) {
          args.push(this.expr());
          if (this.is(',')) this.next();
        }
        this.next();
        return { t: 'call', fn: t.v, args };
      }
      return t.k === 'sym' ? { t: 'sym', v: t.v } : { t: 'word', v: t.v };
    }
    throw new Error(`unexpected token '${t.v}' in a filter expression`);
  }

  // ---- configuration ----
  config(cfg: BirdConfig): void {
    while (!this.done()) {
      if (this.is('function')) {
        this.next();
        const name = this.next().v;
        this.expect('(');
        const params: string[] = [];
        while (!this.is(')')) {
          const w = this.next().v;
          if (w !== ',' && w !== 'bool' && w !== 'int') params.push(w);
        }
        this.next();
        cfg.functions.set(name, { params, body: this.block() });
      } else if (this.is('filter')) {
        this.next();
        const name = this.next().v;
        cfg.filters.set(name, this.block());
      } else if (this.is('template') || this.is('protocol')) {
        const kind = this.next().v as 'template' | 'protocol';
        const type = this.next().v;
        let name: string | null = null;
        let from: string | null = null;
        if (!this.is('{') && !this.is('from')) name = this.next().v;
        if (this.is('from')) {
          this.next();
          from = this.next().v;
        }
        cfg.protocols.push({ kind, type, name, from, options: this.options() });
      } else {
        const words: string[] = [];
        while (!this.is(';')) words.push(this.next().v);
        this.next();
        cfg.statements.push(words);
      }
    }
  }
  options(): BirdOption[] {
    this.expect('{');
    const out: BirdOption[] = [];
    while (!this.is('}')) {
      const words: string[] = [];
      let filter: Stmt[] | undefined;
      while (!this.is(';')) {
        if (this.is('{')) {
          if (words.at(-1) === 'filter') filter = this.block();
          else {
            // debug { states, routes } and the like: keep the words
            this.next();
            while (!this.is('}')) words.push(this.next().v);
            this.next();
          }
          if (filter) break;
        } else words.push(this.next().v);
      }
      this.expect(';');
      out.push(filter ? { words, filter } : { words });
    }
    this.expect('}');
    return out;
  }
}

export function parseBirdConfig(...texts: string[]): BirdConfig {
  const cfg: BirdConfig = { functions: new Map(), filters: new Map(), protocols: [], statements: [] };
  for (const text of texts) new Parser(lex(text)).config(cfg);
  return cfg;
}
