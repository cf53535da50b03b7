import { attributesForForwarding } from '../wire/attributes/index.js';
import type { PathAttribute } from '../wire/attributes/types.js';
import { WellKnownCommunity } from '../wire/constants.js';
import type { Path } from '../rib/decision.js';

/** Who a neighbor is, for propagation (RFC 4271 §9.1.3, RFC 4456 §6). */
export interface ExportPeer {
  readonly name: string;
  /** Same AS (Calico's effective local AS test). */
  readonly internal: boolean;
  /** We reflect to it as its route reflector (Calico: rr client). */
  readonly routeReflectorClient: boolean;
  /** Calico nextHopMode (keepOriginalNextHop maps to keep for eBGP). */
  readonly nextHop: 'self' | 'keep' | 'auto';
  readonly localAs: number;
  /** Our address on the session's family, for next hop self. */
  readonly selfNextHop: number | null;
}

export interface ExportContext {
  /** Our cluster id when this node is a route reflector (Calico routeReflectorClusterID). */
  readonly clusterId: number | null;
  readonly routerId: number;
  /** The source peer's view: whether it is one of our RR clients. */
  readonly sourceIsClient: (peer: string) => boolean;
  /** Calico's calico_export_to_bgp_peers chain for this prefix and peer kind. */
  readonly policyAccepts: (internalPeer: boolean) => boolean;
}

export type ExportDecision = { readonly send: true; readonly attributes: PathAttribute[] } | { readonly send: false; readonly reason: string };

const no = (reason: string): ExportDecision => ({ send: false, reason });

/**
 * What a neighbor receives for a learnt best path, or why nothing: the
 * split horizon of iBGP and the reflection rules of RFC 4456 §6, the
 * well-known communities (RFC 1997), Calico's export chain, then the
 * attribute rewriting of RFC 4271 §5.1 (AS prepend, next hop, LOCAL_PREF
 * and MED on eBGP) and of RFC 4456 §8 (ORIGINATOR_ID, CLUSTER_LIST).
 */
export function exportPath(p: Path, to: ExportPeer, ctx: ExportContext): ExportDecision {
  const src = p.source;
  if (src.kind === 'static' || src.kind === 'kernel') return no('local routes are originated, not propagated');
  if (src.kind === 'bgp' && src.peer === to.name) return no('never back to the peer it came from');
  const a = p.attrs;
  if (a.communities.includes(WellKnownCommunity.NO_ADVERTISE)) return no('NO_ADVERTISE');
  if (!to.internal && (a.communities.includes(WellKnownCommunity.NO_EXPORT) || a.communities.includes(WellKnownCommunity.NO_EXPORT_SUBCONFED))) {
    return no('NO_EXPORT to an external peer');
  }
  // API-injected paths are our own: no split horizon, like a route from outside the AS.
  const fromInternal = src.kind === 'bgp' && !src.ebgp;
  let reflecting = false;
  if (fromInternal && to.internal) {
    // RFC 4456 §6: only a reflector passes iBGP routes on: from a client to
    // everyone, from a non-client to clients only.
    if (ctx.clusterId === null) return no('iBGP split horizon');
    if (src.kind !== 'bgp') return no('not learnt from a peer');
    if (!ctx.sourceIsClient(src.peer) && !to.routeReflectorClient) return no('non-client route to a non-client');
    // RFC 4456 §8: the originator gets nothing back.
    if (a.originatorId !== null && a.originatorId === ctx.routerId) return no('we originated it');
    reflecting = true;
  }
  // Calico's export chain selects Calico's routes; an operator-injected path was asked for explicitly.
  if (src.kind !== 'api' && !ctx.policyAccepts(to.internal)) return no('rejected by the export policy');

  const out: PathAttribute[] = [];
  for (const attr of attributesForForwarding(a.attributes)) {
    switch (attr.kind) {
      case 'AS_PATH':
        out.push(to.internal ? attr : { kind: 'AS_PATH', segments: prepend(attr.segments, to.localAs) });
        break;
      case 'NEXT_HOP': {
        const self = to.nextHop === 'self' || (to.nextHop === 'auto' && !to.internal);
        out.push(self && to.selfNextHop !== null ? { kind: 'NEXT_HOP', nextHop: to.selfNextHop } : attr);
        break;
      }
      case 'LOCAL_PREF':
        if (to.internal) out.push(attr);
        break;
      case 'MULTI_EXIT_DISC':
        // MED is non-transitive: it does not leave our AS (RFC 4271 §5.1.4).
        if (to.internal) out.push(attr);
        break;
      case 'ORIGINATOR_ID':
      case 'CLUSTER_LIST':
        if (to.internal) out.push(attr);
        break;
      case 'AS4_PATH':
      case 'AS4_AGGREGATOR':
        break;
      default:
        out.push(attr);
    }
  }
  // An injected IPv4 path without a next hop is reached through us.
  if (src.kind === 'api' && a.mpNextHop === null && to.selfNextHop !== null && !out.some((x) => x.kind === 'NEXT_HOP')) out.push({ kind: 'NEXT_HOP', nextHop: to.selfNextHop });
  if (to.internal && !out.some((x) => x.kind === 'LOCAL_PREF')) out.push({ kind: 'LOCAL_PREF', localPref: a.localPref });
  if (!to.internal && !out.some((x) => x.kind === 'AS_PATH')) out.push({ kind: 'AS_PATH', segments: [{ type: 2, asns: [to.localAs] }] });
  if (reflecting && src.kind === 'bgp') {
    if (a.originatorId === null) out.push({ kind: 'ORIGINATOR_ID', originatorId: src.peerRouterId });
    const i = out.findIndex((x) => x.kind === 'CLUSTER_LIST');
    const list = i >= 0 ? (out[i] as { clusterList: readonly number[] }).clusterList : [];
    const cl: PathAttribute = { kind: 'CLUSTER_LIST', clusterList: [ctx.clusterId!, ...list] };
    if (i >= 0) out[i] = cl;
    else out.push(cl);
  }
  return { send: true, attributes: out };
}

function prepend(segments: readonly { readonly type: 1 | 2 | 3 | 4; readonly asns: readonly number[] }[], asn: number) {
  const first = segments[0];
  // RFC 4271 §5.1.2: prepend to a leading AS_SEQUENCE (if it has room), else start a new one.
  if (first && first.type === 2 && first.asns.length < 255) return [{ type: 2 as const, asns: [asn, ...first.asns] }, ...segments.slice(1)];
  return [{ type: 2 as const, asns: [asn] }, ...segments];
}
