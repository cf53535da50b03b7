/**
 * Kubernetes objects to the Calico v3 resources the file loader reads, as
 * libcalico-go's Kubernetes backend converts them:
 *
 * - crd.projectcalico.org/v1 custom resources hold the v3 spec as it is
 *   (BlockAffinity's `deleted` is a string there, which the reader accepts);
 * - a Calico Node is the core Node: its name, its labels, and the
 *   projectcalico.org/* annotations calico-node writes (the BGP addresses, AS
 *   number, route-reflector cluster ID and tunnel addresses);
 * - Secrets in calico-node's namespace hold BGP passwords (base64 data).
 */
import type { SourceRef } from '../../errors.js';
import type { ResourceObject } from '../../resources/load.js';
import type { RawObject, RawValue } from '../../yaml-documents.js';
import { jsonToRaw } from '../live-datastore.js';
import type { KubeObject } from './transport.js';

export const CRD_GROUP_VERSION = 'crd.projectcalico.org/v1';

/** The custom resources petrel reads, by plural (the API path) and kind. */
export const CALICO_CRDS = [
  { plural: 'bgpconfigurations', kind: 'BGPConfiguration' },
  { plural: 'bgppeers', kind: 'BGPPeer' },
  { plural: 'ippools', kind: 'IPPool' },
  { plural: 'blockaffinities', kind: 'BlockAffinity' },
  { plural: 'bgpfilters', kind: 'BGPFilter' },
] as const;

/** Node annotations (libcalico-go resources/k8s node conversion) and the v3 field each fills. */
export const NODE_ANNOTATIONS: readonly { readonly annotation: string; readonly path: readonly string[] }[] = [
  { annotation: 'projectcalico.org/IPv4Address', path: ['bgp', 'ipv4Address'] },
  { annotation: 'projectcalico.org/IPv6Address', path: ['bgp', 'ipv6Address'] },
  { annotation: 'projectcalico.org/ASNumber', path: ['bgp', 'asNumber'] },
  { annotation: 'projectcalico.org/RouteReflectorClusterID', path: ['bgp', 'routeReflectorClusterID'] },
  { annotation: 'projectcalico.org/IPv4IPIPTunnelAddr', path: ['bgp', 'ipv4IPIPTunnelAddr'] },
  { annotation: 'projectcalico.org/IPv4VXLANTunnelAddr', path: ['ipv4VXLANTunnelAddr'] },
  { annotation: 'projectcalico.org/IPv6VXLANTunnelAddr', path: ['ipv6VXLANTunnelAddr'] },
  { annotation: 'projectcalico.org/VXLANTunnelMACAddr', path: ['vxlanTunnelMACAddr'] },
  { annotation: 'projectcalico.org/IPv4WireguardInterfaceAddr', path: ['wireguard', 'interfaceIPv4Address'] },
  { annotation: 'projectcalico.org/IPv6WireguardInterfaceAddr', path: ['wireguard', 'interfaceIPv6Address'] },
];

const where = (path: string, name: string): SourceRef => ({ source: `kubernetes ${path}/${name}` });

function meta(o: KubeObject): { name: string; namespace?: string; labels: RawValue; annotations: Record<string, unknown> } {
  const m = (o.metadata ?? {}) as { name?: unknown; namespace?: unknown; labels?: unknown; annotations?: unknown };
  const annotations = typeof m.annotations === 'object' && m.annotations !== null ? (m.annotations as Record<string, unknown>) : {};
  return {
    name: typeof m.name === 'string' ? m.name : '',
    ...(typeof m.namespace === 'string' ? { namespace: m.namespace } : {}),
    labels: m.labels === undefined ? null : jsonToRaw(m.labels),
    annotations,
  };
}

/** A custom resource as the v3 resource it stores. */
export function fromCustomResource(kind: string, path: string, o: KubeObject): ResourceObject {
  const m = meta(o);
  const doc: RawObject = {
    apiVersion: 'projectcalico.org/v3',
    kind,
    metadata: { name: m.name, ...(m.labels !== null ? { labels: m.labels } : {}) },
  };
  if (o['spec'] !== undefined) doc['spec'] = jsonToRaw(o['spec']);
  return { doc, where: where(path, m.name) };
}

/** A core Node as the Calico Node that libcalico-go derives from it. */
export function fromNode(path: string, o: KubeObject): ResourceObject {
  const m = meta(o);
  const spec: { [k: string]: RawValue } = {};
  for (const { annotation, path: fieldPath } of NODE_ANNOTATIONS) {
    const v = m.annotations[annotation];
    if (typeof v !== 'string' || v === '') continue;
    let at = spec;
    for (const step of fieldPath.slice(0, -1)) {
      const next = at[step];
      at = (at[step] = typeof next === 'object' && next !== null && !Array.isArray(next) ? next : {}) as { [k: string]: RawValue };
    }
    at[fieldPath[fieldPath.length - 1]!] = v;
  }
  const doc: RawObject = { apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: m.name, ...(m.labels !== null ? { labels: m.labels } : {}) }, spec };
  return { doc, where: where(path, m.name) };
}

/** A Secret: only its data (base64, as the API serves it) matters. */
export function fromSecret(path: string, o: KubeObject): ResourceObject {
  const m = meta(o);
  const doc: RawObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: m.name, ...(m.namespace ? { namespace: m.namespace } : {}) } };
  if (o['data'] !== undefined) doc['data'] = jsonToRaw(o['data']);
  return { doc, where: where(path, m.name) };
}

/** Names of the Secrets that BGPPeers and the BGPConfigurations refer to for passwords. */
export function referencedSecrets(peers: Iterable<KubeObject>, configs: Iterable<KubeObject>): Set<string> {
  const names = new Set<string>();
  const ref = (v: unknown): void => {
    const name = (v as { secretKeyRef?: { name?: unknown } } | undefined)?.secretKeyRef?.name;
    if (typeof name === 'string' && name !== '') names.add(name);
  };
  for (const p of peers) ref((p['spec'] as { password?: unknown } | undefined)?.password);
  for (const c of configs) ref((c['spec'] as { nodeMeshPassword?: unknown } | undefined)?.nodeMeshPassword);
  return names;
}
