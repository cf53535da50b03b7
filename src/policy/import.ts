import type { AsPathSegment } from '../wire/attributes/types.js';

export interface ImportContext {
  /** Our AS as this session sees it (Calico's effective local AS). */
  readonly localAs: number;
  /** BGPPeer numAllowedLocalASNumbers (BIRD `allow local as N`): occurrences of our AS tolerated. */
  readonly allowLocalAs: number;
}

export type ImportVerdict = { readonly accept: true } | { readonly accept: false; readonly reason: string };

const ACCEPT: ImportVerdict = Object.freeze({ accept: true });

/** How often an AS appears in a path, confederation segments included (RFC 4271 §9.1.2). */
export function countAs(segments: readonly AsPathSegment[], asn: number): number {
  let n = 0;
  for (const s of segments) for (const a of s.asns) if (a === asn) n++;
  return n;
}

/**
 * The import rules every path passes before it may enter the Loc-RIB
 * (the Adj-RIB-In keeps it regardless, pre-policy): a path that already
 * crossed our AS is a loop (RFC 4271 §9.1.2), unless the peering allows our
 * AS that many times, as Calico's numAllowedLocalASNumbers does.
 */
export function importVerdict(asPath: readonly AsPathSegment[], ctx: ImportContext): ImportVerdict {
  const seen = countAs(asPath, ctx.localAs);
  if (seen > ctx.allowLocalAs) {
    return { accept: false, reason: `AS_PATH contains our AS ${ctx.localAs} ${seen} time(s), ${ctx.allowLocalAs} allowed` };
  }
  return ACCEPT;
}
