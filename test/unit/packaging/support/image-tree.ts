/**
 * The image's file tree without Docker: the Dockerfile's build stage is run
 * for real in a temporary directory (its COPYs from the context, filtered by
 * .dockerignore, and its npm RUN steps), then the runtime stage's COPYs and
 * its file-system RUN steps (mkdir, chmod, ln) are applied to a second
 * directory standing for the image's root. Steps that change the system
 * (apt-get, setcap, useradd, chown) cannot run here: they are returned as
 * `notPerformed` for the tests to check by their text.
 */
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, posix, relative } from 'node:path';
import { promisify } from 'node:util';
import { copyOf, dockerignore, execForm, parseDockerfile, runCommands, type Stage } from './dockerfile.js';
import { readRepo, REPO } from './repo.js';

const execFileP = promisify(execFile);

export interface ImageTree {
  /** Stands for the image's `/`. */
  readonly root: string;
  readonly workdir: string;
  readonly user: string | undefined;
  readonly entrypoint: readonly string[];
  readonly env: ReadonlyMap<string, string>;
  /** Runtime-stage commands that change the system, not the tree. */
  readonly notPerformed: readonly string[];
  /** Map an absolute image path into the tree. */
  at(imagePath: string): string;
}

const SYSTEM_COMMANDS = /^(apt-get|setcap|groupadd|useradd|chown|rm -rf \/var\/lib\/apt\/lists)\b/;

function inRoot(root: string, workdir: string, p: string): string {
  const abs = posix.isAbsolute(p) ? p : posix.join(workdir, p);
  return join(root, abs);
}

function copyInto(src: string, dest: string, ignored: (rel: string) => boolean, contextRel: string | undefined): void {
  cpSync(src, dest, {
    recursive: true,
    // node_modules/.bin links stay relative, as COPY keeps them.
    verbatimSymlinks: true,
    filter: (s) => contextRel === undefined || !ignored(relative(REPO, s)),
  });
}

