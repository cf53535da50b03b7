import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { checkCommandLine, cliSurface, environmentRead, optionValue, sourceFiles, sourceHasLiteral } from './support/cli-surface.js';
import { execForm, parseDockerfile, runCommands } from './support/dockerfile.js';
import { arr, loadYamlDocuments, obj, readRepo, repoPath, str, strings } from './support/repo.js';

type Doc = Record<string, unknown>;
interface Manifest {
  readonly file: string;
  readonly doc: Doc;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
}

const CAPS = ['NET_ADMIN', 'NET_BIND_SERVICE', 'NET_RAW'];

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(e) ? [p] : [];
  });
}

function manifests(): Manifest[] {
  return yamlFiles(repoPath('config/kubernetes')).flatMap((path) =>
    loadYamlDocuments(path).map((doc) => {
      const file = relative(repoPath(), path);
      const md = obj(doc.metadata, `${file}: metadata`);
      return { file, doc, kind: str(doc.kind, `${file}: kind`), name: str(md.name, `${file}: metadata.name`), namespace: md.namespace as string | undefined };
    }),
  );
}

interface PodTemplate {
  readonly owner: Manifest;
  readonly spec: Doc;
  readonly containers: Doc[];
  readonly volumes: Map<string, Doc>;
  readonly serviceAccount: string;
}

function podTemplates(all: Manifest[]): PodTemplate[] {
  return all
    .filter((m) => ['DaemonSet', 'Deployment'].includes(m.kind))
    .map((m) => {
      const spec = obj(obj(obj(m.doc.spec, `${m.file} spec`).template, `${m.file} template`).spec, `${m.file} template.spec`);
      const containers = arr(spec.containers, `${m.file} containers`).map((c, i) => obj(c, `${m.file} containers[${i}]`));
      const volumes = new Map(arr(spec.volumes ?? [], `${m.file} volumes`).map((v) => [str(obj(v, 'volume').name, `${m.file} volume name`), obj(v, 'volume')]));
      // The sidecar patch keeps calico-node's own ServiceAccount.
      const serviceAccount = (spec.serviceAccountName as string | undefined) ?? (m.kind === 'DaemonSet' && m.name === 'calico-node' ? 'calico-node' : 'default');
      return { owner: m, spec, containers, volumes, serviceAccount };
    });
}

const isPetrel = (c: Doc) => String(c.image).startsWith('petrel:') || String(c.image).includes('/petrel:');
const env = (c: Doc) => new Map(arr(c.env ?? [], 'env').map((e) => [str(obj(e, 'env').name, 'env.name'), obj(e, 'env')]));

function imageEntrypoint(): string[] {
  const rt = parseDockerfile(readRepo('Dockerfile')).stages.at(-1)!;
  return execForm(rt.instructions.filter((i) => i.keyword === 'ENTRYPOINT').at(-1)!.args)!;
}

function imageUid(): number {
  const rt = parseDockerfile(readRepo('Dockerfile')).stages.at(-1)!;
  const add = rt.instructions.filter((i) => i.keyword === 'RUN').flatMap(runCommands).find((c) => c.startsWith('useradd '))!;
  return Number(/--uid (\d+)/.exec(add)![1]);
}

/** A petrel container's full command line: the image entrypoint plus args (or its own command). */
function argvOf(c: Doc): string[] {
  const command = c.command === undefined ? imageEntrypoint() : strings(c.command, 'command');
  return [...command, ...strings(c.args ?? [], 'args')];
}

/**
 * What the Kubernetes datastore reads, from its source: CRD plurals and core
 * API paths. `namespaced` are read inside one namespace (a Role suffices).
 */
function datastoreReads(): { group: string; resource: string; namespaced: boolean }[] {
  const out = new Map<string, { group: string; resource: string; namespaced: boolean }>();
  const files = sourceFiles().filter((f) => f.path.includes('/src/calico/datastore/kubernetes/'));
  for (const { text } of files) {
    for (const m of text.matchAll(/plural:\s*'([a-z]+)'/g)) out.set(`crd/${m[1]}`, { group: 'crd.projectcalico.org', resource: m[1]!, namespaced: false });
    for (const m of text.matchAll(/\/apis\/crd\.projectcalico\.org\/v\d+\/([a-z]+)/g)) out.set(`crd/${m[1]}`, { group: 'crd.projectcalico.org', resource: m[1]!, namespaced: false });
    for (const m of text.matchAll(/\/api\/v1\/(namespaces\/(?:\$\{[^}]*\}|[a-z0-9-]+)\/)?([a-z]+)/g)) {
      if (m[2] === 'namespaces' && !m[1]) continue;
      out.set(`core/${m[2]}`, { group: '', resource: m[2]!, namespaced: Boolean(m[1]) });
    }
  }
  return [...out.values()];
}

