import { parseCidr } from '../calico/address.js';
import { evaluateExport, type DesiredPeer, type DesiredState } from '../calico/index.js';
import { formatPrefix, parseIpv4, parseIpv6 } from '../lib/prefix.js';
import type { AttrSet } from '../rib/attr-set.js';
import type { Path } from '../rib/decision.js';
import type { BestChange, LocRib } from '../rib/loc-rib.js';
import { exportPath, type ExportContext, type ExportPeer } from '../speaker/export.js';
import type { LearntChange } from '../speaker/neighbor.js';
import type { PathAttribute } from '../wire/attributes/types.js';
import { nodeClusterId } from './peer-config.js';
import type { Nlri } from '../wire/nlri.js';

/** A running peer as propagation sees it. */
export interface PropagationTarget {
  readonly desired: DesiredPeer;
}

/**
 * Turns Loc-RIB best paths into what each neighbor receives: the rules of
 * speaker/export.ts with Calico's export chain as the policy. Exported
 * attribute arrays are cached per neighbor, attribute set and source, so
 * equal exports share one array (and so one UPDATE).
 */
export class Propagator {
  private cache = new Map<string, WeakMap<AttrSet, Map<string, readonly PathAttribute[] | null>>>();

  constructor(private state: DesiredState) {}

  setState(state: DesiredState): void {
    this.state = state;
    this.cache = new Map();
  }

  forget(peer: string): void {
    this.cache.delete(peer);
  }

  private exportPeer(d: DesiredPeer): ExportPeer {
    const v4 = this.state.nodeAddresses.ipv4 ? parseIpv4(this.state.nodeAddresses.ipv4.ip) : null;
    return { name: d.name, internal: d.internal, routeReflectorClient: d.routeReflectorClient, nextHop: d.nextHop, localAs: d.localAsNumber ?? this.state.asNumber, selfNextHop: v4 };
  }

  /** What `to` receives for `prefix` whose best path is `best` (null: withdraw). */
  change(prefix: Nlri, best: Path | null, to: PropagationTarget, isClient: (peer: string) => boolean): LearntChange {
    // One path per prefix goes out, always as path id 1 (meaningful only with ADD-PATH),
    // so an announcement and its later withdrawal name the same route.
    const nlri: Nlri = { ...prefix, pathId: 1 };
    if (!best || best.source.kind !== 'bgp') return { nlri, attributes: null, mpNextHop: null };
    const d = to.desired;
    // Calico's calico_export_to_bgp_peers for the prefix and the peer's kind.
    const family = prefix.afi === 1 ? 'ipv4' : 'ipv6';
    const cidr = parseCidr(formatPrefix(prefix));
    const accepts = (internal: boolean) => cidr !== null && evaluateExport(this.state.exportPolicy[family], { prefix: cidr, internalPeer: internal }, this.state.normalRoutePriority[family], parseCidr) === 'accept';
    let perPeer = this.cache.get(d.name);
    if (!perPeer) this.cache.set(d.name, (perPeer = new WeakMap()));
    let bySource = perPeer.get(best.attrs);
    if (!bySource) perPeer.set(best.attrs, (bySource = new Map()));
    const policy = accepts(d.internal);
    const key = `${best.source.peer}|${policy}`;
    let attributes = bySource.get(key);
    if (attributes === undefined) {
      const ctx: ExportContext = { clusterId: nodeClusterId(this.state), routerId: parseIpv4(this.state.routerId ?? '') ?? 0, sourceIsClient: isClient, policyAccepts: () => policy };
      const decision = exportPath(best, this.exportPeer(d), ctx);
      attributes = decision.send ? decision.attributes : null;
      bySource.set(key, attributes);
    }
    if (attributes === null) return { nlri, attributes: null, mpNextHop: null };
    if (prefix.afi === 1) return { nlri, attributes, mpNextHop: null };
    const self = d.nextHop === 'self' || (d.nextHop === 'auto' && !d.internal);
    const v6 = this.state.nodeAddresses.ipv6 ? parseIpv6(this.state.nodeAddresses.ipv6.ip) : null;
    return { nlri, attributes, mpNextHop: self ? v6 : best.attrs.mpNextHop };
  }

  /** Every best learnt path for a peer that has just come up. */
  dump(rib: LocRib, to: PropagationTarget, isClient: (peer: string) => boolean): LearntChange[] {
    const out: LearntChange[] = [];
    for (const e of rib.ranked()) {
      const best = e.paths.find((p) => p.best)?.path ?? null;
      const c = this.change(e.prefix, best, to, isClient);
      if (c.attributes !== null) out.push(c);
    }
    return out;
  }

  /** The exports a batch of best-path changes means for one peer. */
  changes(batch: readonly BestChange[], to: PropagationTarget, isClient: (peer: string) => boolean): LearntChange[] {
    return batch.map((c) => this.change(c.prefix, c.after, to, isClient));
  }
}
