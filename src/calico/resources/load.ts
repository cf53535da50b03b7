/**
 * loadResources: a multi-document YAML stream of Calico v3 resources (what
 * `calicoctl apply -f` takes, plus BlockAffinity and Secret documents) into a
 * validated snapshot. Any problem rejects the whole stream: a half-applied
 * datastore is worse than the previous one.
 */
import { cidrContains } from '../address.js';
import { CalicoConfigError, type SourceRef, type ValidationIssue } from '../errors.js';
import { ResourceReader, describe } from '../fields.js';
import { parseYamlDocuments, type RawDocument, type RawObject } from '../yaml-documents.js';
import { readBgpConfiguration } from './bgp-configuration.js';
import { readBgpFilter } from './bgp-filter.js';
import { readBgpPeer } from './bgp-peer.js';
import { readBlockAffinity } from './block-affinity.js';
import { readIpPool } from './ip-pool.js';
import { readNode } from './node.js';
import { readSecret } from './secret.js';
import { readProfile, readWorkloadEndpoint } from './workload-endpoint.js';
import type {
  BgpConfiguration,
  BgpFilter,
  BgpPeer,
  BlockAffinity,
  CalicoNode,
  CalicoResource,
  CalicoResources,
  IpPool,
  Meta,
  Profile,
  Secret,
  WorkloadEndpoint,
} from './types.js';

const CALICO_API = 'projectcalico.org/v3';
const CALICO_KINDS = ['BGPConfiguration', 'BGPPeer', 'Node', 'IPPool', 'BlockAffinity', 'BGPFilter', 'WorkloadEndpoint', 'Profile'];
/** Calico kinds a calicoctl file may carry that have no bearing on BGP: accepted and ignored. */
const IGNORED_CALICO_KINDS = [
  'FelixConfiguration',
  'KubeControllersConfiguration',
  'ClusterInformation',
  'IPAMConfiguration',
  'IPReservation',
  'GlobalNetworkPolicy',
  'NetworkPolicy',
  'StagedGlobalNetworkPolicy',
  'StagedNetworkPolicy',
  'StagedKubernetesNetworkPolicy',
  'GlobalNetworkSet',
  'NetworkSet',
  'HostEndpoint',
  'Tier',
  'CalicoNodeStatus',
];

export interface ResourceText {
  readonly text: string;
  readonly source: string;
}

/** Parse and validate one YAML stream. Throws CalicoConfigError listing every problem. */
export function loadResources(yamlText: string, source: string): CalicoResources {
  return loadResourceLayers([{ text: yamlText, source }]);
}

/**
 * Parse several streams applied in order, as successive `calicoctl apply`
 * runs would be: a resource in a later layer replaces the one of the same
 * kind and name. Within one layer a repeated resource is an error.
 */
export function loadResourceLayers(layers: readonly ResourceText[]): CalicoResources {
  const issues: ValidationIssue[] = [];
  const warnings: ValidationIssue[] = [];
  const byKey = new Map<string, CalicoResource>();
  for (const layer of layers) {
    let docs: RawDocument[];
    try {
      docs = parseYamlDocuments(layer.text, layer.source);
    } catch (e) {
      if (e instanceof CalicoConfigError) {
        issues.push(...e.issues);
        continue;
      }
      throw e;
    }
    const seen = new Map<string, SourceRef>();
    const flat = flattenLists(docs, layer.source, issues);
    for (const { doc, where } of flat) {
      const res = readDocument(doc, where, issues, warnings);
      if (res === undefined) continue;
      // WorkloadEndpoints are namespaced: the same name may be used in two namespaces.
      const key = res.kind === 'WorkloadEndpoint' ? `${res.kind}/${res.namespace}/${res.name}` : `${res.kind}/${res.name}`;
      const earlier = seen.get(key);
      if (earlier) {
        issues.push({
          kind: res.kind,
          name: res.name,
          field: 'metadata.name',
          problem: `is defined twice in ${layer.source} (first at line ${earlier.line ?? '?'})`,
          where,
        });
        continue;
      }
      seen.set(key, where);
      byKey.set(key, res);
    }
  }
  const resources = collect([...byKey.values()], layers.map((l) => l.source).join(' + '), warnings);
  issues.push(...crossCheck(resources, warnings));
  if (issues.length > 0) throw new CalicoConfigError(issues);
  return resources;
}

/** One resource already parsed from a live datastore (JSON reduced to RawObject), with where it came from. */
export interface ResourceObject {
  readonly doc: RawObject;
  readonly where: SourceRef;
}

/**
 * Validate resources that arrive as objects (the Kubernetes API, etcd values)
 * rather than as YAML text, with the same rules as a file. Each object has its
 * own key, so there is no "defined twice" here: the store holds one per name.
 */
