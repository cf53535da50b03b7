import type { PathAttribute } from './attributes/types.js';
import { AS_TRANS, AttrCode } from './constants.js';
import type { DecodeContext } from './context.js';
import { formatIpv4 } from '../lib/prefix.js';
import { UpdateSubcode } from './notification-codes.js';
import type { AttributeProblem } from './update-types.js';

/** 0/8, 127/8 (unless allowed), 224/4 multicast and 240/4 reserved cannot be next hops. */
function martianNextHop(nh: number, allowLoopback: boolean): string | null {
  const top = nh >>> 24;
  if (top === 0) return 'in 0.0.0.0/8';
  if (top === 127 && !allowLoopback) return 'loopback';
  if (top >= 224 && top < 240) return 'multicast';
  if (top >= 240) return 'reserved (240.0.0.0/4)';
  return null;
}

/**
 * Well-formed attributes that still make the route unusable: a martian or
 * own NEXT_HOP (RFC 4271 §6.3: ignore the route, no NOTIFICATION), a
 * route-reflection loop (RFC 4456 §8), or an eBGP AS_PATH that does not
 * start with the peer's AS when first-AS enforcement is on (RFC 4271 §6.3).
 * Each is reported as treat-as-withdraw: a previous copy of the route is gone.
 */
export function checkSemantics(attrs: readonly PathAttribute[], ipv4Nlri: boolean, ctx: DecodeContext): readonly AttributeProblem[] {
  let out: AttributeProblem[] | null = null;
  const push = (p: AttributeProblem) => (out ??= []).push(p);
  for (const a of attrs) {
    switch (a.kind) {
      case 'NEXT_HOP': {
        if (!ipv4Nlri) break;
        const why = martianNextHop(a.nextHop, ctx.allowLoopbackNextHop ?? false) ?? (ctx.localAddresses?.has(a.nextHop) ? 'one of our own addresses' : null);
        if (why) {
          push({ code: AttrCode.NEXT_HOP, action: 'treat-as-withdraw', reason: `NEXT_HOP ${formatIpv4(a.nextHop)} is ${why}; route ignored`, subcode: UpdateSubcode.INVALID_NEXT_HOP_ATTRIBUTE, data });
        }
        break;
      }
      case 'ORIGINATOR_ID':
        if (ctx.routerId !== undefined && a.originatorId === ctx.routerId) {
          push({ code: AttrCode.ORIGINATOR_ID, action: 'treat-as-withdraw', reason: 'ORIGINATOR_ID is our router id (reflection loop)', subcode: 0, data });
        }
        break;
      case 'CLUSTER_LIST':
        if (ctx.clusterId !== undefined && a.clusterList.includes(ctx.clusterId)) {
          push({ code: AttrCode.CLUSTER_LIST, action: 'treat-as-withdraw', reason: `CLUSTER_LIST holds our cluster id ${formatIpv4(ctx.clusterId)} (reflection loop)`, subcode: 0, data });
        }
        break;
      case 'AS_PATH': {
        if (!ctx.ebgp || !ctx.enforceFirstAs || ctx.peerAs === undefined) break;
        const first = a.segments[0];
        // Confederation segments come first only from confederation peers.
        if (first && (first.type === 3 || first.type === 4)) break;
        const expected = ctx.fourOctetAs || ctx.peerAs <= 0xffff ? ctx.peerAs : AS_TRANS;
        if (!first || first.type !== 2 || first.asns[0] !== expected) {
          push({ code: AttrCode.AS_PATH, action: 'treat-as-withdraw', reason: `AS_PATH does not start with the peer AS ${ctx.peerAs}`, subcode: UpdateSubcode.MALFORMED_AS_PATH, data });
        }
        break;
      }
      default:
        break;
    }
  }
  return out ?? NONE;
}

const NONE: readonly AttributeProblem[] = Object.freeze([]);
const data = new Uint8Array(0);
