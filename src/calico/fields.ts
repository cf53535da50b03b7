/**
 * Typed reading of one resource's fields, collecting every problem with its
 * field path. Absent and null fields read as undefined; a field of the wrong
 * shape is a problem, never an exception.
 */
import type { SourceRef, ValidationIssue } from './errors.js';
import type { RawObject, RawValue } from './yaml-documents.js';

export class ResourceReader {
  readonly issues: ValidationIssue[] = [];
  readonly warnings: ValidationIssue[] = [];

  constructor(
    readonly kind: string,
    readonly name: string,
    readonly where?: SourceRef,
  ) {}

  fail(field: string, problem: string): undefined {
    this.issues.push({ kind: this.kind, name: this.name, field, problem, ...(this.where ? { where: this.where } : {}) });
    return undefined;
  }

  warn(field: string, problem: string): void {
    this.warnings.push({ kind: this.kind, name: this.name, field, problem, ...(this.where ? { where: this.where } : {}) });
  }

  get ok(): boolean {
    return this.issues.length === 0;
  }

  object(v: RawValue | undefined, field: string): RawObject | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) return this.fail(field, `expected a map, got ${describe(v)}`);
    return v;
  }

  list(v: RawValue | undefined, field: string): RawValue[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) return this.fail(field, `expected a list, got ${describe(v)}`);
    return v;
  }

  string(v: RawValue | undefined, field: string): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') return this.fail(field, `expected a string, got ${describe(v)}`);
    return v;
  }

  /** A non-empty string, or undefined when absent or empty (Calico treats "" as unset). */
  text(v: RawValue | undefined, field: string): string | undefined {
    const s = this.string(v, field);
    return s === undefined || s === '' ? undefined : s;
  }

  bool(v: RawValue | undefined, field: string): boolean | undefined {
    const s = this.string(v, field);
    if (s === undefined) return undefined;
    // YAML 1.1 spellings too: calicoctl's decoder reads `yes`/`on` into a bool field.
    if (/^(true|True|TRUE|yes|Yes|YES|on|On|ON|y|Y)$/.test(s)) return true;
    if (/^(false|False|FALSE|no|No|NO|off|Off|OFF|n|N)$/.test(s)) return false;
    return this.fail(field, `expected true or false, got "${s}"`);
  }

  integer(v: RawValue | undefined, field: string, min: number, max: number): number | undefined {
    const s = this.string(v, field);
    if (s === undefined) return undefined;
    if (!/^[+-]?\d+$/.test(s)) return this.fail(field, `expected an integer, got "${s}"`);
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < min || n > max) return this.fail(field, `${s} is out of range (${min}..${max})`);
    return n;
  }

  oneOf<T extends string>(v: RawValue | undefined, field: string, values: readonly T[]): T | undefined {
    const s = this.text(v, field);
    if (s === undefined) return undefined;
    if ((values as readonly string[]).includes(s)) return s as T;
    return this.fail(field, `"${s}" is not one of ${values.join(', ')}`);
  }

  stringList(v: RawValue | undefined, field: string): string[] | undefined {
    const l = this.list(v, field);
    if (l === undefined) return undefined;
    const out: string[] = [];
    l.forEach((item, i) => {
      const s = this.string(item, `${field}[${i}]`);
      if (s !== undefined) out.push(s);
    });
    return out;
  }

  /** Labels and other string maps: scalar values are taken as written (`true` stays "true"). */
  stringMap(v: RawValue | undefined, field: string): Record<string, string> {
    const o = this.object(v, field);
    const out: Record<string, string> = {};
    if (o === undefined) return out;
    for (const [k, val] of Object.entries(o)) {
      if (val === null) out[k] = '';
      else if (typeof val === 'string') out[k] = val;
      else this.fail(`${field}.${k}`, `expected a string value, got ${describe(val)}`);
    }
    return out;
  }

  /** Warn about fields this reader does not know: a typo must not pass silently, a newer field must not break loading. */
  unknownFields(o: RawObject | undefined, field: string, known: readonly string[]): void {
    if (o === undefined) return;
    for (const k of Object.keys(o)) {
      if (!known.includes(k)) this.warn(field === '' ? k : `${field}.${k}`, 'unknown field, ignored');
    }
  }
}

export function describe(v: RawValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return `"${v.length > 40 ? `${v.slice(0, 40)}...` : v}"`;
}
