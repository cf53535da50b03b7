/**
 * BlockAffinity (libcalico-go apis/v3 blockaffinity.go): an IPAM block
 * claimed by a node. confd originates a blackhole for each affine block and
 * exports it, suppressing the workload /32s inside it.
 */
import type { ResourceReader } from '../fields.js';
import type { RawObject } from '../yaml-documents.js';
import { readCidr } from './common.js';
import type { AffinityState, BlockAffinity, Meta } from './types.js';

export function readBlockAffinity(r: ResourceReader, meta: Meta, spec: RawObject | undefined): BlockAffinity | undefined {
  const s = spec ?? {};
  r.unknownFields(spec, 'spec', ['node', 'cidr', 'state', 'deleted', 'type']);
  const node = r.text(s['node'], 'spec.node');
  if (node === undefined) r.fail('spec.node', 'is required');
  const cidr = readCidr(r, s['cidr'], 'spec.cidr');
  if (cidr === undefined && r.text(s['cidr'], 'spec.cidr') === undefined) r.fail('spec.cidr', 'is required');
  const state: AffinityState = r.oneOf(s['state'], 'spec.state', ['confirmed', 'pending', 'pendingDeletion'] as const) ?? '';
  const deletedRaw = s['deleted'];
  // The v3 API stores `deleted` as a string ("true"/"false"); accept either form.
  const deleted = deletedRaw === undefined || deletedRaw === null ? false : r.bool(deletedRaw, 'spec.deleted') ?? false;
  const type = r.text(s['type'], 'spec.type');
  if (type !== undefined && type !== 'host') r.warn('spec.type', `"${type}" affinities do not belong to a node's routing; ignored`);
  if (node === undefined || cidr === undefined) return undefined;
  return { kind: 'BlockAffinity', ...meta, node, cidr, state, deleted: deleted || (type !== undefined && type !== 'host') };
}
