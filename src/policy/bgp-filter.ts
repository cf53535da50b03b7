/**
 * Calico BGPFilter rules evaluated at run time, with the semantics of the
 * BIRD functions confd renders from them (calico-bird.md §7): filters run
 * in the order the BGPPeer lists them, rules in order within a filter; the
 * first rule whose conditions all hold decides (its operations, then accept
 * or reject). When no rule matches, the route falls through to the rest of
 * Calico's chain (import: accept; export: the pool export policy).
 */
import { ipv4Mask, parsePrefix, type Prefix } from '../lib/prefix.js';
import type { LargeCommunity, PathAttribute } from '../wire/attributes/types.js';

export type FilterOperation = { readonly addCommunity: string } | { readonly prependASPath: readonly number[] } | { readonly setPriority: number };

/** One rule, as the Calico model translates it (every condition optional). */
export interface FilterRule {
  readonly action: 'accept' | 'reject';
  readonly matchOperator: 'Equal' | 'NotEqual' | 'In' | 'NotIn' | null;
  readonly cidr: string | null;
  readonly prefixLength: { readonly min: number; readonly max: number } | null;
  readonly source: 'RemotePeers' | null;
  readonly interface: string | null;
  readonly peerType: 'iBGP' | 'eBGP' | null;
  readonly communities: readonly string[] | null;
  readonly asPathPrefix: readonly number[] | null;
  readonly priority: number | null;
  readonly operations: readonly FilterOperation[];
}

export interface FilterSet {
  readonly name: string;
  readonly rules: readonly FilterRule[];
}

/** What a rule can look at (BIRD's net, source, ifname, bgp_community, bgp_path, bgp_local_pref). */
export interface FilterSubject {
  readonly prefix: Prefix;
  /** Learnt over BGP (`source ~ [ RTS_BGP ]`). */
  readonly fromBgp: boolean;
  /** The route's interface (kernel and device routes only). */
  readonly ifname: string | null;
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  /** AS_PATH flattened, first AS first. */
  readonly asPath: readonly number[];
  readonly localPref: number | null;
}

export interface FilterResult {
  /** null: no rule matched; the rest of Calico's chain decides. */
  readonly action: 'accept' | 'reject' | null;
  readonly operations: readonly FilterOperation[];
  /** The filter whose rule decided, for logs. */
  readonly filter: string | null;
  /** Which rule decided ("filter#index"): equal keys mean equal treatment. */
  readonly key: string;
}

const NO_MATCH: FilterResult = { action: null, operations: [], filter: null, key: '' };

/** `net ~ cidr` (with a length range: `net ~ [ cidr{min,max} ]`): inside the CIDR, and its length in range. */
function within(net: Prefix, c: Prefix, range: { min: number; max: number } | null): boolean {
  if (net.afi !== c.afi || net.len < c.len) return false;
  if (range && (net.len < range.min || net.len > range.max)) return false;
  if (net.afi === 1 && c.afi === 1) return ((net.addr & ipv4Mask(c.len)) >>> 0) === c.addr;
  const a = net.addr as Uint8Array;
  const b = c.addr as Uint8Array;
  const full = c.len >>> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = c.len & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[full]! & mask) === (b[full]! & mask);
}

const cidrCache = new Map<string, Prefix | null>();
function cidrOf(text: string): Prefix | null {
  let p = cidrCache.get(text);
  if (p === undefined) {
    p = parsePrefix(text, true);
    cidrCache.set(text, p);
  }
  return p;
}

/** BIRD's `ifname ~ "eth*"`: shell-style wildcards. */
function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(text);
}

function hasCommunity(s: FilterSubject, text: string): boolean {
  const parts = text.split(':').map(Number);
  if (parts.length === 2) return s.communities.includes((((parts[0]! & 0xffff) << 16) | (parts[1]! & 0xffff)) >>> 0);
  if (parts.length === 3) return s.largeCommunities.some((c) => c.globalAdmin === parts[0] && c.localData1 === parts[1] && c.localData2 === parts[2]);
  return false;
}

function matches(r: FilterRule, s: FilterSubject, sameAs: boolean): boolean {
  if (r.cidr !== null && r.matchOperator !== null) {
    const c = cidrOf(r.cidr);
    if (!c || c.afi !== s.prefix.afi) return false;
    const inside = within(s.prefix, c, r.prefixLength);
    const equal = s.prefix.len === c.len && within(s.prefix, c, null);
    const ok = r.matchOperator === 'In' ? inside : r.matchOperator === 'NotIn' ? !inside : r.matchOperator === 'Equal' ? equal : !equal;
    if (!ok) return false;
  }
  if (r.source === 'RemotePeers' && !s.fromBgp) return false;
  if (r.interface !== null && (s.ifname === null || !globMatch(r.interface, s.ifname))) return false;
  if (r.peerType === 'iBGP' && !sameAs) return false;
  if (r.peerType === 'eBGP' && sameAs) return false;
  if (r.communities && !r.communities.every((c) => hasCommunity(s, c))) return false;
  if (r.asPathPrefix && (r.asPathPrefix.length > s.asPath.length || r.asPathPrefix.some((a, i) => s.asPath[i] !== a))) return false;
  // Calico's route priority is carried as LOCAL_PREF = 2^31 - 1 - priority.
  if (r.priority !== null && s.localPref !== 2147483647 - r.priority) return false;
  return true;
}