export function loadResourceObjects(objects: readonly ResourceObject[], source: string): CalicoResources {
  const issues: ValidationIssue[] = [];
  const warnings: ValidationIssue[] = [];
  const all: CalicoResource[] = [];
  for (const { doc, where } of objects) {
    const res = readDocument(doc, where, issues, warnings);
    if (res !== undefined) all.push(res);
  }
  const resources = collect(all, source, warnings);
  issues.push(...crossCheck(resources, warnings));
  if (issues.length > 0) throw new CalicoConfigError(issues);
  return resources;
}

function flattenLists(docs: RawDocument[], source: string, issues: ValidationIssue[]): { doc: RawObject; where: SourceRef }[] {
  const out: { doc: RawObject; where: SourceRef }[] = [];
  for (const d of docs) {
    const where: SourceRef = { source, line: d.line };
    if (typeof d.value !== 'object' || d.value === null || Array.isArray(d.value)) {
      issues.push({ kind: 'document', name: `${d.index + 1}`, field: '', problem: `expected a resource (a map with kind and metadata), got ${describe(d.value)}`, where });
      continue;
    }
    const kind = d.value['kind'];
    if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(d.value['items'])) {
      d.value['items'].forEach((item, i) => {
        if (typeof item === 'object' && item !== null && !Array.isArray(item)) out.push({ doc: item, where });
        else issues.push({ kind, name: '', field: `items[${i}]`, problem: `expected a resource, got ${describe(item)}`, where });
      });
    } else {
      out.push({ doc: d.value, where });
    }
  }
  return out;
}

function readDocument(doc: RawObject, where: SourceRef, issues: ValidationIssue[], warnings: ValidationIssue[]): CalicoResource | undefined {
  const kind = typeof doc['kind'] === 'string' ? doc['kind'] : '';
  const metaRaw = doc['metadata'];
  const name = typeof metaRaw === 'object' && metaRaw !== null && !Array.isArray(metaRaw) && typeof metaRaw['name'] === 'string' ? metaRaw['name'] : '';
  const r = new ResourceReader(kind === '' ? 'resource' : kind, name, where);
  const finish = <T extends CalicoResource | undefined>(res: T): T | undefined => {
    issues.push(...r.issues);
    warnings.push(...r.warnings);
    return r.ok ? res : undefined;
  };
  if (kind === '') {
    r.fail('kind', 'is required');
    return finish(undefined);
  }
  const apiVersion = r.text(doc['apiVersion'], 'apiVersion');
  if (kind === 'Secret') {
    if (apiVersion !== undefined && apiVersion !== 'v1') r.fail('apiVersion', `must be v1 for a Secret, got "${apiVersion}"`);
  } else if (CALICO_KINDS.includes(kind) || IGNORED_CALICO_KINDS.includes(kind)) {
    const ok = apiVersion === undefined || apiVersion === CALICO_API || (kind === 'BlockAffinity' && apiVersion === 'crd.projectcalico.org/v1');
    if (!ok) r.fail('apiVersion', `must be ${CALICO_API}, got "${apiVersion}"`);
  } else {
    r.fail('kind', `"${kind}" is not a resource petrel reads (${[...CALICO_KINDS, 'Secret'].join(', ')})`);
    return finish(undefined);
  }
  if (IGNORED_CALICO_KINDS.includes(kind)) {
    r.warn('kind', 'has no effect on BGP; ignored');
    return finish(undefined);
  }
  const meta = r.object(metaRaw, 'metadata');
  if (meta === undefined) {
    r.fail('metadata', 'is required');
    return finish(undefined);
  }
  if (name === '') {
    r.fail('metadata.name', 'is required');
    return finish(undefined);
  }
  const labels = r.stringMap(meta['labels'], 'metadata.labels');
  const namespace = r.text(meta['namespace'], 'metadata.namespace');
  r.unknownFields(doc, '', ['apiVersion', 'kind', 'metadata', 'spec', 'status', 'data', 'stringData', 'type', 'immutable']);
  const annotations = r.stringMap(meta['annotations'], 'metadata.annotations');
  const m: Meta = { name, where, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) };
  const spec = r.object(doc['spec'], 'spec');
  switch (kind) {
    case 'BGPConfiguration':
      return finish(readBgpConfiguration(r, m, spec));
    case 'BGPPeer':
      return finish(readBgpPeer(r, m, spec));
    case 'Node':
      return finish(readNode(r, m, spec, labels));
    case 'IPPool':
      return finish(readIpPool(r, m, spec));
    case 'BlockAffinity':
      return finish(readBlockAffinity(r, m, spec));
    case 'BGPFilter':
      return finish(readBgpFilter(r, m, spec));
    case 'Secret':
      return finish(readSecret(r, m, doc, namespace));
    case 'WorkloadEndpoint':
      return finish(readWorkloadEndpoint(r, m, spec, labels, namespace));
    case 'Profile':
      return finish(readProfile(r, m, spec));
    default:
      return finish(undefined);
  }
}

