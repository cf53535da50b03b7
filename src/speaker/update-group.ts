import { bytesEqual } from '../lib/bytes.js';
import { routeKey, type RouteKey } from '../rib/route-key.js';
import type { PathAttribute } from '../wire/attributes/types.js';
import type { FamilyKey } from '../wire/constants.js';
import type { CodecContext } from '../wire/context.js';
import type { Nlri } from '../wire/nlri.js';
import { packUpdates, packWithdrawals } from '../wire/update-encode.js';

/** A learnt route as the export rules gave it to a group, or its withdrawal (null attributes). */
export interface GroupChange {
  readonly nlri: Nlri;
  readonly attributes: readonly PathAttribute[] | null;
  /** The IPv6 next hop for MP_REACH_NLRI. */
  readonly mpNextHop: Uint8Array | null;
  /** The peer the path was learnt from: it never gets its own path back. */
  readonly source: string | null;
}

/** A session in the group: receives the encoded UPDATEs. */
export interface GroupMember {
  readonly name: string;
  deliver(messages: readonly Uint8Array[]): void;
}

/** One route of the group's Adj-RIB-Out. */
export interface OutRoute {
  readonly nlri: Nlri;
  readonly attributes: readonly PathAttribute[];
  readonly mpNextHop: Uint8Array | null;
  readonly source: string | null;
}

interface Bucket {
  readonly attributes: readonly PathAttribute[];
  readonly mpNextHop: Uint8Array | null;
  readonly excluded: string | null;
  readonly v4: Nlri[];
  readonly v6: Nlri[];
}

interface Withdrawals {
  readonly v4: Nlri[];
  readonly v6: Nlri[];
}

const concat = (ws: readonly Withdrawals[]): Withdrawals => (ws.length === 1 ? ws[0]! : { v4: ws.flatMap((w) => w.v4), v6: ws.flatMap((w) => w.v6) });

const push = (b: Bucket, n: Nlri): void => {
  (n.afi === 1 ? b.v4 : b.v6).push(n);
};

const sameNextHop = (a: Uint8Array | null, b: Uint8Array | null): boolean => a === b || (a !== null && b !== null && bytesEqual(a, b));

/**
 * An update group: sessions whose export state is equal (same propagation
 * rules, same negotiated encoding) share one Adj-RIB-Out, and each UPDATE
 * is encoded once and written to every member.
 *
 * The one per-member difference is split horizon towards the source: a
 * member never gets back the path it sent us. Every announcement bucket
 * therefore names the member it skips (the path's source), and when the
 * best path of a prefix moves to a member's own path, that member alone
 * gets the withdrawal of what it was told before.
 */
export class UpdateGroup {
  private readonly members = new Map<string, GroupMember>();
  private readonly adjOut = new Map<RouteKey, OutRoute>();
  /** Routes in the Adj-RIB-Out per source peer: members' advertised counts without a scan. */
  private readonly perSource = new Map<string, number>();

  constructor(
    readonly key: string,
    private readonly send: CodecContext,
    private readonly families: ReadonlySet<FamilyKey>,
  ) {}

  get size(): number {
    return this.adjOut.size;
  }

  get memberCount(): number {
    return this.members.size;
  }

  memberNames(): string[] {
    return [...this.members.keys()];
  }

  /** Add a member; returns the UPDATEs of its initial table (everything but its own paths). */
  join(m: GroupMember): Uint8Array[] {
    this.members.set(m.name, m);
    return this.messagesFor(m.name);
  }

  leave(name: string): void {
    this.members.delete(name);
  }

  /** The Adj-RIB-Out as one member sees it, optionally for one family. */
  *routesFor(name: string, afi?: number): Generator<OutRoute> {
    for (const r of this.adjOut.values()) if (r.source !== name && (afi === undefined || r.nlri.afi === afi)) yield r;
  }

  /** How many routes this member has been told. */
  countFor(name: string): number {
    return this.adjOut.size - (this.perSource.get(name) ?? 0);
  }

  /** The whole table for one member (initial dump, route refresh), encoded for it alone. */
  messagesFor(name: string, afi?: number): Uint8Array[] {
    const buckets = new Map<readonly PathAttribute[], Bucket[]>();
    for (const r of this.routesFor(name, afi)) push(this.bucket(buckets, r.attributes, r.mpNextHop, null), r.nlri);
    return this.encodeBuckets(buckets);
  }

