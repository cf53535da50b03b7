/**
 * A Dockerfile read the way BuildKit reads the subset petrel's uses: line
 * continuations, comments, ARG defaults substituted into FROM, stages named
 * with AS, exec-form (JSON) or shell-form arguments.
 */
export interface Instruction {
  readonly keyword: string;
  /** The text after the keyword, continuations joined. */
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly name: string | undefined;
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  readonly globalArgs: ReadonlyMap<string, string>;
  readonly stages: readonly Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    // Continuations: a trailing backslash joins the next line; comment lines
    // inside a continued instruction are dropped, as BuildKit does.
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      line = line.replace(/\\\s*$/, ' ');
      i++;
      if (/^\s*#/.test(lines[i]!)) continue;
      line += lines[i]!;
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile line ${start + 1}: not an instruction: ${line}`);
    instructions.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.replace(/\s+/g, ' ').trim(), line: start + 1 });
  }
  const globalArgs = new Map<string, string>();
  const stages: { name: string | undefined; from: string; instructions: Instruction[] }[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`Dockerfile line ${ins.line}: FROM ${ins.args}`);
      const from = m[1]!.replace(/\$\{?(\w+)\}?/g, (_, n: string) => globalArgs.get(n) ?? '');
      stages.push({ name: m[2], from, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} before FROM`);
      const [k, v] = ins.args.split('=');
      globalArgs.set(k!.trim(), (v ?? '').trim());
    } else {
      stages[stages.length - 1]!.instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

/** Exec-form arguments (`["a", "b"]`) or, for shell form, undefined. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const v = JSON.parse(args) as unknown;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`not an exec-form list: ${args}`);
  return v as string[];
}

export interface Copy {
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly dest: string;
  readonly line: number;
}

export function copyOf(ins: Instruction): Copy {
  const words = execForm(ins.args) ?? ins.args.split(' ');
  let from: string | undefined;
  const rest: string[] = [];
  for (const w of words) {
    const f = /^--from=(.+)$/.exec(w);
    if (f) from = f[1];
    else if (!w.startsWith('--')) rest.push(w);
  }
  if (rest.length < 2) throw new Error(`Dockerfile line ${ins.line}: COPY needs a source and a destination`);
  return { from, sources: rest.slice(0, -1), dest: rest[rest.length - 1]!, line: ins.line };
}

/** The shell commands of a RUN, split on `&&` (petrel's RUNs are simple chains). */
export function runCommands(ins: Instruction): string[] {
  return ins.args
    .split('&&')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A `.dockerignore` as a predicate over context-relative paths (Go filepath.Match plus `**`). */
export function dockerignore(text: string): (relPath: string) => boolean {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((p) => {
      const negate = p.startsWith('!');
      const body = (negate ? p.slice(1) : p).replace(/^\/+|\/+$/g, '');
      const re = body
        .split('**')
        .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
        .join('.*');
      // A pattern that matches a directory excludes everything under it.
      return { negate, re: new RegExp(`^${re}(/.*)?$`) };
    });
  return (relPath) => {
    let excluded = false;
    for (const p of patterns) if (p.re.test(relPath)) excluded = !p.negate;
    return excluded;
  };
}
