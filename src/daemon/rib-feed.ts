import type { DesiredState } from '../calico/index.js';
import { parseIpv4, parseIpv6, parsePrefix } from '../lib/prefix.js';
import type { ReceivedRoute } from '../rib/adj-rib-in.js';
import { AttrInterner, type AttrSet } from '../rib/attr-set.js';
import type { Path, PathSource } from '../rib/decision.js';
import { LocRib, type BestChange } from '../rib/loc-rib.js';
import { importVerdict, type ImportVerdict } from '../policy/import.js';
import { applyOperations, runFilters, subjectOf, type FilterSet } from '../policy/bgp-filter.js';
import { findAttribute } from '../wire/update-encode.js';
import { routeKey, type RouteKey } from '../rib/route-key.js';
import type { RouteSink } from '../speaker/neighbor.js';
import type { PathAttribute } from '../wire/attributes/types.js';
import { ipv4Nlri, ipv6Nlri, type Nlri } from '../wire/nlri.js';

/** What the Loc-RIB needs to know about a peer to rank its paths. */
export interface PeerIdentity {
  readonly address: string;
  readonly routerId: number;
  readonly ebgp: boolean;
  /** For the import rules: our AS on this session and how often it may appear. */
  readonly localAs: number;
  readonly allowLocalAs: number;
  /** The peer's BGPFilter import rules for the session's family, in order (calico-bird.md §7). */
  readonly importFilters?: readonly FilterSet[];
}

/** An address as 16 bytes, IPv4 mapped, so the last tie-breaker compares numerically. */
function addressBytes(text: string): Uint8Array {
  const v4 = parseIpv4(text);
  if (v4 !== null) return Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255);
  return parseIpv6(text) ?? new Uint8Array(16);
}

const STATIC_ATTRS: readonly PathAttribute[] = [
  { kind: 'ORIGIN', origin: 0 },
  { kind: 'AS_PATH', segments: [] },
];

/**
 * Feeds the Loc-RIB: every peer's Adj-RIB-In changes (as a RouteSink) and
 * the node's originated blocks (static blackhole paths, preference 200).
 */
export class RibFeed implements RouteSink {
  readonly rib = new LocRib();
  readonly interner = new AttrInterner();
  private readonly identities = new Map<string, PeerIdentity>();
  private readonly sources = new Map<string, Extract<PathSource, { kind: 'bgp' }>>();
  /** Routes of one UPDATE share their attribute array: intern it once. */
  private readonly interned = new WeakMap<readonly PathAttribute[], AttrSet>();
  private statics = new Map<RouteKey, Nlri>();
  private readonly injected = new Map<RouteKey, Nlri>();
  /** Best-path changes not yet propagated; `onChange` is told when the first arrives. */
  private pending: BestChange[] = [];
  /** Changes before this index were taken: a queue without copying what is left on every take. */
  private head = 0;
  onChange: (() => void) | null = null;

  private note(c: BestChange | null): void {
    if (!c) return;
    this.pending.push(c);
    if (this.pending.length - this.head === 1) this.onChange?.();
  }

  /** Changes waiting to be taken. */
  get pendingCount(): number {
    return this.pending.length - this.head;
  }

