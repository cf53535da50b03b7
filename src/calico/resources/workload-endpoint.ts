/**
 * WorkloadEndpoint (libcalico-go apis/v3 workloadendpoint.go) and Profile
 * (apis/v3 profile.go), as `calicoctl get workloadendpoints -o yaml` and
 * `calicoctl get profiles -o yaml` print them. They are the input of local
 * workload peering: a BGPPeer's localWorkloadSelector picks endpoints on this
 * node by their labels (own labels, then those their profiles apply).
 */
import { isHostCidr, parseCidr, parseIp, type Cidr } from '../address.js';
import type { ResourceReader } from '../fields.js';
import type { RawObject } from '../yaml-documents.js';
import { dropUndefined } from './bgp-configuration.js';
import type { Meta, Profile, WorkloadAddress, WorkloadEndpoint } from './types.js';

const SPEC_FIELDS = [
  'orchestrator',
  'workload',
  'node',
  'containerID',
  'pod',
  'endpoint',
  'serviceAccountName',
  'ipNetworks',
  'ipNATs',
  'ipv4Gateway',
  'ipv6Gateway',
  'profiles',
  'interfaceName',
  'mac',
  'ports',
  'allowSpoofedSourcePrefixes',
  'qosControls',
  'qosPolicy',
  'awsElasticIPs',
  'externalNetworkNames',
];

/**
 * One entry of spec.ipNetworks: a CIDR or a bare address. Felix converts it
 * with cnet.ParseCIDROrIP, which keeps the CIDR's network, and peers with that
 * address; endpoints carry /32 and /128 in practice.
 */
function readWorkloadAddress(r: ResourceReader, text: string, field: string): WorkloadAddress | undefined {
  const bare = parseIp(text);
  if (bare !== null) return { ip: bare, cidr: parseCidr(`${bare.text}/${bare.family === 'ipv4' ? 32 : 128}`)! };
  const cidr: Cidr | null = text.includes('/') ? parseCidr(text) : null;
  if (cidr === null) return r.fail(field, `"${text}" is not an IP address or CIDR (e.g. 10.65.0.7/32)`);
  const ip = parseIp(cidr.text.split('/')[0]!)!;
  if (!isHostCidr(cidr)) {
    r.warn(field, `"${text}" is not a single address (/32 or /128); Felix uses its network address ${ip.text}`);
  }
  return { ip, cidr };
}

export function readWorkloadEndpoint(
  r: ResourceReader,
  meta: Meta,
  spec: RawObject | undefined,
  labels: Record<string, string>,
  namespace: string | undefined,
): WorkloadEndpoint {
  const s = spec ?? {};
  r.unknownFields(spec, 'spec', SPEC_FIELDS);
  const ipNetworks: WorkloadAddress[] = [];
  (r.stringList(s['ipNetworks'], 'spec.ipNetworks') ?? []).forEach((text, i) => {
    const a = readWorkloadAddress(r, text.trim(), `spec.ipNetworks[${i}]`);
    if (a) ipNetworks.push(a);
  });
  const profiles = r.stringList(s['profiles'], 'spec.profiles') ?? [];
  profiles.forEach((p, i) => {
    if (p === '') r.fail(`spec.profiles[${i}]`, 'is empty');
  });
  const mac = r.text(s['mac'], 'spec.mac');
  if (mac !== undefined && !/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(mac)) r.fail('spec.mac', `"${mac}" is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  const node = r.text(s['node'], 'spec.node');
  if (node === undefined) r.warn('spec.node', 'is not set: the endpoint is on no node and never peers');
  return dropUndefined({
    kind: 'WorkloadEndpoint' as const,
    ...meta,
    // calicoctl puts a WorkloadEndpoint without a namespace into "default".
    namespace: namespace ?? 'default',
    labels,
    node,
    orchestrator: r.text(s['orchestrator'], 'spec.orchestrator'),
    workload: r.text(s['workload'], 'spec.workload'),
    pod: r.text(s['pod'], 'spec.pod'),
    endpoint: r.text(s['endpoint'], 'spec.endpoint'),
    interfaceName: r.text(s['interfaceName'], 'spec.interfaceName'),
    mac: mac?.toLowerCase(),
    ipNetworks,
    profiles,
  });
}

export function readProfile(r: ResourceReader, meta: Meta, spec: RawObject | undefined): Profile {
  r.unknownFields(spec, 'spec', ['ingress', 'egress', 'labelsToApply']);
  return { kind: 'Profile', ...meta, labelsToApply: r.stringMap(spec?.['labelsToApply'], 'spec.labelsToApply') };
}
