/** BGPPeer, api/pkg/apis/projectcalico/v3/bgppeer.go, with Calico's validation rules. */
import type { ResourceReader } from '../fields.js';
import { parsePeerAddress } from '../values.js';
import type { RawObject } from '../yaml-documents.js';
import { dropUndefined } from './bgp-configuration.js';
import { readAsNumber, readDuration, readIp, readSecretKeyRef, readSelector } from './common.js';
import type { BgpPeer, BgpPeerSpec, MaxPrefixes, Meta } from './types.js';

const SPEC_FIELDS = [
  'node',
  'nodeSelector',
  'peerIP',
  'peerSelector',
  'localWorkloadSelector',
  'asNumber',
  'localASNumber',
  'password',
  'sourceAddress',
  'maxRestartTime',
  'keepaliveTime',
  'keepOriginalNextHop',
  'nextHopMode',
  'numAllowedLocalASNumbers',
  'ttlSecurity',
  'reachableBy',
  'filters',
  'reversePeering',
];

export function readBgpPeer(r: ResourceReader, meta: Meta, spec: RawObject | undefined): BgpPeer {
  const s = spec ?? {};
  r.unknownFields(spec, 'spec', SPEC_FIELDS);
  const peerIPText = r.text(s['peerIP'], 'spec.peerIP');
  let peerIP: BgpPeerSpec['peerIP'];
  if (peerIPText !== undefined) {
    peerIP = parsePeerAddress(peerIPText) ?? undefined;
    if (peerIP === undefined) {
      r.fail('spec.peerIP', `"${peerIPText}" is not an IP address, ip:port or [ipv6]:port`);
    }
  }
  const result: BgpPeerSpec = dropUndefined({
    node: r.text(s['node'], 'spec.node'),
    nodeSelector: readSelector(r, s['nodeSelector'], 'spec.nodeSelector'),
    peerIP,
    peerSelector: readSelector(r, s['peerSelector'], 'spec.peerSelector'),
    localWorkloadSelector: readSelector(r, s['localWorkloadSelector'], 'spec.localWorkloadSelector'),
    asNumber: readAsNumber(r, s['asNumber'], 'spec.asNumber'),
    localASNumber: readAsNumber(r, s['localASNumber'], 'spec.localASNumber'),
    password: readSecretKeyRef(r, s['password'], 'spec.password'),
    sourceAddress: r.oneOf(s['sourceAddress'], 'spec.sourceAddress', ['UseNodeIP', 'None'] as const),
    maxRestartTime: readDuration(r, s['maxRestartTime'], 'spec.maxRestartTime'),
    keepaliveTime: readDuration(r, s['keepaliveTime'], 'spec.keepaliveTime'),
    keepOriginalNextHop: r.bool(s['keepOriginalNextHop'], 'spec.keepOriginalNextHop'),
    nextHopMode: r.oneOf(s['nextHopMode'], 'spec.nextHopMode', ['Auto', 'Self', 'Keep'] as const),
    numAllowedLocalASNumbers: r.integer(s['numAllowedLocalASNumbers'], 'spec.numAllowedLocalASNumbers', 0, 10),
    ttlSecurity: r.integer(s['ttlSecurity'], 'spec.ttlSecurity', 0, 255),
    reachableBy: readIp(r, s['reachableBy'], 'spec.reachableBy'),
    filters: r.stringList(s['filters'], 'spec.filters') ?? [],
    reversePeering: r.oneOf(s['reversePeering'], 'spec.reversePeering', ['Auto', 'Manual'] as const),
  });

  // Calico's cross-field rules (libcalico-go validator): each names the field at fault.
  if (result.node !== undefined && result.nodeSelector !== undefined) {
    r.fail('spec.nodeSelector', 'must be empty when spec.node is set (use one or the other)');
  }
  if (result.peerIP !== undefined && result.peerSelector !== undefined) {
    r.fail('spec.peerSelector', 'must be empty when spec.peerIP is set (use one or the other)');
  }
  if (result.localWorkloadSelector !== undefined && (result.peerIP !== undefined || result.peerSelector !== undefined)) {
    r.fail('spec.localWorkloadSelector', 'must be empty when spec.peerIP or spec.peerSelector is set');
  }
  if (result.peerSelector !== undefined && result.asNumber !== undefined && result.asNumber !== 0) {
    r.fail('spec.asNumber', 'must be empty when spec.peerSelector is set (the AS comes from each selected node)');
  }
  if (result.peerIP !== undefined && (result.asNumber === undefined || result.asNumber === 0)) {
    r.fail('spec.asNumber', 'is required when spec.peerIP is set');
  }
  if (result.localWorkloadSelector !== undefined && (result.asNumber === undefined || result.asNumber === 0)) {
    r.fail('spec.asNumber', 'is required when spec.localWorkloadSelector is set');
  }
  if (result.reachableBy !== undefined && result.peerIP !== undefined && result.reachableBy.family !== result.peerIP.ip.family) {
    r.fail('spec.reachableBy', `address family does not match spec.peerIP (${result.peerIP.ip.text})`);
  }
  if (result.peerIP === undefined && result.peerSelector === undefined && result.localWorkloadSelector === undefined) {
    r.warn('spec', 'has no peerIP, peerSelector or localWorkloadSelector: it peers with nothing');
  }
  result.filters.forEach((f, i) => {
    if (f === '') r.fail(`spec.filters[${i}]`, 'is empty');
  });
  const maxPrefixes = readMaxPrefixes(r, meta.annotations ?? {});
  return { kind: 'BGPPeer', ...meta, spec: result, ...(maxPrefixes ? { maxPrefixes } : {}) };
}

/** petrel's annotations on a BGPPeer for the max-prefix limit (BIRD: `receive limit N action restart|warn`). */
export const MAX_PREFIXES_ANNOTATION = 'petrel.dev/max-prefixes';
export const MAX_PREFIXES_ACTION_ANNOTATION = 'petrel.dev/max-prefixes-action';

function readMaxPrefixes(r: ResourceReader, annotations: Readonly<Record<string, string>>): MaxPrefixes | undefined {
  const limitText = annotations[MAX_PREFIXES_ANNOTATION];
  const actionText = annotations[MAX_PREFIXES_ACTION_ANNOTATION];
  const limitField = `metadata.annotations["${MAX_PREFIXES_ANNOTATION}"]`;
  const actionField = `metadata.annotations["${MAX_PREFIXES_ACTION_ANNOTATION}"]`;
  if (limitText === undefined) {
    if (actionText !== undefined) r.fail(actionField, `needs ${MAX_PREFIXES_ANNOTATION} as well`);
    return undefined;
  }
  if (!/^[0-9]+$/.test(limitText.trim()) || Number(limitText) < 1 || Number(limitText) > 0xffffffff) {
    r.fail(limitField, `"${limitText}" is not a whole number from 1 to 4294967295`);
    return undefined;
  }
  const action = actionText === undefined ? 'restart' : actionText.trim().toLowerCase();
  if (action !== 'restart' && action !== 'warn') {
    r.fail(actionField, `"${actionText}" is not restart or warn`);
    return undefined;
  }
  return { limit: Number(limitText), action };
}
