import { parseCidr, type Cidr } from '../calico/address.js';
import { evaluateExport, type DesiredPeer, type DesiredState } from '../calico/index.js';
import { parseIpv4, parseIpv6 } from '../lib/prefix.js';
import { AttrInterner, type AttrSet } from '../rib/attr-set.js';
import { applyOperations, runFilters, subjectOf, type FilterResult } from '../policy/bgp-filter.js';
import type { Path } from '../rib/decision.js';
import type { BestChange, LocRib } from '../rib/loc-rib.js';
import { exportPath, type ExportContext, type ExportPeer } from '../speaker/export.js';
import { UpdateGroup, type GroupChange } from '../speaker/update-group.js';
import type { Negotiated } from '../session/types.js';
import type { PathAttribute } from '../wire/attributes/types.js';
import { nodeClusterId } from './peer-config.js';
import type { Nlri } from '../wire/nlri.js';

/** A running peer as propagation sees it. */
export interface PropagationTarget {
  readonly desired: DesiredPeer;
}

/** Everything about a session that changes what it is sent, and how it is encoded. */
export function groupKey(d: DesiredPeer, localAs: number, neg: Negotiated): string {
  const sorted = (s: ReadonlySet<number>) => [...s].sort((a, b) => a - b).join(',');
  return [d.internal, d.routeReflectorClient, d.nextHop, localAs, neg.send.fourOctetAs, sorted(neg.send.addPath), neg.send.extendedMessage, sorted(neg.families), JSON.stringify(d.exportFilters)].join('|');
}

interface Group {
  readonly group: UpdateGroup;
  /** Any member's settings: the key makes them equal for export. */
  readonly target: PropagationTarget;
}

/**
 * Turns Loc-RIB best paths into what each neighbor receives: the rules of
 * speaker/export.ts with Calico's export chain as the policy, computed once
 * per update group. Exported attribute arrays are cached per group,
 * attribute set and source, so equal exports share one array (and so one
 * UPDATE, encoded once for the whole group).
 */
export class Propagator {
  private cache = new Map<string, WeakMap<AttrSet, Map<string, readonly PathAttribute[] | null>>>();
  private readonly groups = new Map<string, Group>();
  /** Attribute sets made by BGPFilter operations on export. */
  private readonly interner = new AttrInterner();

  constructor(
    private state: DesiredState,
    private readonly isClient: (peer: string) => boolean,
  ) {
    this.selfV6 = selfV6(state);
  }

  setState(state: DesiredState): void {
    this.state = state;
    this.cache = new Map();
    this.selfV6 = selfV6(state);
  }

  /** Our IPv6 address for next hop self, parsed once per state (not per route). */
  private selfV6: Uint8Array | null;

  private readonly ruleCidrs = new Map<string, Cidr | null>();
  /** Export rules name a few prefixes: parse each once. */
  private readonly parseRule = (text: string): Cidr | null => {
    let c = this.ruleCidrs.get(text);
    if (c === undefined) {
      c = parseCidr(text);
      if (this.ruleCidrs.size > 10_000) this.ruleCidrs.clear();
      this.ruleCidrs.set(text, c);
    }
    return c;
  };

  /** The group a session joins once Established, created (and filled from the Loc-RIB) if new. */
  groupFor(to: PropagationTarget, neg: Negotiated, rib: LocRib): UpdateGroup {
    const key = groupKey(to.desired, to.desired.localAsNumber ?? this.state.asNumber, neg);
    const g = this.groups.get(key);
    if (g) return g.group;
    const group = new UpdateGroup(key, neg.send, neg.families);
    const entry: Group = { group, target: { desired: { ...to.desired, name: `update-group ${key}` } } };
    this.groups.set(key, entry);
    group.apply(this.dump(rib, entry.target));
    return group;
  }

  /** The update groups with members (empty ones are dropped here). */
  private live(): Group[] {
    for (const [k, g] of this.groups) {
      if (g.group.memberCount === 0) {
        this.groups.delete(k);
        this.cache.delete(g.target.desired.name);
      }
    }
    return [...this.groups.values()];
  }

  get groupCount(): number {
    return this.live().length;
  }

  private exportPeer(d: DesiredPeer): ExportPeer {
    const v4 = this.state.nodeAddresses.ipv4 ? parseIpv4(this.state.nodeAddresses.ipv4.ip) : null;
    return { name: d.name, internal: d.internal, routeReflectorClient: d.routeReflectorClient, nextHop: d.nextHop, localAs: d.localAsNumber ?? this.state.asNumber, selfNextHop: v4 };
  }

