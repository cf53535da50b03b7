import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { copyOf, dockerignore, execForm, parseDockerfile, runCommands } from './support/dockerfile.js';
import { buildImageTree, type ImageTree } from './support/image-tree.js';
import { readRepo, repoPath } from './support/repo.js';

const execFileP = promisify(execFile);
const dockerfile = () => parseDockerfile(readRepo('Dockerfile'));
const runtime = () => dockerfile().stages.at(-1)!;
const runtimeRuns = () => runtime().instructions.filter((i) => i.keyword === 'RUN').flatMap(runCommands);

/** The user the runtime stage creates: name and uid from its useradd. */
function createdUser(): { name: string; uid: number } {
  const add = runtimeRuns().find((c) => c.startsWith('useradd '));
  assert.ok(add, 'the runtime stage creates a user');
  const uid = /--uid (\d+)/.exec(add)?.[1];
  const name = add.split(' ').at(-1)!;
  assert.ok(uid, `useradd gives a fixed uid: ${add}`);
  return { name, uid: Number(uid) };
}

/** Resolve a command name on the image's PATH inside the tree, following symlinks within it. */
function resolveInTree(tree: ImageTree, command: string): string {
  const path = tree.env.get('PATH') ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  for (const dir of path.split(':')) {
    let p = posix.join(dir, command);
    for (let hops = 0; hops < 8 && existsSync(tree.at(p)) === false && lstatSync(tree.at(p), { throwIfNoEntry: false })?.isSymbolicLink(); hops++) {
      p = posix.resolve(dir, readlinkSync(tree.at(p)));
    }
    if (existsSync(tree.at(p))) return p;
  }
  throw new Error(`${command} is not on the image's PATH inside the tree`);
}