/** Rules granted to a ServiceAccount: ClusterRoles through ClusterRoleBindings, Roles (with their namespace) through RoleBindings. */
function grants(all: Manifest[], sa: string, ns: string): { namespace: string | undefined; group: string; resource: string; verbs: string[] }[] {
  const bound = (m: Manifest) =>
    arr(m.doc.subjects, `${m.file} subjects`).some((s) => {
      const subj = obj(s, 'subject');
      return subj.kind === 'ServiceAccount' && subj.name === sa && subj.namespace === ns;
    });
  const out: { namespace: string | undefined; group: string; resource: string; verbs: string[] }[] = [];
  for (const b of all.filter((m) => (m.kind === 'ClusterRoleBinding' || m.kind === 'RoleBinding') && bound(m))) {
    const ref = obj(b.doc.roleRef, `${b.file} roleRef`);
    const role = all.find((m) => m.kind === ref.kind && m.name === ref.name && (ref.kind === 'ClusterRole' || m.namespace === b.namespace));
    assert.ok(role, `${b.file}: ${b.name} refers to ${String(ref.kind)} ${String(ref.name)}, which is defined here`);
    const namespace = b.kind === 'RoleBinding' ? b.namespace : undefined;
    for (const r of arr(role.doc.rules, `${role.file} rules`).map((x) => obj(x, 'rule'))) {
      for (const group of strings(r.apiGroups, 'apiGroups'))
        for (const resource of strings(r.resources, 'resources')) out.push({ namespace, group, resource, verbs: strings(r.verbs, 'verbs') });
    }
  }
  return out;
}

