import type { AttrSet } from './attr-set.js';

/** Where a path came from. BGP paths carry what the tie-breakers need. */
export type PathSource =
  | {
      readonly kind: 'bgp';
      readonly peer: string;
      /** Peer address as 16 bytes (IPv4 mapped), compared numerically in the last step. */
      readonly peerAddress: Uint8Array;
      readonly peerAddressText: string;
      readonly peerRouterId: number;
      readonly ebgp: boolean;
    }
  | { readonly kind: 'static'; readonly name: string }
  /** Injected through the management API (GoBGP's AddPath). */
  | { readonly kind: 'api'; readonly name: string }
  | { readonly kind: 'kernel'; readonly name: string };

export interface Path {
  readonly attrs: AttrSet;
  readonly source: PathSource;
  readonly pathId: number;
  /** Unix ms the path entered the table. */
  readonly since: number;
  /** The Adj-RIB-In entry behind a BGP path (its `stale` flag is live). */
  readonly received?: { readonly stale: boolean };
}

/** BIRD's protocol preferences: static 200 over BGP 100 over kernel 10; API-injected paths 150, over BGP, under the node's blocks. */
export function preference(p: Path): number {
  switch (p.source.kind) {
    case 'static':
      return 200;
    case 'api':
      return 150;
    case 'bgp':
      // Calico's import filter on every peer: a LOCAL_PREF above the normal priority's
      // (2^31 - 1 - 1024) means a higher-priority route: preference 200, like static.
      return p.attrs.localPref > 2147482623 ? 200 : 100;
    case 'kernel':
      return 10;
  }
}

export type DecisionStep =
  | 'preference'
  | 'llgr-stale'
  | 'local-pref'
  | 'as-path-length'
  | 'origin'
  | 'med'
  | 'ebgp-over-ibgp'
  | 'igp-cost'
  | 'router-id'
  | 'cluster-list-length'
  | 'peer-address';

export interface DecisionOptions {
  /** Compare MED between paths from different neighbouring ASes (BIRD `med metric`). */
  readonly alwaysCompareMed?: boolean;
  /** Cost to reach a next hop; the hook for IGP metrics (0 for all by default). */
  readonly igpCost?: (p: Path) => number;
}

export interface Comparison {
  /** < 0: a is better; > 0: b is better; 0: equal to the last step. */
  readonly order: number;
  /** The step that decided (null when equal). */
  readonly step: DecisionStep | null;
}

const LLGR_STALE = 0xffff0006;
function llgrStale(p: Path): boolean {
  return p.attrs.communities.includes(LLGR_STALE);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * RFC 4271 §9.1.2.2 with RFC 4456 §9, in BIRD's order (bgp_rte_better):
 * protocol preference, not LLGR-stale, LOCAL_PREF, AS_PATH length, ORIGIN, MED
 * (same neighbouring AS unless always compared), eBGP over iBGP, IGP cost,
 * lowest ORIGINATOR_ID or router id, shortest CLUSTER_LIST, lowest peer
 * address. `mergeUpTo` stops after the IGP-cost step: paths equal that far
 * form one multipath set (BIRD's `merge paths`).
 */
export function comparePaths(a: Path, b: Path, o: DecisionOptions = {}, mergeUpTo = false): Comparison {
  const decide = (order: number, step: DecisionStep): Comparison | null => (order !== 0 ? { order, step } : null);
  // RFC 9494 §4.3: LLGR_STALE paths are least preferred. Ordinary GR staleness
  // (RFC 4724) does not change preference, as in BIRD.
  const r =
    decide(preference(b) - preference(a), 'preference') ??
    decide(Number(llgrStale(a)) - Number(llgrStale(b)), 'llgr-stale');
  if (r) return r;
  if (a.source.kind !== 'bgp' || b.source.kind !== 'bgp') return { order: 0, step: null };
  const x = a.attrs;
  const y = b.attrs;
  const medComparable = o.alwaysCompareMed === true || x.neighborAs === y.neighborAs;
  const igp = o.igpCost;
  const r2 =
    decide(y.localPref - x.localPref, 'local-pref') ??
    decide(x.asPathLength - y.asPathLength, 'as-path-length') ??
    decide(x.origin - y.origin, 'origin') ??
    (medComparable ? decide(x.med - y.med, 'med') : null) ??
    decide(Number(b.source.ebgp) - Number(a.source.ebgp), 'ebgp-over-ibgp') ??
    (igp ? decide(igp(a) - igp(b), 'igp-cost') : null);
  if (r2) return r2;
  if (mergeUpTo) return { order: 0, step: null };
  // RFC 4456 §9 a): a reflected path is identified by its ORIGINATOR_ID.
  const idA = (x.originatorId ?? a.source.peerRouterId) >>> 0;
  const idB = (y.originatorId ?? b.source.peerRouterId) >>> 0;
  return (
    decide(idA < idB ? -1 : idA > idB ? 1 : 0, 'router-id') ??
    decide(x.clusterListLength - y.clusterListLength, 'cluster-list-length') ??
    decide(compareBytes(a.source.peerAddress, b.source.peerAddress), 'peer-address') ?? { order: 0, step: null }
  );
}

const STEP_TEXT: Record<DecisionStep, string> = {
  preference: 'lower protocol preference',
  'llgr-stale': 'long-lived stale (LLGR_STALE)',
  'local-pref': 'lower LOCAL_PREF',
  'as-path-length': 'longer AS_PATH',
  origin: 'worse ORIGIN',
  med: 'higher MED',
  'ebgp-over-ibgp': 'iBGP path against an eBGP one',
  'igp-cost': 'higher IGP cost to the next hop',
  'router-id': 'higher router id / ORIGINATOR_ID',
  'cluster-list-length': 'longer CLUSTER_LIST',
  'peer-address': 'higher peer address',
};

export function stepText(step: DecisionStep): string {
  return STEP_TEXT[step];
}
