import { cidrContains, parseCidr, type Cidr } from '../calico/address.js';
import { evaluateExport, type DesiredPeer, type DesiredState } from '../calico/index.js';
import { parseIpv4, parseIpv6, parsePrefix } from '../lib/prefix.js';
import type { LargeCommunity } from '../wire/attributes/types.js';
import { ipv4Nlri, ipv6Nlri } from '../wire/nlri.js';
import type { LocalRoute, OriginContext } from '../speaker/originate.js';
import { communityValue, runFilters, type FilterOperation } from '../policy/bgp-filter.js';

/** "65001:100" -> uint32; null when it is not a standard community. */
function community(text: string): number | null {
  const v = communityValue(text);
  return v && 'standard' in v ? v.standard : null;
}

/** "65001:1:2" -> a large community; null otherwise. */
function largeCommunity(text: string): LargeCommunity | null {
  const v = communityValue(text);
  return v && 'large' in v ? v.large : null;
}

/**
 * The originated prefixes (IPAM blocks) this peer receives: each one run
 * through the node's export chain (calico_export_to_bgp_peers) for the
 * peer's family, with the communities of prefixAdvertisements attached.
 */
export function localRoutesFor(state: DesiredState, peer: DesiredPeer): LocalRoute[] {
  const family = peer.family;
  const rules = state.exportPolicy[family];
  const normal = state.normalRoutePriority[family];
  const out: LocalRoute[] = [];
  for (const o of state.originate) {
    const cidr = parseCidr(o.prefix);
    if (!cidr || cidr.family !== family) continue;
    const p = parsePrefix(o.prefix);
    if (!p) continue;
    // BGPFilter export rules run first (calico-bird.md §7); one that matches decides, else Calico's pool policy does.
    const localPref = 2147483647 - normal;
    const filtered = peer.exportFilters.length > 0 ? runFilters(peer.exportFilters, { prefix: p, fromBgp: false, ifname: null, communities: [], largeCommunities: [], asPath: [], localPref }, peer.internal) : null;
    if (filtered?.action === 'reject') continue;
    if (filtered?.action !== 'accept' && evaluateExport(rules, { prefix: cidr, internalPeer: peer.internal }, normal, parseCidr) !== 'accept') continue;
    const nlri = p.afi === 1 ? ipv4Nlri(p.addr, p.len, 1) : ipv6Nlri(p.addr, p.len, 1);
    const communities: number[] = [];
    const large: LargeCommunity[] = [];
    for (const adv of state.communities) {
      const c = parseCidr(adv.prefix);
      // BIRD's `net ~ CIDR`: the route lies within the advertised prefix.
      if (!c || c.family !== family || !cidrContains(c as Cidr, cidr)) continue;
      for (const t of adv.communities) {
        const v = community(t);
        if (v !== null && !communities.includes(v)) communities.push(v);
      }
      for (const t of adv.largeCommunities) {
        const v = largeCommunity(t);
        if (v && !large.some((x) => x.globalAdmin === v.globalAdmin && x.localData1 === v.localData1 && x.localData2 === v.localData2)) large.push(v);
      }
    }
    const route: LocalRoute = { nlri, communities, largeCommunities: large };
    out.push(filtered && filtered.operations.length > 0 ? withOperations(route, filtered.operations) : route);
  }
  return out;
}

/** How our routes look to this peer: next hop self, iBGP or eBGP attributes (calico-bird.md §3). */
export function originContextFor(state: DesiredState, peer: DesiredPeer): OriginContext {
  const v4 = state.nodeAddresses.ipv4 ? parseIpv4(state.nodeAddresses.ipv4.ip) : null;
  const v6 = state.nodeAddresses.ipv6 ? parseIpv6(state.nodeAddresses.ipv6.ip) : null;
  return {
    localAs: peer.localAsNumber ?? state.asNumber,
    internal: peer.internal,
    // Calico's export preamble: bgp_local_pref = 2147483647 - krt_metric, krt_metric defaulting to the normal priority.
    localPref: 2147483647 - state.normalRoutePriority[peer.family],
    nextHopV4: v4,
    nextHopV6: v6,
  };
}

/** A BGPFilter rule's operations on one of our routes (BIRD order: communities, prepends, priority). */
function withOperations(r: LocalRoute, ops: readonly FilterOperation[]): LocalRoute {
  const communities = [...r.communities];
  const large = [...r.largeCommunities];
  let prepend: number[] = [...(r.prepend ?? [])];
  let localPref = r.localPref;
  for (const op of ops) {
    if ('addCommunity' in op) {
      const v = communityValue(op.addCommunity);
      if (v && 'standard' in v && !communities.includes(v.standard)) communities.push(v.standard);
      else if (v && 'large' in v && !large.some((c) => c.globalAdmin === v.large.globalAdmin && c.localData1 === v.large.localData1 && c.localData2 === v.large.localData2)) large.push(v.large);
    } else if ('prependASPath' in op) prepend = [...op.prependASPath, ...prepend];
    else localPref = (2147483647 - op.setPriority) >>> 0;
  }
  return { ...r, communities, largeCommunities: large, ...(prepend.length > 0 ? { prepend } : {}), ...(localPref !== undefined ? { localPref } : {}) };
}
