/** BGPConfiguration (`default` and `node.<name>`), api/pkg/apis/projectcalico/v3/bgpconfig.go. */
import type { Cidr } from '../address.js';
import type { ResourceReader } from '../fields.js';
import { parseCommunity } from '../values.js';
import type { RawObject } from '../yaml-documents.js';
import { readAsNumber, readCidr, readDuration, readIp, readSecretKeyRef } from './common.js';
import {
  PROGRAM_CLUSTER_ROUTES,
  type BgpConfiguration,
  type BgpConfigurationSpec,
  type CommunityDefinition,
  type Meta,
  type PrefixAdvertisement,
} from './types.js';

const SPEC_FIELDS = [
  'asNumber',
  'nodeToNodeMeshEnabled',
  'nodeMeshPassword',
  'nodeMeshMaxRestartTime',
  'listenPort',
  'bindMode',
  'logSeverityScreen',
  'ignoredInterfaces',
  'communities',
  'prefixAdvertisements',
  'serviceClusterIPs',
  'serviceExternalIPs',
  'serviceLoadBalancerIPs',
  'serviceLoadBalancerAggregation',
  'programClusterRoutes',
  'localWorkloadPeeringIPV4',
  'localWorkloadPeeringIPV6',
  'ipv4NormalRoutePriority',
  'ipv6NormalRoutePriority',
] as const;

/** confd reads only these from a `node.<name>` configuration; the rest is global-only. */
const PER_NODE_FIELDS = new Set(['listenPort', 'logSeverityScreen', 'prefixAdvertisements', 'communities']);

function readServiceBlocks(r: ResourceReader, v: RawObject[string] | undefined, field: string): Cidr[] | undefined {
  const list = r.list(v, field);
  if (list === undefined) return undefined;
  const out: Cidr[] = [];
  list.forEach((item, i) => {
    const o = r.object(item, `${field}[${i}]`);
    if (o === undefined) return;
    r.unknownFields(o, `${field}[${i}]`, ['cidr']);
    // An entry without a cidr is accepted and ignored, as Calico does.
    const c = readCidr(r, o['cidr'], `${field}[${i}].cidr`);
    if (c) out.push(c);
  });
  return out;
}

