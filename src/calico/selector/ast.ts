/**
 * Calico selector expressions (libcalico-go lib/selector) and their meaning
 * over a label map. `!=` and `not in` also match when the label is absent;
 * the other comparisons need the label present.
 */
export type Selector =
  | { readonly op: 'all' }
  | { readonly op: 'global' }
  | { readonly op: 'has'; readonly label: string }
  | { readonly op: '=='; readonly label: string; readonly value: string }
  | { readonly op: '!='; readonly label: string; readonly value: string }
  | { readonly op: 'in'; readonly label: string; readonly values: readonly string[] }
  | { readonly op: 'not in'; readonly label: string; readonly values: readonly string[] }
  | { readonly op: 'contains'; readonly label: string; readonly value: string }
  | { readonly op: 'starts with'; readonly label: string; readonly value: string }
  | { readonly op: 'ends with'; readonly label: string; readonly value: string }
  | { readonly op: 'not'; readonly operand: Selector }
  | { readonly op: 'and'; readonly operands: readonly Selector[] }
  | { readonly op: 'or'; readonly operands: readonly Selector[] };

export type Labels = Readonly<Record<string, string>>;

/** Namespaced resources carry this label; global() matches only those without it. */
export const NAMESPACE_LABEL = 'projectcalico.org/namespace';

export function evaluateSelector(s: Selector, labels: Labels): boolean {
  const get = (k: string): string | undefined => (Object.hasOwn(labels, k) ? labels[k] : undefined);
  switch (s.op) {
    case 'all':
      return true;
    case 'global':
      return get(NAMESPACE_LABEL) === undefined;
    case 'has':
      return get(s.label) !== undefined;
    case '==':
      return get(s.label) === s.value;
    case '!=':
      return get(s.label) !== s.value;
    case 'in': {
      const v = get(s.label);
      return v !== undefined && s.values.includes(v);
    }
    case 'not in': {
      const v = get(s.label);
      return v === undefined || !s.values.includes(v);
    }
    case 'contains': {
      const v = get(s.label);
      return v !== undefined && v.includes(s.value);
    }
    case 'starts with': {
      const v = get(s.label);
      return v !== undefined && v.startsWith(s.value);
    }
    case 'ends with': {
      const v = get(s.label);
      return v !== undefined && v.endsWith(s.value);
    }
    case 'not':
      return !evaluateSelector(s.operand, labels);
    case 'and':
      return s.operands.every((o) => evaluateSelector(o, labels));
    case 'or':
      return s.operands.some((o) => evaluateSelector(o, labels));
  }
}

const quote = (v: string): string => (v.includes("'") ? `"${v}"` : `'${v}'`);

/** Canonical text of a selector (round-trips through the parser). */
export function selectorToString(s: Selector): string {
  switch (s.op) {
    case 'all':
      return 'all()';
    case 'global':
      return 'global()';
    case 'has':
      return `has(${s.label})`;
    case '==':
    case '!=':
    case 'contains':
    case 'starts with':
    case 'ends with':
      return `${s.label} ${s.op} ${quote(s.value)}`;
    case 'in':
    case 'not in':
      return `${s.label} ${s.op} {${s.values.map(quote).join(', ')}}`;
    case 'not':
      return `!${s.operand.op === 'and' || s.operand.op === 'or' ? `(${selectorToString(s.operand)})` : selectorToString(s.operand)}`;
    case 'and':
      return s.operands.map((o) => (o.op === 'or' ? `(${selectorToString(o)})` : selectorToString(o))).join(' && ');
    case 'or':
      return s.operands.map(selectorToString).join(' || ');
  }
}