describe('packaging: Kubernetes manifests', function () {
  this.timeout(60_000);
  const all = manifests();
  const pods = podTemplates(all);

  it('parse, and every object has apiVersion, kind and a name', () => {
    assert.ok(all.length >= 8, `${all.length} objects`);
    for (const m of all) assert.match(str(m.doc.apiVersion, `${m.file} apiVersion`), /^([a-z0-9.]+\/)?v1$/, `${m.file} ${m.kind}/${m.name}`);
    assert.deepEqual(pods.map((p) => `${p.owner.kind}/${p.owner.name}`).sort(), ['DaemonSet/calico-node', 'Deployment/petrel-route-reflector']);
  });

  it("petrel containers run the image's entrypoint with flags and environment petrel has", () => {
    const surface = cliSurface();
    const known = environmentRead();
    for (const p of pods) {
      const petrel = p.containers.filter(isPetrel);
      assert.equal(petrel.length, 1, `${p.owner.file}: one petrel container`);
      const c = petrel[0]!;
      const argv = argvOf(c);
      assert.equal(argv[0], 'petrel');
      assert.deepEqual(checkCommandLine(surface, argv.slice(1)), [], `${p.owner.file}: ${argv.join(' ')}`);
      assert.equal(optionValue(argv, 'datastore'), 'kubernetes');
      assert.ok(sourceHasLiteral('kubernetes', 'calico/'), 'the datastore parser knows `kubernetes`');
      const e = env(c);
      for (const k of e.keys()) assert.ok(known.has(k), `${p.owner.file}: petrel reads ${k}`);
      assert.equal(obj(obj(e.get('NODENAME')?.valueFrom, 'NODENAME.valueFrom').fieldRef, 'fieldRef').fieldPath, 'spec.nodeName', 'the node petrel speaks for is the one it runs on');
      assert.equal(e.get('DATASTORE_TYPE')?.value, 'kubernetes');
      assert.equal(p.spec.hostNetwork, true, `${p.owner.file}: BGP on the node's address`);
    }
  });

  it('volumes exist, and the BIRD socket lives on a mounted volume', () => {
    for (const p of pods) {
      for (const c of p.containers) {
        for (const vm of arr(c.volumeMounts ?? [], 'volumeMounts').map((v) => obj(v, 'volumeMount'))) {
          // calico-node's own mounts are its DaemonSet's (the patch restates none of them).
          assert.ok(p.volumes.has(str(vm.name, 'name')), `${p.owner.file}: ${String(c.name)} mounts ${String(vm.name)}, which is declared`);
        }
      }
      const c = p.containers.find(isPetrel)!;
      const socket = optionValue(argvOf(c), 'bird-socket');
      assert.ok(socket, `${p.owner.file}: --bird-socket`);
      const mounts = arr(c.volumeMounts, 'volumeMounts').map((v) => obj(v, 'volumeMount'));
      assert.ok(mounts.some((m) => posix.dirname(socket) === m.mountPath), `${p.owner.file}: ${socket} is on a volume`);
      assert.ok(mounts.some((m) => m.mountPath === '/var/run/petrel'), `${p.owner.file}: the API socket directory is writable (read-only root)`);
    }
  });

  it("probes ask petrel's health endpoints on its --metrics port, or run commands that exist", () => {
    const surface = cliSurface();
    for (const p of pods) {
      const c = p.containers.find(isPetrel)!;
      const metrics = optionValue(argvOf(c), 'metrics');
      assert.ok(metrics, `${p.owner.file}: --metrics ADDR:PORT`);
      const port = Number(metrics.split(':').at(-1));
      for (const kind of ['livenessProbe', 'readinessProbe']) {
        const probe = obj(c[kind], `${p.owner.file} petrel ${kind}`);
        if (probe.httpGet) {
          const h = obj(probe.httpGet, 'httpGet');
          assert.equal(h.port, port, `${p.owner.file} ${kind}: the metrics port`);
          assert.ok(sourceHasLiteral(str(h.path, 'path'), 'api/'), `${p.owner.file} ${kind}: src/api serves ${String(h.path)}`);
        } else {
          const cmd = strings(obj(probe.exec, 'exec').command, 'command');
          assert.equal(cmd[0], 'petrel');
          assert.deepEqual(checkCommandLine(surface, cmd.slice(1)), []);
        }
      }
      assert.equal(obj(c.livenessProbe, 'livenessProbe').failureThreshold, 6, "calico-node's liveness tolerance (6 x 10 s)");
    }
  });

  it('capabilities: the three the image needs, nothing else; non-root unless the shared host directory needs root', () => {
    const uid = imageUid();
    for (const p of pods) {
      const c = p.containers.find(isPetrel)!;
      const sc = obj(c.securityContext, `${p.owner.file} securityContext`);
      const caps = obj(sc.capabilities, 'capabilities');
      assert.deepEqual(strings(caps.drop, 'drop'), ['ALL']);
      assert.deepEqual(strings(caps.add, 'add').sort(), CAPS);
      assert.equal(sc.readOnlyRootFilesystem, true);
      const podSc = (p.spec.securityContext ?? {}) as Doc;
      const runAs = (sc.runAsUser ?? podSc.runAsUser) as number | undefined;
      if (runAs === 0) {
        // Only where petrel must create bird.ctl in calico-node's root-owned hostPath.
        const hostPaths = [...p.volumes.values()].filter((v) => v.hostPath).map((v) => obj(v.hostPath, 'hostPath').path);
        assert.deepEqual(hostPaths, ['/var/run/calico'], `${p.owner.file}: root only for the shared /var/run/calico`);
      } else {
        assert.equal(runAs, uid, `${p.owner.file}: the image's user`);
        assert.equal(sc.runAsNonRoot ?? podSc.runAsNonRoot, true);
        // File capabilities do not survive no_new_privs.
        assert.equal(sc.allowPrivilegeEscalation, true, `${p.owner.file}: file capabilities need privilege escalation allowed`);
      }
    }
  });

  it('the sidecar: BIRD and confd off in calico-node, whose readiness asks petrel through the shared /var/run/calico', () => {
    const ds = pods.find((p) => p.owner.name === 'calico-node')!;
    const calico = ds.containers.find((c) => c.name === 'calico-node')!;
    const backend = env(calico).get('CALICO_NETWORKING_BACKEND')?.value;
    // calico-node's rc.local skips bird, bird6 and confd for exactly these two.
    assert.ok(backend === 'vxlan' || backend === 'none', `CALICO_NETWORKING_BACKEND=${String(backend)}`);
    const live = strings(obj(obj(calico.livenessProbe, 'livenessProbe').exec, 'exec').command, 'command');
    const ready = strings(obj(obj(calico.readinessProbe, 'readinessProbe').exec, 'exec').command, 'command');
    assert.ok(!live.includes('-bird-live'), '-bird-live would fail: no bird service runs');
    assert.ok(ready.includes('-bird-ready'), "calico-node's BGP readiness now reads petrel's socket");
    const volume = ds.volumes.get('var-run-calico');
    assert.equal(obj(volume?.hostPath, 'var-run-calico hostPath').path, '/var/run/calico', "the volume name calico.yaml mounts in calico-node");
    const petrel = ds.containers.find(isPetrel)!;
    // calico-node -bird-ready and calicoctl read exactly this path.
    assert.equal(optionValue(argvOf(petrel), 'bird-socket'), '/var/run/calico/bird.ctl');
    assert.equal(optionValue(argvOf(petrel), 'fib'), 'kernel', 'the sidecar programs routes, as BIRD did');
  });

  it('the route reflector: a Deployment with its ServiceAccount, never two on one node', () => {
    const rr = pods.find((p) => p.owner.kind === 'Deployment')!;
    const spec = obj(rr.owner.doc.spec, 'spec');
    const selector = obj(obj(spec.selector, 'selector').matchLabels, 'matchLabels');
    const labels = obj(obj(obj(spec.template, 'template').metadata, 'metadata').labels, 'labels');
    for (const [k, v] of Object.entries(selector)) assert.equal(labels[k], v, 'the selector matches the pod template');
    assert.ok(all.some((m) => m.kind === 'ServiceAccount' && m.name === rr.serviceAccount && m.namespace === rr.owner.namespace));
    const anti = arr(obj(obj(rr.spec.affinity, 'affinity').podAntiAffinity, 'podAntiAffinity').requiredDuringSchedulingIgnoredDuringExecution, 'anti');
    assert.equal(obj(anti[0], 'term').topologyKey, 'kubernetes.io/hostname', 'port 179 on the host: one reflector per node');
    const rolling = obj(obj(spec.strategy, 'strategy').rollingUpdate, 'rollingUpdate');
    assert.equal(rolling.maxSurge, 0);
    const c = rr.containers.find(isPetrel)!;
    assert.equal(optionValue(argvOf(c), 'fib'), 'none', 'a standalone reflector forwards nothing');
  });

  it('RBAC covers every resource the Kubernetes datastore reads, for both ServiceAccounts', () => {
    const required = [
      ...['bgpconfigurations', 'bgppeers', 'ippools', 'blockaffinities', 'bgpfilters'].map((resource) => ({ group: 'crd.projectcalico.org', resource, namespaced: false })),
      { group: '', resource: 'nodes', namespaced: false },
      { group: '', resource: 'secrets', namespaced: true },
    ];
    // And whatever the datastore's source reads today, so a new watch without a grant fails here.
    const reads = datastoreReads();
    for (const r of reads) if (!required.some((q) => q.group === r.group && q.resource === r.resource)) required.push(r);
    for (const p of pods) {
      const ns = p.owner.namespace ?? 'default';
      const g = grants(all, p.serviceAccount, ns);
      for (const r of required) {
        const ok = g.some(
          (x) => x.group === r.group && (x.resource === r.resource || x.resource === '*') && ['get', 'list', 'watch'].every((v) => x.verbs.includes(v)) && (x.namespace === undefined || (r.namespaced && x.namespace === ns)),
        );
        assert.ok(ok, `${p.serviceAccount} (${p.owner.file}) may get, list and watch ${r.group || 'core'}/${r.resource}`);
      }
      // Read-only: petrel writes nothing to the API server.
      for (const x of g) assert.deepEqual(x.verbs.filter((v) => !['get', 'list', 'watch'].includes(v)), [], `${x.resource}: read-only`);
    }
  });
});