export function readBgpConfiguration(r: ResourceReader, meta: Meta, spec: RawObject | undefined): BgpConfiguration {
  const isNode = meta.name.startsWith('node.');
  if (meta.name !== 'default' && !isNode) {
    r.fail('metadata.name', `must be "default" or "node.<nodename>", got "${meta.name}"`);
  } else if (isNode && meta.name.length === 'node.'.length) {
    r.fail('metadata.name', 'names no node after "node."');
  }
  const s = spec ?? {};
  r.unknownFields(spec, 'spec', SPEC_FIELDS);
  if (isNode) {
    for (const k of Object.keys(s)) {
      if ((SPEC_FIELDS as readonly string[]).includes(k) && !PER_NODE_FIELDS.has(k) && s[k] !== null) {
        r.warn(`spec.${k}`, 'is only read from the "default" BGPConfiguration; ignored on a node-specific one');
      }
    }
  }

  const communities: CommunityDefinition[] | undefined = (() => {
    const list = r.list(s['communities'], 'spec.communities');
    if (list === undefined) return undefined;
    const out: CommunityDefinition[] = [];
    list.forEach((item, i) => {
      const f = `spec.communities[${i}]`;
      const o = r.object(item, f);
      if (o === undefined) return;
      r.unknownFields(o, f, ['name', 'value']);
      const name = r.text(o['name'], `${f}.name`);
      const value = r.text(o['value'], `${f}.value`);
      if (name === undefined) r.fail(`${f}.name`, 'is required');
      if (value === undefined) r.fail(`${f}.value`, 'is required');
      else if (parseCommunity(value) === null) {
        r.fail(`${f}.value`, `"${value}" is not a community (aa:nn with 16-bit parts, or aa:nn:mm with 32-bit parts)`);
      } else if (name !== undefined) out.push({ name, value: parseCommunity(value)!.text });
    });
    return out;
  })();

  const prefixAdvertisements: PrefixAdvertisement[] | undefined = (() => {
    const list = r.list(s['prefixAdvertisements'], 'spec.prefixAdvertisements');
    if (list === undefined) return undefined;
    const out: PrefixAdvertisement[] = [];
    list.forEach((item, i) => {
      const f = `spec.prefixAdvertisements[${i}]`;
      const o = r.object(item, f);
      if (o === undefined) return;
      r.unknownFields(o, f, ['cidr', 'communities']);
      const cidr = readCidr(r, o['cidr'], `${f}.cidr`);
      const comms = r.stringList(o['communities'], `${f}.communities`) ?? [];
      comms.forEach((c, j) => {
        if (parseCommunity(c) === null && !(communities ?? []).some((d) => d.name === c)) {
          r.fail(`${f}.communities[${j}]`, `"${c}" is neither a community value nor a name defined in spec.communities`);
        }
      });
      if (cidr) out.push({ cidr, communities: comms });
    });
    return out;
  })();

  const result: BgpConfigurationSpec = {
    asNumber: readAsNumber(r, s['asNumber'], 'spec.asNumber'),
    nodeToNodeMeshEnabled: r.bool(s['nodeToNodeMeshEnabled'], 'spec.nodeToNodeMeshEnabled'),
    nodeMeshPassword: readSecretKeyRef(r, s['nodeMeshPassword'], 'spec.nodeMeshPassword'),
    nodeMeshMaxRestartTime: readDuration(r, s['nodeMeshMaxRestartTime'], 'spec.nodeMeshMaxRestartTime'),
    listenPort: r.integer(s['listenPort'], 'spec.listenPort', 1, 65535),
    bindMode: r.oneOf(s['bindMode'], 'spec.bindMode', ['None', 'NodeIP'] as const),
    logSeverityScreen: readLogSeverity(r, s['logSeverityScreen']),
    ignoredInterfaces: r.stringList(s['ignoredInterfaces'], 'spec.ignoredInterfaces'),
    communities,
    prefixAdvertisements,
    serviceClusterIPs: readServiceBlocks(r, s['serviceClusterIPs'], 'spec.serviceClusterIPs'),
    serviceExternalIPs: readServiceBlocks(r, s['serviceExternalIPs'], 'spec.serviceExternalIPs'),
    serviceLoadBalancerIPs: readServiceBlocks(r, s['serviceLoadBalancerIPs'], 'spec.serviceLoadBalancerIPs'),
    serviceLoadBalancerAggregation: r.oneOf(s['serviceLoadBalancerAggregation'], 'spec.serviceLoadBalancerAggregation', [
      'Enabled',
      'Disabled',
    ] as const),
    programClusterRoutes: r.oneOf(s['programClusterRoutes'], 'spec.programClusterRoutes', PROGRAM_CLUSTER_ROUTES),
    localWorkloadPeeringIPV4: readIp(r, s['localWorkloadPeeringIPV4'], 'spec.localWorkloadPeeringIPV4'),
    localWorkloadPeeringIPV6: readIp(r, s['localWorkloadPeeringIPV6'], 'spec.localWorkloadPeeringIPV6'),
    ipv4NormalRoutePriority: r.integer(s['ipv4NormalRoutePriority'], 'spec.ipv4NormalRoutePriority', 1, 2147483646),
    ipv6NormalRoutePriority: r.integer(s['ipv6NormalRoutePriority'], 'spec.ipv6NormalRoutePriority', 1, 2147483646),
  };
  if (result.localWorkloadPeeringIPV4 && result.localWorkloadPeeringIPV4.family !== 'ipv4') {
    r.fail('spec.localWorkloadPeeringIPV4', 'must be an IPv4 address');
  }
  if (result.localWorkloadPeeringIPV6 && result.localWorkloadPeeringIPV6.family !== 'ipv6') {
    r.fail('spec.localWorkloadPeeringIPV6', 'must be an IPv6 address');
  }
  return { kind: 'BGPConfiguration', ...meta, spec: dropUndefined(result) };
}

/** Keep the parsed object free of undefined members so equality and JSON stay simple. */
export function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warning', 'error', 'fatal', 'panic', 'none'];

function readLogSeverity(r: ResourceReader, v: RawObject[string] | undefined): string | undefined {
  const s = r.text(v, 'spec.logSeverityScreen');
  if (s === undefined) return undefined;
  if (!LOG_LEVELS.includes(s.toLowerCase())) return r.fail('spec.logSeverityScreen', `"${s}" is not one of Trace, Debug, Info, Warning, Error, Fatal, Panic, None`);
  return s;
}