/**
 * Run a peer's filters for one direction. `sameAs` is BIRD's `is_same_as`:
 * the peer is in our AS (iBGP).
 */
export function runFilters(filters: readonly FilterSet[], s: FilterSubject, sameAs: boolean): FilterResult {
  for (const f of filters) {
    for (let i = 0; i < f.rules.length; i++) {
      const r = f.rules[i]!;
      if (matches(r, s, sameAs)) return { action: r.action, operations: r.operations, filter: f.name, key: `${f.name}#${i}` };
    }
  }
  return NO_MATCH;
}

/** Parse an addCommunity value: a standard community as uint32, or a large one. */
export function communityValue(text: string): { standard: number } | { large: LargeCommunity } | null {
  const parts = text.split(':');
  if (!parts.every((p) => /^\d+$/.test(p))) return null;
  const n = parts.map(Number);
  if (n.length === 2 && n[0]! <= 0xffff && n[1]! <= 0xffff) return { standard: ((n[0]! << 16) | n[1]!) >>> 0 };
  if (n.length === 3 && n.every((x) => x <= 0xffffffff)) return { large: { globalAdmin: n[0]!, localData1: n[1]!, localData2: n[2]! } };
  return null;
}

/** The subject of a path given as attributes (what a peer sent, or what we are about to send). */
export function subjectOf(prefix: Prefix, attributes: readonly PathAttribute[], fromBgp: boolean): FilterSubject {
  let communities: readonly number[] = [];
  let largeCommunities: readonly LargeCommunity[] = [];
  const asPath: number[] = [];
  let localPref: number | null = null;
  for (const a of attributes) {
    if (a.kind === 'COMMUNITIES') communities = a.communities;
    else if (a.kind === 'LARGE_COMMUNITY') largeCommunities = a.communities;
    else if (a.kind === 'AS_PATH') for (const seg of a.segments) asPath.push(...seg.asns);
    else if (a.kind === 'LOCAL_PREF') localPref = a.localPref;
  }
  return { prefix, fromBgp, ifname: null, communities, largeCommunities, asPath, localPref };
}

/**
 * Apply a matching rule's operations to attributes, as BIRD does them in
 * order: bgp_community.add / bgp_large_community.add, bgp_path.prepend,
 * bgp_local_pref = 2^31 - 1 - priority. Returns a new array.
 */
export function applyOperations(attributes: readonly PathAttribute[], ops: readonly FilterOperation[]): PathAttribute[] {
  const out = [...attributes];
  const put = (a: PathAttribute) => {
    const i = out.findIndex((x) => x.kind === a.kind);
    if (i >= 0) out[i] = a;
    else out.push(a);
  };
  for (const op of ops) {
    if ('addCommunity' in op) {
      const v = communityValue(op.addCommunity);
      if (!v) continue;
      if ('standard' in v) {
        const cur = out.find((x) => x.kind === 'COMMUNITIES');
        const list = cur && cur.kind === 'COMMUNITIES' ? cur.communities : [];
        if (!list.includes(v.standard)) put({ kind: 'COMMUNITIES', communities: [...list, v.standard] });
      } else {
        const cur = out.find((x) => x.kind === 'LARGE_COMMUNITY');
        const list = cur && cur.kind === 'LARGE_COMMUNITY' ? cur.communities : [];
        const l = v.large;
        if (!list.some((c) => c.globalAdmin === l.globalAdmin && c.localData1 === l.localData1 && c.localData2 === l.localData2)) put({ kind: 'LARGE_COMMUNITY', communities: [...list, l] });
      }
    } else if ('prependASPath' in op) {
      const cur = out.find((x) => x.kind === 'AS_PATH');
      const segs = cur && cur.kind === 'AS_PATH' ? cur.segments : [];
      const first = segs[0];
      const asns = [...op.prependASPath];
      put({ kind: 'AS_PATH', segments: first && first.type === 2 && first.asns.length + asns.length <= 255 ? [{ type: 2, asns: [...asns, ...first.asns] }, ...segs.slice(1)] : [{ type: 2, asns }, ...segs] });
    } else {
      put({ kind: 'LOCAL_PREF', localPref: (2147483647 - op.setPriority) >>> 0 });
    }
  }
  return out;
}
