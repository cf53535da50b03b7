/**
 * The CLI commands petrel's BIRD-compatible socket understands, parsed the
 * way BIRD 1.6's grammar reads them: lower-case keywords, protocol names as
 * symbols, quoted strings as shell-like patterns. Everything else becomes a
 * typed refusal carrying the reply BIRD would give.
 */
import { parsePrefix, parseIpv4, parseIpv6 } from '../../lib/prefix.js';
import { ReplyCode } from './reply.js';

/** Which protocols a `show protocols` names: all, one symbol, or a "pattern". */
export type ProtocolSelector = { readonly kind: 'all' } | { readonly kind: 'symbol'; readonly name: string } | { readonly kind: 'pattern'; readonly pattern: string };

export interface RouteQuery {
  /** `all`: every attribute under each route. */
  readonly verbose: boolean;
  /** `count`: only the totals. */
  readonly count: boolean;
  /** `primary`: only the best path of each prefix. */
  readonly primary: boolean;
  /** `protocol P`: routes from one protocol. */
  readonly protocol?: string;
  /** `for A`: the longest match for an address or prefix. */
  readonly for?: string;
  /** `P`: exactly this prefix. */
  readonly prefix?: string;
}

export type BirdCommand =
  | { readonly kind: 'status' }
  | { readonly kind: 'protocols'; readonly verbose: boolean; readonly select: ProtocolSelector }
  | { readonly kind: 'route'; readonly query: RouteQuery }
  /** Answered with one fixed line (mostly errors): the code and text BIRD's reply carries. */
  | { readonly kind: 'error'; readonly code: number; readonly text: string };

/** Commands that change BIRD's state: a read-only replacement answers as a restricted BIRD does. */
const CONTROL = new Set(['configure', 'disable', 'enable', 'restart', 'reload', 'down', 'debug', 'mrtdump', 'restrict', 'graceful']);
/** Read-only BIRD commands petrel does not implement. */
const UNSUPPORTED_SHOW = new Set(['interfaces', 'memory', 'symbols', 'static', 'ospf', 'rip', 'bfd', 'babel', 'roa', 'radv', 'lsa']);
const UNSUPPORTED = new Set(['dump', 'echo', 'eval']);

const syntaxError = (text = 'syntax error'): BirdCommand => ({ kind: 'error', code: ReplyCode.PARSE_ERROR, text });

/** BIRD's lexer tokens: words, numbers, addresses and prefixes, "strings". null when a string is unterminated. */
export function tokenize(line: string): { text: string; quoted: boolean }[] | null {
  const out: { text: string; quoted: boolean }[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '"') {
      const end = line.indexOf('"', i + 1);
      if (end < 0) return null;
      out.push({ text: line.slice(i + 1, end), quoted: true });
      i = end + 1;
    } else {
      let j = i;
      while (j < line.length && !' \t\r"'.includes(line[j]!)) j++;
      out.push({ text: line.slice(i, j), quoted: false });
      i = j;
    }
  }
  return out;
}

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;
const isAddress = (s: string): boolean => parseIpv4(s) !== null || parseIpv6(s) !== null;
const isPrefix = (s: string): boolean => parsePrefix(s) !== null;

function parseProtocols(words: readonly { text: string; quoted: boolean }[]): BirdCommand {
  let rest = words;
  const verbose = rest[0]?.text === 'all' && !rest[0].quoted;
  if (verbose) rest = rest.slice(1);
  if (rest.length === 0) return { kind: 'protocols', verbose, select: { kind: 'all' } };
  if (rest.length > 1) return syntaxError();
  const w = rest[0]!;
  if (w.quoted) return { kind: 'protocols', verbose, select: { kind: 'pattern', pattern: w.text } };
  if (!SYMBOL.test(w.text)) return syntaxError();
  return { kind: 'protocols', verbose, select: { kind: 'symbol', name: w.text } };
}

function parseRoute(words: readonly { text: string; quoted: boolean }[]): BirdCommand {
  const q: { -readonly [K in keyof RouteQuery]: RouteQuery[K] } = { verbose: false, count: false, primary: false };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.quoted) return syntaxError();
    const next = words[i + 1];
    switch (w.text) {
      case 'all':
        q.verbose = true;
        break;
      case 'count':
        q.count = true;
        break;
      case 'primary':
        q.primary = true;
        break;
      case 'protocol':
        if (!next || next.quoted || !SYMBOL.test(next.text)) return syntaxError();
        q.protocol = next.text;
        i++;
        break;
      case 'table':
        if (!next || next.quoted || !SYMBOL.test(next.text)) return syntaxError();
        // BIRD's only table in Calico's configuration.
        if (next.text !== 'master') return syntaxError(`${next.text} is not a table`);
        i++;
        break;
      case 'for':
        if (!next || (!isAddress(next.text) && !isPrefix(next.text))) return syntaxError('IP address expected');
        q.for = next.text;
        i++;
        break;
      default:
        if (isPrefix(w.text) || isAddress(w.text)) {
          q.prefix = w.text;
          break;
        }
        if (SYMBOL.test(w.text)) return syntaxError('IP address expected');
        return syntaxError();
    }
  }
  return { kind: 'route', query: q };
}

/** Parse one command line as BIRD's CLI does. */
export function parseCommand(line: string): BirdCommand {
  const words = tokenize(line);
  if (words === null) return syntaxError('Unterminated string');
  const [first, second, ...rest] = words;
  if (!first || first.quoted) return syntaxError();
  // birdc -r: the session becomes read-only, which petrel's always is.
  if (first.text === 'restrict' && !second) return { kind: 'error', code: ReplyCode.RESTRICTED, text: 'Access restricted' };
  if (CONTROL.has(first.text)) return { kind: 'error', code: ReplyCode.ACCESS_DENIED, text: 'Access denied' };
  if (UNSUPPORTED.has(first.text)) return syntaxError(`${first.text}: not supported by petrel`);
  if (first.text !== 'show' || !second || second.quoted) return syntaxError();
  switch (second.text) {
    case 'status':
      return rest.length === 0 ? { kind: 'status' } : syntaxError();
    case 'protocols':
      return parseProtocols(rest);
    case 'route':
      return parseRoute(rest);
    default:
      if (UNSUPPORTED_SHOW.has(second.text)) return syntaxError(`show ${second.text}: not supported by petrel`);
      return syntaxError();
  }
}

/** BIRD's patmatch: `*` any run of characters, `?` any one; the whole name must match. */
export function patternMatches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`, 's');
  return re.test(name);
}
