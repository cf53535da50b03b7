/** IPPool (api/pkg/apis/projectcalico/v3/ippool.go) with Calico's encapsulation rules. */
import type { ResourceReader } from '../fields.js';
import type { RawObject } from '../yaml-documents.js';
import { readCidr } from './common.js';
import type { EncapMode, IpPool, Meta } from './types.js';

const MODES = ['Always', 'CrossSubnet', 'Never'] as const;

export function readIpPool(r: ResourceReader, meta: Meta, spec: RawObject | undefined): IpPool | undefined {
  const s = spec ?? {};
  r.unknownFields(spec, 'spec', [
    'cidr',
    'ipipMode',
    'vxlanMode',
    'disableBGPExport',
    'disabled',
    'natOutgoing',
    'blockSize',
    'nodeSelector',
    'allowedUses',
    'assignmentMode',
    'namespaceSelector',
    'ipip',
    'nat-outgoing',
  ]);
  const cidr = readCidr(r, s['cidr'], 'spec.cidr');
  if (cidr === undefined && r.text(s['cidr'], 'spec.cidr') === undefined) r.fail('spec.cidr', 'is required');
  const ipipMode: EncapMode = r.oneOf(s['ipipMode'], 'spec.ipipMode', MODES) ?? 'Never';
  const vxlanMode: EncapMode = r.oneOf(s['vxlanMode'], 'spec.vxlanMode', MODES) ?? 'Never';
  if (ipipMode !== 'Never' && vxlanMode !== 'Never') {
    r.fail('spec.vxlanMode', `cannot be ${vxlanMode} while spec.ipipMode is ${ipipMode}: a pool uses IPIP or VXLAN, not both`);
  }
  if (cidr?.family === 'ipv6' && ipipMode !== 'Never') {
    r.fail('spec.ipipMode', 'IPIP is not supported on an IPv6 pool (use vxlanMode or Never)');
  }
  const blockSize = r.integer(s['blockSize'], 'spec.blockSize', 0, 128);
  if (cidr && blockSize !== undefined) {
    const max = cidr.family === 'ipv4' ? 32 : 128;
    const min = cidr.family === 'ipv4' ? 20 : 116;
    if (blockSize > max || blockSize < min) r.fail('spec.blockSize', `${blockSize} is out of range for an ${cidr.family === 'ipv4' ? 'IPv4' : 'IPv6'} pool (${min}..${max})`);
    else if (blockSize < cidr.prefix.len) r.fail('spec.blockSize', `${blockSize} is shorter than the pool's prefix length /${cidr.prefix.len}`);
  }
  const disableBGPExport = r.bool(s['disableBGPExport'], 'spec.disableBGPExport') ?? false;
  const disabled = r.bool(s['disabled'], 'spec.disabled') ?? false;
  const natOutgoing = r.bool(s['natOutgoing'], 'spec.natOutgoing') ?? false;
  if (cidr === undefined) return undefined;
  return { kind: 'IPPool', ...meta, cidr, ipipMode, vxlanMode, disableBGPExport, disabled, natOutgoing };
}
