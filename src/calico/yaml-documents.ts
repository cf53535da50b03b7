/**
 * Multi-document YAML as calicoctl reads it, reduced to plain values.
 *
 * Every scalar comes back as a string (or null): calicoctl decodes YAML into
 * typed Go structs, so `yes`, `true` and `64512` mean whatever the target field
 * needs. The field readers in fields.ts do that typing, with Calico's rules,
 * and YAML 1.1 surprises (`100:6532` read as a base-60 number) cannot happen.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';
import { CalicoConfigError, type ValidationIssue } from './errors.js';

export type RawValue = string | null | RawValue[] | { [key: string]: RawValue };
export type RawObject = { [key: string]: RawValue };

export interface RawDocument {
  readonly value: RawValue;
  /** 1-based line where the document starts. */
  readonly line: number;
  /** 0-based position of the document in the stream. */
  readonly index: number;
}

// Single-letter y/n are left as strings: a node or label named `n` is far likelier than a boolean.
const YAML11_TRUE = /^(true|True|TRUE|yes|Yes|YES|on|On|ON)$/;
const YAML11_FALSE = /^(false|False|FALSE|no|No|NO|off|Off|OFF)$/;
const PLAIN_NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
/** Bounds hostile input: a billion-laughs alias expansion or absurd nesting is refused. */
const MAX_NODES = 1_000_000;
const MAX_DEPTH = 64;

class TooLarge extends Error {}

function toRaw(node: unknown, depth: number, budget: { left: number }): RawValue {
  if (--budget.left < 0) throw new TooLarge('document expands to too many values');
  if (depth > MAX_DEPTH) throw new TooLarge(`document nests deeper than ${MAX_DEPTH} levels`);
  if (node === null || node === undefined) return null;
  if (isAlias(node)) throw new TooLarge('YAML aliases (*name) are not supported in Calico resources');
  if (isScalar(node)) {
    if (node.type === 'PLAIN') {
      const src = typeof node.source === 'string' ? node.source : String(node.value ?? '');
      if (PLAIN_NULLS.has(src)) return null;
      // calicoctl decodes YAML 1.1, where an unquoted `yes` is the bool true; decoded into a
      // string field (a label value) it becomes "true". A quoted "yes" stays "yes".
      if (YAML11_TRUE.test(src)) return 'true';
      if (YAML11_FALSE.test(src)) return 'false';
      return src;
    }
    return node.value === null || node.value === undefined ? null : String(node.value);
  }
  if (isSeq(node)) return node.items.map((item) => toRaw(item, depth + 1, budget));
  if (isMap(node)) {
    const out: RawObject = Object.create(null) as RawObject;
    for (const pair of node.items) {
      const key = toRaw(pair.key, depth + 1, budget);
      if (typeof key !== 'string') throw new TooLarge('map keys must be plain strings');
      out[key] = toRaw(pair.value as Node | null, depth + 1, budget);
    }
    return out;
  }
  throw new TooLarge('unsupported YAML node');
}

/**
 * Parse a YAML stream into documents. Empty documents (a stray `---`) are
 * skipped. Any syntax error rejects the whole stream.
 */
export function parseYamlDocuments(text: string, source: string): RawDocument[] {
  const lineCounter = new LineCounter();
  const issues: ValidationIssue[] = [];
  const out: RawDocument[] = [];
  let docs;
  try {
    docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  } catch (e) {
    throw new CalicoConfigError([{ kind: 'YAML', name: '', field: '', problem: (e as Error).message, where: { source } }]);
  }
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, index) => {
    const start = doc.range?.[0] ?? 0;
    const line = lineCounter.linePos(start).line;
    for (const err of doc.errors) {
      const at = err.pos?.[0] ?? start;
      issues.push({
        kind: 'YAML',
        name: `document ${index + 1}`,
        field: '',
        problem: err.message.split('\n')[0] ?? err.message,
        where: { source, line: lineCounter.linePos(at).line },
      });
    }
    if (doc.errors.length > 0) return;
    try {
      const value = toRaw(doc.contents, 0, { left: MAX_NODES });
      if (value !== null) out.push({ value, line, index });
    } catch (e) {
      if (!(e instanceof TooLarge)) throw e;
      issues.push({ kind: 'YAML', name: `document ${index + 1}`, field: '', problem: e.message, where: { source, line } });
    }
  });
  if (issues.length > 0) throw new CalicoConfigError(issues);
  return out;
}