  /**
   * Apply exported changes and send the difference to every member. Several
   * changes of one prefix in a batch collapse to the last one.
   */
  apply(changes: readonly GroupChange[]): void {
    const finals = new Map<RouteKey, GroupChange>();
    for (const c of changes) {
      if (this.families.has(((c.nlri.afi << 8) | 1) as FamilyKey)) finals.set(routeKey(c.nlri), c);
    }
    const announce = new Map<readonly PathAttribute[], Bucket[]>();
    const withdraw = new Map<string | null, Withdrawals>();
    const targeted = new Map<string | null, Withdrawals>();
    const add = (into: Map<string | null, Withdrawals>, who: string | null, n: Nlri) => {
      let w = into.get(who);
      if (!w) into.set(who, (w = { v4: [], v6: [] }));
      (n.afi === 1 ? w.v4 : w.v6).push(n);
    };
    for (const [k, c] of finals) {
      const old = this.adjOut.get(k);
      if (c.attributes === null) {
        if (!old) continue;
        this.adjOut.delete(k);
        this.count(old.source, -1);
        add(withdraw, old.source, old.nlri);
        continue;
      }
      if (old && old.attributes === c.attributes && old.source === c.source && sameNextHop(old.mpNextHop, c.mpNextHop)) continue;
      // The change itself is the table entry: no second object per route.
      this.adjOut.set(k, c as OutRoute);
      if (old) this.count(old.source, -1);
      this.count(c.source, 1);
      push(this.bucket(announce, c.attributes, c.mpNextHop, c.source), c.nlri);
      // The new source was told the old path (it was someone else's): take it back.
      if (old && c.source !== null && old.source !== c.source && this.members.has(c.source)) add(targeted, c.source, c.nlri);
    }
    if (this.members.size === 0 || (announce.size === 0 && withdraw.size === 0 && targeted.size === 0)) return;
    const shared: { excluded: string | null; messages: Uint8Array[] }[] = [];
    for (const list of announce.values()) {
      for (const b of list) shared.push({ excluded: b.excluded, messages: this.encodeBucket(b) });
    }
    // Withdrawals carry no attributes: every source's go into the same messages. A member
    // that sent none of them shares one encoding; a source (or a member with its own
    // targeted withdrawals) gets the rest packed for it alone.
    let forAll: Uint8Array[] | null = null;
    for (const m of this.members.values()) {
      const t = targeted.get(m.name);
      let out: Uint8Array[];
      if (!t && !withdraw.has(m.name)) {
        forAll ??= this.encodeWithdrawals(concat([...withdraw.values()]));
        out = [...forAll];
      } else {
        const mine: Withdrawals[] = [];
        for (const [excluded, w] of withdraw) if (excluded !== m.name) mine.push(w);
        if (t) mine.push(t);
        out = this.encodeWithdrawals(concat(mine));
      }
      for (const s of shared) if (s.excluded !== m.name) for (const x of s.messages) out.push(x);
      if (out.length > 0) m.deliver(out);
    }
  }

  /** Replace the whole Adj-RIB-Out with `wanted` (after a policy change): only differences go out. */
  resync(wanted: readonly GroupChange[]): void {
    const keep = new Set<RouteKey>();
    const changes: GroupChange[] = [];
    for (const c of wanted) {
      const k = routeKey(c.nlri);
      keep.add(k);
      const old = this.adjOut.get(k);
      // Equal content under a new array (a policy reload rebuilt the exports) is not a change.
      if (old && c.attributes !== null && old.source === c.source && sameNextHop(old.mpNextHop, c.mpNextHop) && sameAttributes(old.attributes, c.attributes)) {
        this.adjOut.set(k, { ...old, attributes: c.attributes });
        continue;
      }
      changes.push(c);
    }
    for (const [k, r] of this.adjOut) if (!keep.has(k)) changes.push({ nlri: r.nlri, attributes: null, mpNextHop: null, source: r.source });
    this.apply(changes);
  }

  private count(source: string | null, d: number): void {
    if (source === null) return;
    const n = (this.perSource.get(source) ?? 0) + d;
    if (n === 0) this.perSource.delete(source);
    else this.perSource.set(source, n);
  }

  /** The bucket for an attribute list, next hop and skipped member; the caller adds NLRI by family. */
  private bucket(into: Map<readonly PathAttribute[], Bucket[]>, attributes: readonly PathAttribute[], mpNextHop: Uint8Array | null, excluded: string | null): Bucket {
    let list = into.get(attributes);
    if (!list) into.set(attributes, (list = []));
    for (const b of list) {
      if (b.excluded === excluded && sameNextHop(b.mpNextHop, mpNextHop)) return b;
    }
    const b: Bucket = { attributes, mpNextHop, excluded, v4: [], v6: [] };
    list.push(b);
    return b;
  }

  private encodeBuckets(buckets: Map<readonly PathAttribute[], Bucket[]>): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const list of buckets.values()) for (const b of list) out.push(...this.encodeBucket(b));
    return out;
  }

  private encodeBucket(b: Bucket): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (b.v4.length > 0) out.push(...packUpdates(b.attributes, this.withPathIds(b.v4, 0x101), this.send));
    if (b.v6.length > 0 && b.mpNextHop) out.push(...packUpdates(b.attributes, this.withPathIds(b.v6, 0x201), this.send, { afi: 2, safi: 1, nextHop: b.mpNextHop }));
    return out;
  }

  /** Withdrawals of prefixes from this group's table, encoded for its sessions (path ids as announced). */
  withdrawalsOf(nlri: readonly Nlri[]): Uint8Array[] {
    const w: Withdrawals = { v4: [], v6: [] };
    for (const n of nlri) (n.afi === 1 ? w.v4 : w.v6).push(n);
    return this.encodeWithdrawals(w);
  }

  private encodeWithdrawals(w: Withdrawals): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (w.v4.length > 0) out.push(...packWithdrawals(this.withPathIds(w.v4, 0x101), this.send, { afi: 1, safi: 1 }));
    if (w.v6.length > 0) out.push(...packWithdrawals(this.withPathIds(w.v6, 0x201), this.send, { afi: 2, safi: 1 }));
    return out;
  }

  /**
   * The table keeps prefixes without path ids; on an ADD-PATH session the one
   * path we send per prefix is always path id 1, so that an announcement and
   * its later withdrawal name the same route.
   */
  private withPathIds(nlri: Nlri[], family: FamilyKey): Nlri[] {
    if (!this.send.addPath.has(family)) return nlri;
    return nlri.map((n) => (n.pathId === 1 ? n : { ...n, pathId: 1 }));
  }
}

/** Structural equality of exported attribute lists (rare path: policy reloads). */
function sameAttributes(a: readonly PathAttribute[], b: readonly PathAttribute[]): boolean {
  if (a.length !== b.length) return false;
  return JSON.stringify(a, bytesAsArrays) === JSON.stringify(b, bytesAsArrays);
}

function bytesAsArrays(_k: string, v: unknown): unknown {
  return v instanceof Uint8Array ? Array.from(v) : v;
}
