/** Kubernetes Secret (v1), the holder of BGP passwords referenced by secretKeyRef. */
import type { ResourceReader } from '../fields.js';
import type { RawObject } from '../yaml-documents.js';
import type { Meta, Secret } from './types.js';

export function readSecret(r: ResourceReader, meta: Meta, doc: RawObject, namespace: string | undefined): Secret {
  r.unknownFields(doc, '', ['apiVersion', 'kind', 'metadata', 'type', 'data', 'stringData', 'immutable']);
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.stringMap(doc['data'], 'data'))) {
    const clean = v.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
      r.fail(`data.${k}`, 'is not base64 (use stringData for plain text)');
      continue;
    }
    data[k] = Buffer.from(clean, 'base64').toString('utf8');
  }
  Object.assign(data, r.stringMap(doc['stringData'], 'stringData'));
  return { kind: 'Secret', ...meta, ...(namespace ? { namespace } : {}), data };
}