  /** What `to` receives for `prefix` whose best path is `best` (null attributes: withdraw). */
  change(prefix: Nlri, best: Path | null, to: PropagationTarget): GroupChange {
    // One path per prefix goes out; the group gives it path id 1 on ADD-PATH sessions.
    const nlri: Nlri = prefix;
    if (!best || (best.source.kind !== 'bgp' && best.source.kind !== 'api')) return { nlri, attributes: null, mpNextHop: null, source: null };
    const source = best.source.kind === 'bgp' ? best.source.peer : null;
    const d = to.desired;
    // Calico's calico_export_to_bgp_peers for the prefix and the peer's kind.
    const family = prefix.afi === 1 ? 'ipv4' : 'ipv6';
    // No text round trip per route: the prefix is the CIDR, and rule prefixes are parsed once.
    const cidr: Cidr = { family, prefix, text: '' };
    const accepts = (internal: boolean) => evaluateExport(this.state.exportPolicy[family], { prefix: cidr, internalPeer: internal }, this.state.normalRoutePriority[family], this.parseRule) === 'accept';
    let perGroup = this.cache.get(d.name);
    if (!perGroup) this.cache.set(d.name, (perGroup = new WeakMap()));
    let bySource = perGroup.get(best.attrs);
    if (!bySource) perGroup.set(best.attrs, (bySource = new Map()));
    let policy = accepts(d.internal);
    // BGPFilter export rules run before Calico's pool policy (calico-bird.md §7): a match decides.
    let filter: FilterResult | null = null;
    if (d.exportFilters.length > 0) {
      filter = runFilters(d.exportFilters, subjectOf(prefix, best.attrs.attributes, best.source.kind === 'bgp'), d.internal);
      if (filter.action === 'reject') return { nlri, attributes: null, mpNextHop: null, source };
      if (filter.action === 'accept') policy = true;
    }
    const key = `${source}|${policy}|${filter?.key ?? ''}`;
    let attributes = bySource.get(key);
    if (attributes === undefined) {
      const ctx: ExportContext = { clusterId: nodeClusterId(this.state), routerId: parseIpv4(this.state.routerId ?? '') ?? 0, sourceIsClient: this.isClient, policyAccepts: () => policy };
      // A matching rule's operations change the path before the BGP rewriting (as in BIRD's export filter).
      const path = filter && filter.operations.length > 0 ? { ...best, attrs: this.interner.intern(applyOperations(best.attrs.attributes, filter.operations), best.attrs.mpNextHop) } : best;
      const decision = exportPath(path, this.exportPeer(d), ctx);
      attributes = decision.send ? decision.attributes : null;
      bySource.set(key, attributes);
    }
    if (attributes === null) return { nlri, attributes: null, mpNextHop: null, source };
    if (prefix.afi === 1) return { nlri, attributes, mpNextHop: null, source };
    const self = d.nextHop === 'self' || (d.nextHop === 'auto' && !d.internal);
    const v6 = this.selfV6;
    return { nlri, attributes, mpNextHop: self || best.attrs.mpNextHop === null ? v6 : best.attrs.mpNextHop, source };
  }

  /** Every best learnt path `to` should be sent. */
  dump(rib: LocRib, to: PropagationTarget): GroupChange[] {
    const out: GroupChange[] = [];
    for (const e of rib.ranked()) {
      const best = e.paths.find((p) => p.best)?.path ?? null;
      const c = this.change(e.prefix, best, to);
      if (c.attributes !== null) out.push(c);
    }
    return out;
  }

  /** Propagate a batch of best-path changes: computed and encoded once per group. */
  propagate(batch: readonly BestChange[]): void {
    for (const g of this.live()) g.group.apply(batch.map((c) => this.change(c.prefix, c.after, g.target)));
  }

  /** Re-derive every group's table (policy or reflection settings changed); only differences go out. */
  resync(rib: LocRib): void {
    for (const g of this.live()) g.group.resync(this.dump(rib, g.target));
  }
}

function selfV6(state: DesiredState): Uint8Array | null {
  return state.nodeAddresses.ipv6 ? parseIpv6(state.nodeAddresses.ipv6.ip) : null;
}