async function node(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await execFileP(process.execPath, args, { timeout: 60_000, env: { PATH: process.env.PATH ?? '', ...env }, maxBuffer: 8 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('packaging: Dockerfile', function () {
  it('is multi-stage: npm ci and tsc in a build stage, production modules only after it', () => {
    const df = dockerfile();
    assert.ok(df.stages.length >= 2, 'a build stage and a runtime stage');
    const build = df.stages[0]!;
    const runs = build.instructions.filter((i) => i.keyword === 'RUN').flatMap(runCommands);
    assert.ok(runs.some((c) => /^npm ci\b/.test(c)), `npm ci in the build stage: ${runs.join(' | ')}`);
    const scripts = (JSON.parse(readRepo('package.json')) as { scripts: Record<string, string> }).scripts;
    const buildScript = runs.map((c) => /^npm run (\S+)/.exec(c)?.[1]).find(Boolean);
    assert.ok(buildScript && /^tsc\b/.test(scripts[buildScript] ?? ''), `the build stage compiles with tsc (npm run ${buildScript})`);
    assert.ok(runs.some((c) => /^npm prune --omit=dev\b/.test(c)), 'dev dependencies pruned before the runtime stage copies node_modules');
    const rt = runtime();
    assert.match(rt.from, /^node:20[-.][\w.-]*slim$/, 'runtime on a Node 20 slim image');
    const copies = rt.instructions.filter((i) => i.keyword === 'COPY').map(copyOf);
    assert.ok(!copies.some((c) => c.sources.some((s) => /(^|\/)src$/.test(s))), 'no TypeScript sources in the image');
    for (const need of ['node_modules', 'dist']) {
      assert.ok(copies.some((c) => c.from === build.name && c.sources.some((s) => s.endsWith(`/${need}`))), `${need} comes from the build stage`);
    }
    assert.ok(copies.some((c) => c.from === undefined && c.sources.includes('proto')), 'proto/ (loaded at run time) is in the image');
  });

  it('runtime stage: iproute2, NET_ADMIN/NET_RAW/NET_BIND_SERVICE on node, a non-root user, entrypoint `petrel run`', () => {
    const runs = runtimeRuns();
    assert.ok(runs.some((c) => /^apt-get install\b.*\biproute2\b/.test(c)), 'iproute2 installed');
    const setcap = runs.find((c) => c.startsWith('setcap '));
    assert.ok(setcap, 'capabilities set on the node binary');
    const [, caps, target] = /^setcap (\S+)=\+?(?:ep|pe) (\S+)$/.exec(setcap.replace('=+ep', '=ep')) ?? [];
    assert.deepEqual(caps?.split(',').sort(), ['cap_net_admin', 'cap_net_bind_service', 'cap_net_raw'], setcap);
    assert.equal(target, '/usr/local/bin/node', "where the official node images keep node");
    const user = createdUser();
    assert.notEqual(user.uid, 0);
    assert.equal(runtime().instructions.filter((i) => i.keyword === 'USER').at(-1)?.args, user.name, 'the image runs as the user it creates');
    const entry = runtime().instructions.filter((i) => i.keyword === 'ENTRYPOINT').at(-1);
    assert.deepEqual(entry && execForm(entry.args), ['petrel', 'run']);
    // Directories for the API socket and bird.ctl belong to that user.
    const chown = runs.find((c) => c.startsWith('chown '));
    assert.ok(chown?.includes('/var/run/petrel') && chown.includes('/var/run/calico') && chown.includes(`${user.name}:`), chown);
  });

  it('.dockerignore keeps local builds, node_modules, tests and git out of the context', () => {
    const ignored = dockerignore(readRepo('.dockerignore'));
    for (const p of ['node_modules', 'node_modules/yaml/package.json', 'dist/cli/main.js', '.git/HEAD', 'test/unit/x.test.ts', 'capture.pcap']) {
      assert.equal(ignored(p), true, `${p} is ignored`);
    }
    for (const p of ['package.json', 'package-lock.json', 'tsconfig.json', 'src/cli/main.ts', 'proto/petrel/v1/petrel.proto', 'config/loopback-mesh.yaml']) {
      assert.equal(ignored(p), false, `${p} reaches the build`);
    }
  });

  describe('the image tree, built without Docker', function () {
    this.timeout(420_000);
    let tree: ImageTree;
    before(async () => {
      tree = await buildImageTree();
    });

    it('holds the entrypoint as an executable on PATH and only production dependencies', () => {
      const target = resolveInTree(tree, tree.entrypoint[0]!);
      assert.equal(target, posix.join(tree.workdir, 'dist/cli/main.js'));
      assert.ok((statSync(tree.at(target)).mode & 0o111) !== 0, 'main.js is executable');
      assert.match(readFileSync(tree.at(target), 'utf8').split('\n')[0]!, /^#!\/usr\/bin\/env node$/);
      const pkg = JSON.parse(readRepo('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
      const modules = tree.at(posix.join(tree.workdir, 'node_modules'));
      for (const d of Object.keys(pkg.dependencies)) assert.ok(existsSync(join(modules, d, 'package.json')), `dependency ${d} present`);
      // Dev-only packages (the lock's `dev: true`) are gone; a dev dependency that a
      // production package also needs (e.g. @types/node) rightly stays.
      const lock = JSON.parse(readRepo('package-lock.json')) as { packages: Record<string, { dev?: boolean }> };
      const devOnly = Object.keys(pkg.devDependencies).filter((d) => lock.packages[`node_modules/${d}`]?.dev === true);
      assert.ok(devOnly.includes('typescript') && devOnly.includes('mocha'), `dev-only packages: ${devOnly.join(', ')}`);
      for (const d of devOnly) assert.ok(!existsSync(join(modules, d)), `dev dependency ${d} absent`);
      assert.ok(existsSync(tree.at(posix.join(tree.workdir, 'proto/petrel/v1/petrel.proto'))));
      assert.ok(!existsSync(tree.at(posix.join(tree.workdir, 'src'))), 'no sources');
      assert.ok(!readdirSync(tree.at(posix.join(tree.workdir, 'dist'))).includes('test'), 'no tests compiled in');
      // What could not run here is there to be read: the packages and the capabilities.
      assert.ok(tree.notPerformed.some((c) => c.startsWith('setcap ')));
      assert.ok(tree.notPerformed.some((c) => c.startsWith('apt-get install')));
    });

    it('runs: help, version, and `plan` over the compose datastore from the tree alone', async () => {
      const main = tree.at(resolveInTree(tree, tree.entrypoint[0]!));
      const help = await node([main, '--help']);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /petrel run /);
      const version = await node([main, 'version']);
      assert.equal(version.code, 0, version.stderr);
      assert.equal(version.stdout.trim(), (JSON.parse(readRepo('package.json')) as { version: string }).version);
      const plan = await node([main, 'plan', '--node', 'k8s-w0', '--datastore', `file:${repoPath('config/compose/datastore.yaml')}`]);
      assert.equal(plan.code, 0, plan.stderr);
      const p = JSON.parse(plan.stdout) as { node: string; originate: { prefix: string }[] };
      assert.equal(p.node, 'k8s-w0');
      assert.deepEqual(p.originate.map((o) => o.prefix), ['172.16.34.0/26']);
      // The entrypoint itself (`petrel run`) with no node named fails with the
      // message an operator needs, not a stack trace.
      const run = await node([main, ...tree.entrypoint.slice(1), '--datastore', `file:${repoPath('config/compose/datastore.yaml')}`]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /NODENAME/);
    });
  });
});
