import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

/** The repository root (this file is test/unit/packaging/support/repo.ts). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

export function repoPath(...parts: string[]): string {
  return join(REPO, ...parts);
}

export function readRepo(...parts: string[]): string {
  return readFileSync(repoPath(...parts), 'utf8');
}

/** One YAML document; merge keys (`<<: *anchor`) resolved as Compose does. */
export function loadYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'), { merge: true });
}

/** Every document of a multi-document YAML file; a syntax error fails with the file named. */
export function loadYamlDocuments(path: string): Record<string, unknown>[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'), { merge: true });
  if (!Array.isArray(docs)) throw new Error(`${path}: not a YAML stream`);
  const out: Record<string, unknown>[] = [];
  for (const d of docs) {
    if (d.errors.length) throw new Error(`${path}: ${d.errors.map((e) => e.message).join('; ')}`);
    const v = d.toJS() as unknown;
    if (v === null || v === undefined) continue;
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`${path}: a document is not a mapping`);
    out.push(v as Record<string, unknown>);
  }
  return out;
}

/** Narrowing helpers for parsed YAML: they fail with the path of the field. */
export function obj(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${where}: expected a mapping, got ${JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

export function arr(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${where}: expected a list, got ${JSON.stringify(v)}`);
  return v;
}

export function str(v: unknown, where: string): string {
  if (typeof v !== 'string') throw new Error(`${where}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

export function strings(v: unknown, where: string): string[] {
  return arr(v, where).map((x, i) => (typeof x === 'number' ? String(x) : str(x, `${where}[${i}]`)));
}
