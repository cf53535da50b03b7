/** BGPFilter (api/pkg/apis/projectcalico/v3/bgpfilter.go): ordered import/export rules per family. */
import type { ResourceReader } from '../fields.js';
import { parseCommunity } from '../values.js';
import type { RawObject, RawValue } from '../yaml-documents.js';
import { readAsNumber, readCidr } from './common.js';
import type { BgpFilter, BgpFilterRule, FilterOperation, Meta } from './types.js';

const RULE_FIELDS = [
  'action',
  'matchOperator',
  'cidr',
  'prefixLength',
  'source',
  'interface',
  'peerType',
  'communities',
  'asPathPrefix',
  'priority',
  'operations',
];

function readCommunityValue(r: ResourceReader, v: RawValue | undefined, field: string): string | undefined {
  const s = r.text(v, field);
  if (s === undefined) return undefined;
  const c = parseCommunity(s);
  return c ? c.text : r.fail(field, `"${s}" is not a community (aa:nn or aa:nn:mm)`);
}

function readRule(r: ResourceReader, raw: RawValue, field: string, family: 'ipv4' | 'ipv6'): BgpFilterRule | undefined {
  const o = r.object(raw, field);
  if (o === undefined) return r.fail(field, 'a rule cannot be empty');
  r.unknownFields(o, field, RULE_FIELDS);
  const action = r.oneOf(o['action'], `${field}.action`, ['Accept', 'Reject'] as const);
  if (action === undefined && r.text(o['action'], `${field}.action`) === undefined) r.fail(`${field}.action`, 'is required (Accept or Reject)');
  const matchOperator = r.oneOf(o['matchOperator'], `${field}.matchOperator`, ['Equal', 'NotEqual', 'In', 'NotIn'] as const);
  const cidr = readCidr(r, o['cidr'], `${field}.cidr`);
  if (cidr && cidr.family !== family) r.fail(`${field}.cidr`, `"${cidr.text}" is not an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} CIDR`);
  if ((cidr !== undefined) !== (matchOperator !== undefined)) {
    r.fail(cidr ? `${field}.matchOperator` : `${field}.cidr`, 'cidr and matchOperator must be set together');
  }
  let prefixLength: BgpFilterRule['prefixLength'];
  const pl = r.object(o['prefixLength'], `${field}.prefixLength`);
  if (pl) {
    r.unknownFields(pl, `${field}.prefixLength`, ['min', 'max']);
    const maxLen = family === 'ipv4' ? 32 : 128;
    const min = r.integer(pl['min'], `${field}.prefixLength.min`, 0, maxLen);
    const max = r.integer(pl['max'], `${field}.prefixLength.max`, 0, maxLen);
    if (cidr === undefined) r.fail(`${field}.prefixLength`, 'requires cidr');
    if (min !== undefined && max !== undefined && min > max) r.fail(`${field}.prefixLength`, `min ${min} is greater than max ${max}`);
    prefixLength = { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  }
  const source = r.oneOf(o['source'], `${field}.source`, ['RemotePeers'] as const);
  const iface = r.text(o['interface'], `${field}.interface`);
  if (iface !== undefined && !/^[a-zA-Z0-9_.*+:-]+$/.test(iface)) r.fail(`${field}.interface`, `"${iface}" is not an interface name or glob`);
  const peerType = r.oneOf(o['peerType'], `${field}.peerType`, ['iBGP', 'eBGP'] as const);
  let communities: string[] | undefined;
  const cm = r.object(o['communities'], `${field}.communities`);
  if (cm) {
    r.unknownFields(cm, `${field}.communities`, ['values']);
    const values = r.list(cm['values'], `${field}.communities.values`) ?? [];
    if (values.length !== 1) r.fail(`${field}.communities.values`, `must hold exactly one community, has ${values.length}`);
    communities = values.map((v, i) => readCommunityValue(r, v, `${field}.communities.values[${i}]`)).filter((v): v is string => v !== undefined);
  }
  let asPathPrefix: number[] | undefined;
  const ap = r.list(o['asPathPrefix'], `${field}.asPathPrefix`);
  if (ap) asPathPrefix = ap.map((v, i) => readAsNumber(r, v, `${field}.asPathPrefix[${i}]`)).filter((v): v is number => v !== undefined);
  const priority = r.integer(o['priority'], `${field}.priority`, 1, 2147483646);
  const operations: FilterOperation[] = [];
  (r.list(o['operations'], `${field}.operations`) ?? []).forEach((opRaw, i) => {
    const f = `${field}.operations[${i}]`;
    const op = r.object(opRaw, f);
    if (op === undefined) return;
    r.unknownFields(op, f, ['addCommunity', 'prependASPath', 'setPriority']);
    const set = ['addCommunity', 'prependASPath', 'setPriority'].filter((k) => op[k] !== undefined && op[k] !== null);
    if (set.length !== 1) {
      r.fail(f, 'must set exactly one of addCommunity, prependASPath, setPriority');
      return;
    }
    if (set[0] === 'addCommunity') {
      const a = r.object(op['addCommunity'], `${f}.addCommunity`);
      const v = a && readCommunityValue(r, a['value'], `${f}.addCommunity.value`);
      if (v) operations.push({ addCommunity: v });
      else if (a && a['value'] === undefined) r.fail(`${f}.addCommunity.value`, 'is required');
    } else if (set[0] === 'prependASPath') {
      const p = r.object(op['prependASPath'], `${f}.prependASPath`);
      const list = p && r.list(p['prefix'], `${f}.prependASPath.prefix`);
      if (!list || list.length === 0) r.fail(`${f}.prependASPath.prefix`, 'needs at least one AS number');
      else operations.push({ prependASPath: list.map((v, j) => readAsNumber(r, v, `${f}.prependASPath.prefix[${j}]`) ?? 0) });
    } else {
      const p = r.object(op['setPriority'], `${f}.setPriority`);
      const v = p && r.integer(p['value'], `${f}.setPriority.value`, 1, 2147483646);
      if (v !== undefined && v !== null) operations.push({ setPriority: v });
      else if (p) r.fail(`${f}.setPriority.value`, 'is required');
    }
  });
  if (operations.length > 0 && action === 'Reject') r.fail(`${field}.operations`, 'are only allowed on Accept rules');
  if (action === undefined) return undefined;
  return {
    action,
    ...(matchOperator ? { matchOperator } : {}),
    ...(cidr ? { cidr } : {}),
    ...(prefixLength ? { prefixLength } : {}),
    ...(source ? { source } : {}),
    ...(iface ? { interface: iface } : {}),
    ...(peerType ? { peerType } : {}),
    ...(communities ? { communities } : {}),
    ...(asPathPrefix ? { asPathPrefix } : {}),
    ...(priority !== undefined ? { priority } : {}),
    operations,
  };
}

export function readBgpFilter(r: ResourceReader, meta: Meta, spec: RawObject | undefined): BgpFilter {
  const s = spec ?? {};
  r.unknownFields(spec, 'spec', ['exportV4', 'importV4', 'exportV6', 'importV6']);
  const rules = (key: string, family: 'ipv4' | 'ipv6'): BgpFilterRule[] =>
    (r.list(s[key], `spec.${key}`) ?? []).map((raw, i) => readRule(r, raw, `spec.${key}[${i}]`, family)).filter((x): x is BgpFilterRule => x !== undefined);
  return {
    kind: 'BGPFilter',
    ...meta,
    exportV4: rules('exportV4', 'ipv4'),
    importV4: rules('importV4', 'ipv4'),
    exportV6: rules('exportV6', 'ipv6'),
    importV6: rules('importV6', 'ipv6'),
  };
}
