/**
 * The petrel command's surface as the source defines it right now: its
 * subcommands (the `case` labels of src/cli/main.ts), each one's options (the
 * parseArgs table of the module that implements it) and the environment
 * variables src/ reads. Packaging tests check every command line in the
 * Dockerfile, docker-compose.yml and the manifests against it, so a manifest
 * that names a flag petrel does not have fails here rather than in a cluster.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { readRepo, repoPath } from './repo.js';

export interface OptionSpec {
  readonly name: string;
  readonly type: 'string' | 'boolean';
  readonly short?: string;
}

export interface CommandSurface {
  readonly command: string;
  readonly file: string;
  readonly options: ReadonlyMap<string, OptionSpec>;
  readonly allowPositionals: boolean;
}

/** The parseArgs options object: `name: { type: '...', short: 'x', ... }` entries. */
function parseOptions(source: string): Map<string, OptionSpec> {
  const out = new Map<string, OptionSpec>();
  const re = /(?:'([a-z][a-z0-9-]*)'|\b([a-z][a-zA-Z0-9]*))\s*:\s*\{\s*type:\s*'(string|boolean)'([^}]*)\}/g;
  for (const m of source.matchAll(re)) {
    const name = (m[1] ?? m[2])!;
    const short = /short:\s*'([a-zA-Z])'/.exec(m[4] ?? '')?.[1];
    out.set(name, { name, type: m[3] as 'string' | 'boolean', ...(short ? { short } : {}) });
  }
  return out;
}

/** Subcommands of main.ts mapped to the module whose run function they call. */
export function cliSurface(): Map<string, CommandSurface> {
  const main = readRepo('src/cli/main.ts');
  const importOf = new Map<string, string>();
  for (const m of main.matchAll(/import\s*\{([^}]*)\}\s*from\s*'(\.\.?\/[^']+)\.js'/g)) {
    const file = posix.normalize(posix.join('src/cli', `${m[2]}.ts`));
    for (const name of m[1]!.split(',').map((s) => s.trim()).filter(Boolean)) importOf.set(name, file);
  }
  const out = new Map<string, CommandSurface>();
  // `case 'a': case 'b': return runX(rest);`
  for (const m of main.matchAll(/((?:case\s+'[a-z][a-z0-9-]*'\s*:\s*)+)return\s+(\w+)\(/g)) {
    const file = importOf.get(m[2]!);
    if (!file) continue;
    const source = readRepo(file);
    const surface: CommandSurface = {
      command: '',
      file,
      options: parseOptions(source),
      allowPositionals: /allowPositionals:\s*true/.test(source),
    };
    for (const c of m[1]!.matchAll(/case\s+'([a-z][a-z0-9-]*)'/g)) out.set(c[1]!, { ...surface, command: c[1]! });
  }
  return out;
}

/**
 * Check one petrel command line (`[subcommand, ...args]`) against the
 * surface; returns the problems found (empty when it would parse).
 */
export function checkCommandLine(surface: ReadonlyMap<string, CommandSurface>, argv: readonly string[]): string[] {
  const [command, ...args] = argv;
  const cmd = command === undefined ? undefined : surface.get(command);
  if (!cmd) return [`petrel has no subcommand '${command}' (has: ${[...surface.keys()].join(', ')})`];
  const problems: string[] = [];
  const shorts = new Map([...cmd.options.values()].filter((o) => o.short).map((o) => [o.short!, o]));
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    let spec: OptionSpec | undefined;
    let inlineValue = false;
    if (a.startsWith('--')) {
      const name = a.slice(2).split('=')[0]!;
      inlineValue = a.includes('=');
      spec = cmd.options.get(name);
      if (!spec) {
        problems.push(`petrel ${command}: no option --${name} in ${cmd.file}`);
        // Its value, if it has one, is not a second problem.
        if (!inlineValue && i + 1 < args.length && !args[i + 1]!.startsWith('-')) i++;
        continue;
      }
    } else if (/^-[a-zA-Z]$/.test(a)) {
      spec = shorts.get(a.slice(1));
      if (!spec) {
        problems.push(`petrel ${command}: no option ${a} in ${cmd.file}`);
        continue;
      }
    } else {
      if (!cmd.allowPositionals) problems.push(`petrel ${command}: takes no positional argument ('${a}')`);
      continue;
    }
    if (spec.type === 'string' && !inlineValue) {
      if (i + 1 >= args.length) problems.push(`petrel ${command}: --${spec.name} needs a value`);
      i++;
    }
  }
  return problems;
}

/** The value given to `--name` (or its short form) in an argument list. */
export function optionValue(args: readonly string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === `--${name}`) return args[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every source file of src/ with its text. */
export function sourceFiles(): { path: string; text: string }[] {
  return tsFiles(repoPath('src')).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
}

/** Environment variables src/ reads (`process.env.NAME`, `process.env['NAME']`, `env.NAME` on an env record). */
export function environmentRead(): Set<string> {
  const names = new Set<string>();
  for (const { text } of sourceFiles()) {
    for (const m of text.matchAll(/\benv(?:\??\.|\[\s*['"])([A-Z][A-Z0-9_]+)\b/g)) names.add(m[1]!);
  }
  return names;
}

/** Whether a string literal occurs in src/ (e.g. a health endpoint's path). */
export function sourceHasLiteral(value: string, under = ''): boolean {
  const quoted = [`'${value}'`, `"${value}"`, `\`${value}\``];
  return sourceFiles().some((f) => f.path.includes(`/src/${under}`) && quoted.some((q) => f.text.includes(q)));
}
