/**
 * BGPFilter rules as applied to one peer (confd template_funcs.go and
 * bgp_processor.go): the peer's filters in order, each contributing its rules
 * for the peer's family and the direction. A filter that does not exist, or
 * has no rules there, contributes nothing, as in Calico.
 */
import type { Family } from '../address.js';
import type { BgpFilter, BgpFilterRule, CalicoResources } from '../resources/types.js';
import type { FilterOperationJson, FilterRef, FilterRuleJson } from './desired-state.js';

export function filterRuleToJson(rule: BgpFilterRule): FilterRuleJson {
  let prefixLength: FilterRuleJson['prefixLength'] = null;
  if (rule.prefixLength && rule.cidr) {
    const familyMax = rule.cidr.family === 'ipv4' ? 32 : 128;
    // Calico: min(len) is at least the CIDR's own length, max at most the family's.
    prefixLength = {
      min: Math.max(rule.cidr.prefix.len, rule.prefixLength.min ?? rule.cidr.prefix.len),
      max: Math.min(familyMax, rule.prefixLength.max ?? familyMax),
    };
  }
  return {
    action: rule.action === 'Accept' ? 'accept' : 'reject',
    matchOperator: rule.matchOperator ?? null,
    cidr: rule.cidr?.text ?? null,
    prefixLength,
    source: rule.source ?? null,
    interface: rule.interface ?? null,
    peerType: rule.peerType ?? null,
    communities: rule.communities ? [...rule.communities] : null,
    asPathPrefix: rule.asPathPrefix ? [...rule.asPathPrefix] : null,
    priority: rule.priority ?? null,
    operations: rule.operations.map((op): FilterOperationJson => {
      if ('addCommunity' in op) return { addCommunity: op.addCommunity };
      if ('prependASPath' in op) return { prependASPath: [...op.prependASPath] };
      return { setPriority: op.setPriority };
    }),
  };
}

function rulesOf(f: BgpFilter, direction: 'import' | 'export', family: Family): readonly BgpFilterRule[] {
  if (direction === 'import') return family === 'ipv4' ? f.importV4 : f.importV6;
  return family === 'ipv4' ? f.exportV4 : f.exportV6;
}

export function filtersForPeer(resources: CalicoResources, names: readonly string[], direction: 'import' | 'export', family: Family): FilterRef[] {
  const out: FilterRef[] = [];
  for (const name of names) {
    const f = resources.bgpFilters.get(name);
    if (f === undefined) continue;
    const rules = rulesOf(f, direction, family);
    if (rules.length === 0) continue;
    out.push({ name, rules: rules.map(filterRuleToJson) });
  }
  return out;
}
