/**
 * Calico's etcd v3 key layout (libcalico-go lib/backend/model):
 *
 *   /calico/resources/v3/projectcalico.org/<plural>/<name>
 *       the v3 resource as JSON (kind, apiVersion, metadata, spec)
 *   /calico/ipam/v2/host/<node>/ipv4/block/<a.b.c.d-len>   (ipv6 likewise)
 *       a block affinity: {"state": "confirmed", "deleted": false}
 *       (the CIDR with its "/" written as "-")
 */
import type { ResourceObject } from '../../resources/load.js';
import type { RawObject } from '../../yaml-documents.js';
import { jsonToRaw } from '../live-datastore.js';

export const RESOURCES_PREFIX = '/calico/resources/v3/projectcalico.org/';
export const AFFINITY_PREFIX = '/calico/ipam/v2/host/';

const KINDS: Readonly<Record<string, string>> = {
  bgpconfigurations: 'BGPConfiguration',
  bgppeers: 'BGPPeer',
  nodes: 'Node',
  ippools: 'IPPool',
  bgpfilters: 'BGPFilter',
};

const AFFINITY_KEY = /^\/calico\/ipam\/v2\/host\/([^/]+)\/ipv([46])\/block\/([^/]+)$/;

export type KeyReading = { readonly object: ResourceObject } | { readonly ignored: true } | { readonly problem: string };

/** The resource a key and its value stand for; keys of other kinds (policy, Felix's) are ignored. */
export function readKey(key: string, value: string): KeyReading {
  const where = { source: `etcdv3 ${key}` };
  if (key.startsWith(RESOURCES_PREFIX)) {
    const [plural, name, ...rest] = key.slice(RESOURCES_PREFIX.length).split('/');
    const kind = KINDS[plural ?? ''];
    if (kind === undefined || name === undefined || rest.length > 0) return { ignored: true };
    const parsed = parseJson(value);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { problem: `${key}: the value is not a JSON object` };
    const raw = jsonToRaw(parsed) as RawObject;
    const metadata = typeof raw['metadata'] === 'object' && raw['metadata'] !== null && !Array.isArray(raw['metadata']) ? raw['metadata'] : {};
    // The key is the identity; the JSON's kind and name cannot move a resource elsewhere.
    const doc: RawObject = { ...raw, apiVersion: 'projectcalico.org/v3', kind, metadata: { ...metadata, name } };
    return { object: { doc, where } };
  }
  const m = AFFINITY_KEY.exec(key);
  if (m) {
    const [, node, , encoded] = m;
    const cidr = encoded!.replace(/-(\d+)$/, '/$1');
    const parsed = parseJson(value);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { problem: `${key}: the value is not a JSON object` };
    const v = parsed as { state?: unknown; deleted?: unknown };
    const spec: RawObject = { node: node!, cidr };
    if (v.state !== undefined && v.state !== null && v.state !== '') spec['state'] = jsonToRaw(v.state);
    if (v.deleted !== undefined && v.deleted !== null) spec['deleted'] = jsonToRaw(v.deleted);
    const name = `${node}-${encoded!.replace(/[.:]/g, '-')}`;
    return { object: { doc: { apiVersion: 'projectcalico.org/v3', kind: 'BlockAffinity', metadata: { name }, spec }, where } };
  }
  return { ignored: true };
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
