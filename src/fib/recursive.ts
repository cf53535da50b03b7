/**
 * Recursive next-hop resolution, as Calico's BIRD does it with `gateway
 * recursive` on every BGP session and `learn` in its kernel protocol: a BGP
 * next hop that is not on a connected subnet is looked up in the kernel's
 * own routes (longest match; never routes of petrel's protocol), and the
 * route is written through what that lookup gives:
 *
 *   172.16.34.0/26, next hop 192.168.20.100
 *   192.168.20.0/24 via 192.168.10.200 dev eth1       (alien, e.g. static)
 *   => 172.16.34.0/26 via 192.168.10.200 dev eth1 proto bird
 *
 * Nothing found, or a blackhole/unreachable route found: BIRD's unreachable,
 * and the route is not written.
 */
import type { Prefix } from '../lib/prefix.js';
import { containsAddress, formatIp, prefixKey } from './addr.js';
import { RTN_UNICAST, type RtNextHop, type RtRoute } from './rtnl.js';

/** A route in the main table that is not ours (connected, static, DHCP, Felix's). */
export interface AlienRoute {
  readonly prefix: Prefix;
  readonly metric: number;
  /** rtm_type: only unicast routes resolve anything. */
  readonly type: number;
  readonly nextHops: readonly RtNextHop[];
}

/** Where a next hop goes: the gateway to write and its device. */
export interface Resolved {
  readonly gateway: Uint8Array;
  readonly ifindex: number;
  readonly onlink: boolean;
}

/**
 * The kernel's answer for `hop` among `table`: the longest prefix containing
 * it, the lowest metric among equals. A device route (no gateway) means the
 * hop is on that link: written `via <hop> dev <device>`. A route with a
 * gateway gives that gateway and device (the first path of a multipath
 * route). Null: unreachable.
 */
export function resolveNextHop(table: Iterable<AlienRoute>, hop: Uint8Array): Resolved | null {
  let best: AlienRoute | null = null;
  for (const r of table) {
    if (!containsAddress(r.prefix, hop)) continue;
    if (best && (r.prefix.len < best.prefix.len || (r.prefix.len === best.prefix.len && r.metric >= best.metric))) continue;
    best = r;
  }
  if (!best || best.type !== RTN_UNICAST) return null;
  const nh = best.nextHops[0];
  if (!nh || nh.ifindex === 0) return null;
  if (nh.gateway === null) return { gateway: hop, ifindex: nh.ifindex, onlink: false };
  // A gateway of the other family (IPv4 via an IPv6 next hop) is not ours to write.
  if (nh.gateway.length !== hop.length) return null;
  return { gateway: nh.gateway, ifindex: nh.ifindex, onlink: nh.onlink };
}

/**
 * The alien routes of the main table, kept from dumps and notifications,
 * with resolutions cached until the table changes, and which of our routes
 * have recursive next hops, so a change re-resolves only the routes whose
 * next hops it covers.
 */
export class AlienTable {
  private readonly routes = new Map<string, AlienRoute>();
  private readonly cache = new Map<string, Resolved | null>();
  /** Recursive next hop text -> the hop and the route keys using it. */
  private readonly users = new Map<string, { hop: Uint8Array; keys: Set<string> }>();
  /** Route key -> its recursive next hops' text. */
  private readonly hopsOf = new Map<string, string[]>();

  private static key(prefix: Prefix, metric: number): string {
    return `${prefixKey(prefix)} ${metric}`;
  }

  /** A route notification; returns the keys of our routes whose next hops it may move. */
  update(r: RtRoute, del: boolean): string[] {
    const key = AlienTable.key(r.prefix, r.metric);
    if (del) {
      if (!this.routes.delete(key)) return [];
    } else this.routes.set(key, { prefix: r.prefix, metric: r.metric, type: r.type, nextHops: r.nextHops });
    this.cache.clear();
    const out: string[] = [];
    for (const u of this.users.values()) if (containsAddress(r.prefix, u.hop)) out.push(...u.keys);
    return out;
  }

  /** Route `key` now has these recursive next hops (none: forget it). */
  track(key: string, hops: readonly Uint8Array[]): void {
    for (const t of this.hopsOf.get(key) ?? []) {
      const u = this.users.get(t);
      if (u && u.keys.delete(key) && u.keys.size === 0) this.users.delete(t);
    }
    if (hops.length === 0) {
      this.hopsOf.delete(key);
      return;
    }
    const texts = hops.map(formatIp);
    this.hopsOf.set(key, texts);
    hops.forEach((hop, i) => {
      const u = this.users.get(texts[i]!) ?? { hop, keys: new Set<string>() };
      u.keys.add(key);
      this.users.set(texts[i]!, u);
    });
  }

  /** Every route with a recursive next hop. */
  tracked(): IterableIterator<string> {
    return this.hopsOf.keys();
  }

  /** Replace everything (a full dump). */
  reset(routes: Iterable<RtRoute>): void {
    this.routes.clear();
    for (const r of routes) this.routes.set(AlienTable.key(r.prefix, r.metric), { prefix: r.prefix, metric: r.metric, type: r.type, nextHops: r.nextHops });
    this.cache.clear();
  }

  /** Addresses or links changed: cached answers may be wrong. */
  invalidate(): void {
    this.cache.clear();
  }

  resolve(hop: Uint8Array): Resolved | null {
    const k = formatIp(hop);
    if (this.cache.has(k)) return this.cache.get(k)!;
    const r = resolveNextHop(this.routes.values(), hop);
    this.cache.set(k, r);
    return r;
  }

  get size(): number {
    return this.routes.size;
  }
}