const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function collect(all: CalicoResource[], source: string, warnings: ValidationIssue[]): CalicoResources {
  const of = <K extends CalicoResource['kind']>(k: K) => all.filter((r): r is Extract<CalicoResource, { kind: K }> => r.kind === k).sort(byName);
  return {
    source,
    bgpConfigurations: new Map(of('BGPConfiguration').map((r): [string, BgpConfiguration] => [r.name, r])),
    bgpPeers: of('BGPPeer') as BgpPeer[],
    nodes: new Map(of('Node').map((r): [string, CalicoNode] => [r.name, r])),
    ipPools: of('IPPool') as IpPool[],
    blockAffinities: of('BlockAffinity') as BlockAffinity[],
    bgpFilters: new Map(of('BGPFilter').map((r): [string, BgpFilter] => [r.name, r])),
    secrets: new Map(of('Secret').map((r): [string, Secret] => [r.name, r])),
    workloadEndpoints: (of('WorkloadEndpoint') as WorkloadEndpoint[]).sort((a, b) => byName({ name: a.namespace }, { name: b.namespace }) || byName(a, b)),
    profiles: new Map(of('Profile').map((r): [string, Profile] => [r.name, r])),
    warnings,
  };
}

/** Rules that span resources. Errors are what calicoctl would refuse; the rest are warnings. */
function crossCheck(res: CalicoResources, warnings: ValidationIssue[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const pools = res.ipPools;
  for (let i = 0; i < pools.length; i++) {
    for (let j = i + 1; j < pools.length; j++) {
      const a = pools[i]!;
      const b = pools[j]!;
      if (cidrContains(a.cidr, b.cidr) || cidrContains(b.cidr, a.cidr)) {
        issues.push({ kind: 'IPPool', name: b.name, field: 'spec.cidr', problem: `${b.cidr.text} overlaps IPPool "${a.name}" (${a.cidr.text})`, ...(b.where ? { where: b.where } : {}) });
      }
    }
  }
  const claimed = new Map<string, string>();
  for (const n of res.nodes.values()) {
    for (const addr of [n.bgp?.ipv4Address, n.bgp?.ipv6Address]) {
      if (!addr) continue;
      const other = claimed.get(addr.ip.text);
      if (other !== undefined) {
        issues.push({ kind: 'Node', name: n.name, field: addr.ip.family === 'ipv4' ? 'spec.bgp.ipv4Address' : 'spec.bgp.ipv6Address', problem: `${addr.ip.text} is also the address of Node "${other}"`, ...(n.where ? { where: n.where } : {}) });
      } else claimed.set(addr.ip.text, n.name);
    }
  }
  const affinity = new Map<string, BlockAffinity>();
  for (const b of res.blockAffinities) {
    if (b.deleted) continue;
    const prior = affinity.get(b.cidr.text);
    if (prior && prior.node !== b.node) {
      issues.push({ kind: 'BlockAffinity', name: b.name, field: 'spec.cidr', problem: `block ${b.cidr.text} is already affine to node "${prior.node}" (BlockAffinity "${prior.name}")`, ...(b.where ? { where: b.where } : {}) });
    } else affinity.set(b.cidr.text, b);
  }
  const warn = (kind: string, name: string, field: string, problem: string): void => {
    warnings.push({ kind, name, field, problem });
  };
  for (const p of res.bgpPeers) {
    p.spec.filters.forEach((f, i) => {
      if (!res.bgpFilters.has(f)) warn('BGPPeer', p.name, `spec.filters[${i}]`, `BGPFilter "${f}" does not exist; the peering goes ahead without it, as in Calico`);
    });
    if (p.spec.password && !res.secrets.get(p.spec.password.name)?.data[p.spec.password.key]) {
      warn('BGPPeer', p.name, 'spec.password.secretKeyRef', `Secret "${p.spec.password.name}" has no key "${p.spec.password.key}"; the session runs without a password until it does`);
    }
    if (p.spec.node !== undefined && !res.nodes.has(p.spec.node)) warn('BGPPeer', p.name, 'spec.node', `Node "${p.spec.node}" does not exist`);
  }
  const mesh = res.bgpConfigurations.get('default')?.spec.nodeMeshPassword;
  if (mesh && !res.secrets.get(mesh.name)?.data[mesh.key]) {
    warn('BGPConfiguration', 'default', 'spec.nodeMeshPassword.secretKeyRef', `Secret "${mesh.name}" has no key "${mesh.key}"; mesh sessions run without a password until it does`);
  }
  return issues;
}