  /** Take up to `max` of the oldest changes (all by default). */
  takeChanges(max = Infinity): BestChange[] {
    const end = Math.min(this.pending.length, this.head + max);
    const out = this.pending.slice(this.head, end);
    this.head = end;
    if (this.head === this.pending.length) {
      this.pending = [];
      this.head = 0;
    } else if (this.head > 65_536 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
    return out;
  }
  /** Import verdicts per peer and attribute set: each set is judged once per peer. */
  private readonly verdicts = new Map<string, WeakMap<AttrSet, ImportVerdict>>();
  /** Per peer, the routes the import rules refused (numeric keys for IPv4: no strings on the hot path). */
  private readonly rejected = new Map<string, Set<RouteKey>>();

  setIdentity(peer: string, id: PeerIdentity | null): void {
    // A new identity (or none) invalidates what was judged under the old one.
    this.verdicts.delete(peer);
    if (!id) this.rejected.delete(peer);
    if (id) this.identities.set(peer, id);
    else this.identities.delete(peer);
  }

  announced(neighbor: string, routes: readonly ReceivedRoute[]): void {
    const id = this.identities.get(neighbor);
    if (!id) return;
    // One source object per peer identity, shared by all its paths (memory, and the Loc-RIB's source key cache).
    let source = this.sources.get(neighbor);
    if (!source || source.peerRouterId !== id.routerId || source.peerAddressText !== id.address || source.ebgp !== id.ebgp) {
      source = { kind: 'bgp', peer: neighbor, peerAddress: addressBytes(id.address), peerAddressText: id.address, peerRouterId: id.routerId, ebgp: id.ebgp };
      this.sources.set(neighbor, source);
    }
    const now = Date.now();
    const rejected = this.rejected.get(neighbor);
    for (const r of routes) {
      let attrs = r.mpNextHop === null ? this.interned.get(r.attributes) : undefined;
      if (!attrs) {
        attrs = this.interner.intern(r.attributes, r.mpNextHop);
        if (r.mpNextHop === null) this.interned.set(r.attributes, attrs);
      }
      let cache = this.verdicts.get(neighbor);
      if (!cache) this.verdicts.set(neighbor, (cache = new WeakMap()));
      let verdict = cache.get(attrs);
      if (!verdict) cache.set(attrs, (verdict = importVerdict(findAttribute(attrs.attributes, 'AS_PATH')?.segments ?? [], id)));
      if (!verdict.accept) {
        this.reject(neighbor, r.nlri);
        continue;
      }
      if (id.importFilters && id.importFilters.length > 0) {
        // BGPFilter import rules: reject like the import rules above, or accept with their operations.
        const res = runFilters(id.importFilters, subjectOf(r.nlri, attrs.attributes, true), !id.ebgp);
        if (res.action === 'reject') {
          this.reject(neighbor, r.nlri);
          continue;
        }
        if (res.operations.length > 0) attrs = this.interner.intern(applyOperations(attrs.attributes, res.operations), attrs.mpNextHop);
      }
      if (rejected && rejected.size > 0) rejected.delete(routeKey(r.nlri));
      const path: Path = { attrs, source, pathId: r.nlri.pathId, since: now, received: r };
      this.note(this.rib.update(r.nlri, path));
    }
  }

  /** Rejected on import: it stays in the Adj-RIB-In (counted), and an earlier accepted version leaves the Loc-RIB. */
  private reject(neighbor: string, nlri: Nlri): void {
    this.note(this.rib.withdraw(nlri, `bgp:${neighbor}`, nlri.pathId));
    let set = this.rejected.get(neighbor);
    if (!set) this.rejected.set(neighbor, (set = new Set()));
    set.add(routeKey(nlri));
  }

  withdrawn(neighbor: string, nlri: readonly Nlri[]): void {
    const rejected = this.rejected.get(neighbor);
    for (const n of nlri) {
      if (rejected && rejected.size > 0) rejected.delete(routeKey(n));
      this.note(this.rib.withdraw(n, `bgp:${neighbor}`, n.pathId));
    }
  }

  /** Paths a peer sent that the import rules refused (prefixes received minus accepted). */
  rejectedCount(neighbor: string): number {
    return this.rejected.get(neighbor)?.size ?? 0;
  }

  /** A path injected through the API (replacing an earlier one for the prefix). */
  inject(nlri: Nlri, attributes: readonly PathAttribute[], mpNextHop: Uint8Array | null): void {
    const attrs = this.interner.intern(attributes, mpNextHop);
    this.injected.set(routeKey(nlri), nlri);
    this.note(this.rib.update(nlri, { attrs, source: { kind: 'api', name: 'api' }, pathId: 0, since: Date.now() }));
  }

  /** Remove an injected path; false if there was none. */
  removeInjected(nlri: Nlri): boolean {
    if (!this.injected.delete(routeKey(nlri))) return false;
    this.note(this.rib.withdraw(nlri, 'api:api', 0));
    return true;
  }

  /** The node's blocks as static blackhole paths (BIRD's protocol static). */
  setOriginated(state: DesiredState): void {
    const wanted = new Map<RouteKey, Nlri>();
    for (const o of state.originate) {
      const p = parsePrefix(o.prefix);
      if (!p) continue;
      const n = p.afi === 1 ? ipv4Nlri(p.addr, p.len) : ipv6Nlri(p.addr, p.len);
      wanted.set(routeKey(n), n);
    }
    for (const [k, n] of this.statics) if (!wanted.has(k)) this.note(this.rib.withdraw(n, 'static:static1', 0));
    const attrs = this.interner.intern(STATIC_ATTRS, null);
    for (const [k, n] of wanted) {
      if (!this.statics.has(k)) this.note(this.rib.update(n, { attrs, source: { kind: 'static', name: 'static1' }, pathId: 0, since: Date.now() }));
    }
    this.statics = wanted;
  }
}
