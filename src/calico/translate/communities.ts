/**
 * Communities attached to exported routes (apply_communities): the node's
 * `node.<name>` prefixAdvertisements replace the global ones entirely; names
 * resolve through the same resource's `communities`; values are deduplicated
 * and sorted, as confd does.
 */
import type { BgpConfigurationSpec } from '../resources/types.js';
import { parseCommunity } from '../values.js';
import type { CommunityAdvertisement } from './desired-state.js';

export function communityAdvertisements(global: BgpConfigurationSpec, perNode: BgpConfigurationSpec | undefined): CommunityAdvertisement[] {
  const source = perNode?.prefixAdvertisements !== undefined ? perNode : global;
  const out: CommunityAdvertisement[] = [];
  for (const adv of source.prefixAdvertisements ?? []) {
    const values = new Set<string>();
    for (const c of adv.communities) {
      const direct = parseCommunity(c);
      if (direct) values.add(direct.text);
      else {
        const def = (source.communities ?? []).find((d) => d.name === c);
        if (def) values.add(def.value);
      }
    }
    const sorted = [...values].sort();
    const standard = sorted.filter((v) => v.split(':').length === 2);
    const large = sorted.filter((v) => v.split(':').length === 3);
    if (standard.length + large.length === 0) continue;
    out.push({ prefix: adv.cidr.text, communities: standard, largeCommunities: large });
  }
  return out;
}
