import { ByteWriter } from '../lib/bytes.js';
import { encodeAttribute } from '../wire/attributes/index.js';
import type { PathAttribute } from '../wire/attributes/types.js';
import { codecContext } from '../wire/context.js';
import { asPathLength } from '../wire/as4.js';

/**
 * One distinct attribute set, interned: every route with the same
 * attributes shares one object, and the fields the decision process reads
 * are extracted once. MP_REACH/MP_UNREACH are not part of it (they carry
 * NLRI); the MP next hop is, as `mpNextHop`.
 */
export interface AttrSet {
  readonly attributes: readonly PathAttribute[];
  readonly mpNextHop: Uint8Array | null;
  readonly origin: 0 | 1 | 2;
  /** RFC 4271 §9.1.2.2 a: an AS_SET counts one, confederation segments none. */
  readonly asPathLength: number;
  /** The leftmost AS of the path (RFC 4271 §9.1.2.2 c), or 0 for a path from inside our AS. */
  readonly neighborAs: number;
  /** Absent LOCAL_PREF reads as 100 (BIRD's default_bgp_local_pref). */
  readonly localPref: number;
  /** Absent MED reads as 0, the lowest (RFC 4271 §9.1.2.2 c). */
  readonly med: number;
  readonly originatorId: number | null;
  readonly clusterListLength: number;
  readonly nextHop: number | null;
  readonly communities: readonly number[];
}

const KEY_CTX = codecContext({ fourOctetAs: true });

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return s;
}

/** The interning table: one AttrSet per distinct encoded attribute set. */
export class AttrInterner {
  private readonly sets = new Map<string, AttrSet>();
  private readonly w = new ByteWriter(4096);

  get size(): number {
    return this.sets.size;
  }

  intern(attributes: readonly PathAttribute[], mpNextHop: Uint8Array | null): AttrSet {
    const own = attributes.filter((a) => a.kind !== 'MP_REACH_NLRI' && a.kind !== 'MP_UNREACH_NLRI');
    this.w.reset();
    for (const a of own) encodeAttribute(a, this.w, KEY_CTX);
    if (mpNextHop) this.w.u8(0xfe).bytes(mpNextHop);
    const key = latin1(this.w.view());
    const known = this.sets.get(key);
    if (known) return known;
    const set = extract(own, mpNextHop);
    this.sets.set(key, set);
    return set;
  }

  /** Drop sets no route refers to any more (the caller knows which are live). */
  retain(live: ReadonlySet<AttrSet>): void {
    for (const [k, v] of this.sets) if (!live.has(v)) this.sets.delete(k);
  }
}

function extract(attributes: readonly PathAttribute[], mpNextHop: Uint8Array | null): AttrSet {
  let origin: 0 | 1 | 2 = 2;
  let asLen = 0;
  let neighborAs = 0;
  let localPref = 100;
  let med = 0;
  let originatorId: number | null = null;
  let clusterListLength = 0;
  let nextHop: number | null = null;
  let communities: readonly number[] = [];
  for (const a of attributes) {
    switch (a.kind) {
      case 'ORIGIN':
        origin = a.origin;
        break;
      case 'AS_PATH': {
        asLen = asPathLength(a.segments);
        // Confederation segments are skipped (RFC 5065 §5.3).
        const first = a.segments.find((s) => s.type === 1 || s.type === 2);
        neighborAs = first && first.type === 2 ? (first.asns[0] ?? 0) : 0;
        break;
      }
      case 'LOCAL_PREF':
        localPref = a.localPref;
        break;
      case 'MULTI_EXIT_DISC':
        med = a.med;
        break;
      case 'ORIGINATOR_ID':
        originatorId = a.originatorId;
        break;
      case 'CLUSTER_LIST':
        clusterListLength = a.clusterList.length;
        break;
      case 'NEXT_HOP':
        nextHop = a.nextHop;
        break;
      case 'COMMUNITIES':
        communities = a.communities;
        break;
      default:
        break;
    }
  }
  return Object.freeze({ attributes, mpNextHop, origin, asPathLength: asLen, neighborAs, localPref, med, originatorId, clusterListLength, nextHop, communities });
}
