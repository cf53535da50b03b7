import type { PathAttribute } from '../wire/attributes/types.js';
import type { FamilyKey } from '../wire/constants.js';
import type { Nlri } from '../wire/nlri.js';
import { familyOf, routeKey, type RouteKey } from './route-key.js';

/** A route as received from one peer, before any policy (pre-policy Adj-RIB-In). */
export interface ReceivedRoute {
  readonly nlri: Nlri;
  /** Attributes of the UPDATE it came in; routes of one UPDATE share the array. */
  readonly attributes: readonly PathAttribute[];
  /** MP_REACH next hop bytes, for families carried in MP_REACH_NLRI. */
  readonly mpNextHop: Uint8Array | null;
  /** RFC 4724: kept across the peer's restart, to be replaced or swept. */
  stale: boolean;
}

/** What one UPDATE did to the table. */
export interface AdjRibChange {
  readonly announced: readonly ReceivedRoute[];
  readonly withdrawn: readonly Nlri[];
}

/**
 * Adj-RIB-In of one peer (RFC 4271 §3.2), kept pre-policy so a policy
 * change needs no route refresh. Knows graceful-restart staleness
 * (RFC 4724 §4.2): mark everything stale when the peer restarts, and sweep
 * per family at its End-of-RIB or when the restart timer runs out.
 */
export class AdjRibIn {
  private readonly routes = new Map<RouteKey, ReceivedRoute>();
  private staleCount = 0;
  /** IPv6 routes held; the rest are IPv4 (max-prefix limits count per family without a scan). */
  private v6Count = 0;

  get size(): number {
    return this.routes.size;
  }
  get stale(): number {
    return this.staleCount;
  }

  announce(nlri: readonly Nlri[], attributes: readonly PathAttribute[], mpNextHop: Uint8Array | null): ReceivedRoute[] {
    const out: ReceivedRoute[] = [];
    for (const n of nlri) {
      const key = routeKey(n);
      const old = this.routes.get(key);
      if (old?.stale) this.staleCount--;
      if (!old && n.afi === 2) this.v6Count++;
      const r: ReceivedRoute = { nlri: n, attributes, mpNextHop, stale: false };
      this.routes.set(key, r);
      out.push(r);
    }
    return out;
  }

  /** Remove routes; returns those that were present. */
  withdraw(nlri: readonly Nlri[]): Nlri[] {
    const gone: Nlri[] = [];
    for (const n of nlri) {
      const key = routeKey(n);
      const old = this.routes.get(key);
      if (!old) continue;
      if (old.stale) this.staleCount--;
      if (old.nlri.afi === 2) this.v6Count--;
      this.routes.delete(key);
      gone.push(old.nlri);
    }
    return gone;
  }

  markAllStale(): number {
    for (const r of this.routes.values()) r.stale = true;
    this.staleCount = this.routes.size;
    return this.staleCount;
  }

  /** Drop stale routes of one family (or all); returns what was dropped. */
  sweepStale(family?: FamilyKey): Nlri[] {
    const gone: Nlri[] = [];
    for (const [k, r] of this.routes) {
      if (!r.stale || (family !== undefined && familyOf(r.nlri) !== family)) continue;
      this.routes.delete(k);
      if (r.nlri.afi === 2) this.v6Count--;
      gone.push(r.nlri);
    }
    this.staleCount -= gone.length;
    return gone;
  }

  clear(): Nlri[] {
    const gone = [...this.routes.values()].map((r) => r.nlri);
    this.routes.clear();
    this.staleCount = 0;
    this.v6Count = 0;
    return gone;
  }

  *entries(): IterableIterator<ReceivedRoute> {
    yield* this.routes.values();
  }

  /** Routes of one unicast family (IPv4 0x101, IPv6 0x201). */
  countFamily(family: FamilyKey): number {
    if (family === 0x201) return this.v6Count;
    return family === 0x101 ? this.routes.size - this.v6Count : 0;
  }
}
