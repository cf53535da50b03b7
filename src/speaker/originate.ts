import type { LargeCommunity, PathAttribute } from '../wire/attributes/types.js';
import type { CodecContext } from '../wire/context.js';
import type { Nlri } from '../wire/nlri.js';
import { packUpdates } from '../wire/update-encode.js';

/** A locally originated route as one neighbor is to receive it (policy already applied). */
export interface LocalRoute {
  readonly nlri: Nlri;
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  /** AS numbers a BGPFilter prepended (before our own AS on eBGP). */
  readonly prepend?: readonly number[];
  /** LOCAL_PREF a BGPFilter set (setPriority); otherwise the origin context's. */
  readonly localPref?: number;
}

export interface OriginContext {
  readonly localAs: number;
  /** iBGP: empty AS_PATH and LOCAL_PREF; eBGP: our AS prepended, no LOCAL_PREF (RFC 4271 §5.1.2, §5.1.5). */
  readonly internal: boolean;
  readonly localPref: number;
  /** Our address on the session's family: NEXT_HOP self. */
  readonly nextHopV4: number | null;
  readonly nextHopV6: Uint8Array | null;
}

/** What distinguishes two advertisements of one of our prefixes: its communities. */
export function communitySignature(r: LocalRoute): string {
  return `${r.communities.join(',')}|${r.largeCommunities.map((c) => `${c.globalAdmin}:${c.localData1}:${c.localData2}`).join(',')}|${r.prepend?.join(' ') ?? ''}|${r.localPref ?? ''}`;
}

/**
 * UPDATEs for locally originated routes: one attribute set per distinct
 * community combination, each packed as full as the session allows.
 */
export function encodeLocalRoutes(routes: readonly LocalRoute[], o: OriginContext, ctx: CodecContext): Uint8Array[] {
  const groups = new Map<string, { routes: LocalRoute[]; v6: boolean }>();
  for (const r of routes) {
    const v6 = r.nlri.afi === 2;
    const key = `${v6 ? 6 : 4}|${communitySignature(r)}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { routes: [], v6 }));
    g.routes.push(r);
  }
  const out: Uint8Array[] = [];
  for (const g of groups.values()) {
    const first = g.routes[0]!;
    const attrs: PathAttribute[] = [
      { kind: 'ORIGIN', origin: 0 },
      { kind: 'AS_PATH', segments: asPathFor(o, first.prepend ?? []) },
    ];
    if (!g.v6) {
      if (o.nextHopV4 === null) continue;
      attrs.push({ kind: 'NEXT_HOP', nextHop: o.nextHopV4 });
    }
    if (o.internal) attrs.push({ kind: 'LOCAL_PREF', localPref: first.localPref ?? o.localPref });
    if (first.communities.length > 0) attrs.push({ kind: 'COMMUNITIES', communities: first.communities });
    if (first.largeCommunities.length > 0) attrs.push({ kind: 'LARGE_COMMUNITY', communities: first.largeCommunities });
    const nlri = g.routes.map((r) => r.nlri);
    if (g.v6) {
      if (o.nextHopV6 === null) continue;
      out.push(...packUpdates(attrs, nlri, ctx, { afi: 2, safi: 1, nextHop: o.nextHopV6 }));
    } else {
      out.push(...packUpdates(attrs, nlri, ctx));
    }
  }
  return out;
}

function asPathFor(o: OriginContext, prepend: readonly number[]): { type: 2; asns: number[] }[] {
  const asns = o.internal ? [...prepend] : [o.localAs, ...prepend];
  return asns.length > 0 ? [{ type: 2, asns }] : [];
}