async function runBuildStage(stage: Stage, root: string): Promise<void> {
  const ignored = dockerignore(readRepo('.dockerignore'));
  let workdir = '/';
  const env: Record<string, string> = {
    ...process.env,
    // The cache of the checkout's own `npm ci`: the same packages, no network needed.
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
  } as Record<string, string>;
  for (const ins of stage.instructions) {
    switch (ins.keyword) {
      case 'WORKDIR':
        workdir = posix.resolve(workdir, ins.args);
        mkdirSync(inRoot(root, '/', workdir), { recursive: true });
        break;
      case 'COPY': {
        const c = copyOf(ins);
        if (c.from !== undefined) throw new Error(`Dockerfile line ${ins.line}: the build stage copies from another stage`);
        const dest = inRoot(root, workdir, c.dest);
        for (const s of c.sources) {
          if (ignored(s)) throw new Error(`Dockerfile line ${ins.line}: ${s} is excluded by .dockerignore`);
          const target = c.dest.endsWith('/') ? join(dest, posix.basename(s)) : dest;
          mkdirSync(c.dest.endsWith('/') ? dest : join(dest, '..'), { recursive: true });
          copyInto(join(REPO, s), target, ignored, s);
        }
        break;
      }
      case 'RUN':
        for (const cmd of runCommands(ins)) {
          // Only npm runs here: anything else would act on this machine, not a sandbox.
          if (!/^npm (ci|run|prune|install)\b/.test(cmd)) throw new Error(`Dockerfile line ${ins.line}: build step '${cmd}' is not an npm step this test can run`);
          await execFileP('sh', ['-c', cmd], { cwd: inRoot(root, '/', workdir), env, timeout: 240_000, maxBuffer: 16 << 20 });
        }
        break;
      case 'ENV':
      case 'ARG':
        break;
      default:
        throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} in the build stage is not emulated`);
    }
  }
}

function applyRuntimeStage(stage: Stage, root: string, stages: ReadonlyMap<string, string>): Omit<ImageTree, 'at'> {
  const ignored = dockerignore(readRepo('.dockerignore'));
  let workdir = '/';
  let user: string | undefined;
  let entrypoint: string[] = [];
  const env = new Map<string, string>();
  const notPerformed: string[] = [];
  for (const ins of stage.instructions) {
    switch (ins.keyword) {
      case 'WORKDIR':
        workdir = posix.resolve(workdir, ins.args);
        mkdirSync(inRoot(root, '/', workdir), { recursive: true });
        break;
      case 'COPY': {
        const c = copyOf(ins);
        const base = c.from === undefined ? REPO : stages.get(c.from);
        if (base === undefined) throw new Error(`Dockerfile line ${ins.line}: no stage ${c.from}`);
        const dest = inRoot(root, workdir, c.dest);
        for (const s of c.sources) {
          if (c.from === undefined && ignored(s)) throw new Error(`Dockerfile line ${ins.line}: ${s} is excluded by .dockerignore`);
          const src = c.from === undefined ? join(REPO, s) : join(base, s);
          if (!existsSync(src)) throw new Error(`Dockerfile line ${ins.line}: ${s} does not exist${c.from ? ` in stage ${c.from}` : ' in the context'}`);
          const target = c.dest.endsWith('/') ? join(dest, posix.basename(s)) : dest;
          mkdirSync(join(target, '..'), { recursive: true });
          copyInto(src, target, ignored, c.from === undefined ? s : undefined);
        }
        break;
      }
      case 'RUN':
        for (const cmd of runCommands(ins)) {
          const words = cmd.split(' ');
          if (words[0] === 'mkdir' && words[1] === '-p') {
            for (const d of words.slice(2)) mkdirSync(inRoot(root, workdir, d), { recursive: true });
          } else if (words[0] === 'chmod' && words.length === 3) {
            chmodSync(inRoot(root, workdir, words[2]!), parseInt(words[1]!, 8));
          } else if (words[0] === 'ln' && words[1] === '-s' && words.length === 4) {
            const link = inRoot(root, workdir, words[3]!);
            mkdirSync(join(link, '..'), { recursive: true });
            symlinkSync(words[2]!, link);
          } else if (SYSTEM_COMMANDS.test(cmd)) {
            notPerformed.push(cmd);
          } else {
            throw new Error(`Dockerfile line ${ins.line}: runtime step '${cmd}' is not emulated: teach image-tree.ts`);
          }
        }
        break;
      case 'USER':
        user = ins.args;
        break;
      case 'ENV': {
        const [k, ...v] = ins.args.split('=');
        env.set(k!.trim(), v.join('=').trim());
        break;
      }
      case 'ENTRYPOINT':
        entrypoint = execForm(ins.args) ?? ['/bin/sh', '-c', ins.args];
        break;
      case 'EXPOSE':
      case 'ARG':
      case 'LABEL':
        break;
      default:
        throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} in the runtime stage is not emulated`);
    }
  }
  return { root, workdir, user, entrypoint, env, notPerformed };
}

let built: Promise<ImageTree> | undefined;
let tmp: string | undefined;

/** Build the tree once per test process (several test files share it). */
export function buildImageTree(): Promise<ImageTree> {
  built ??= (async () => {
    tmp = mkdtempSync(join(tmpdir(), 'petrel-image-'));
    process.once('exit', () => {
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });
    const df = parseDockerfile(readRepo('Dockerfile'));
    const last = df.stages[df.stages.length - 1]!;
    const stageRoots = new Map<string, string>();
    for (const [i, stage] of df.stages.entries()) {
      if (stage === last) break;
      const root = join(tmp, `stage-${i}`);
      mkdirSync(root);
      await runBuildStage(stage, root);
      if (stage.name) stageRoots.set(stage.name, root);
    }
    const root = join(tmp, 'image');
    mkdirSync(root);
    const t = applyRuntimeStage(last, root, stageRoots);
    return { ...t, at: (p: string) => (isAbsolute(p) ? join(root, p) : join(root, t.workdir, p)) };
  })();
  return built;
}
