import { toHex } from '../lib/hex.js';
import type { Nlri } from '../wire/nlri.js';
import { familyKey, type FamilyKey } from '../wire/constants.js';

/**
 * A route's identity in a table: prefix plus ADD-PATH path id. An IPv4
 * prefix without a path id is one number (addr * 64 + len), so the common
 * case stays a numeric Map key; everything else is a short string.
 */
export type RouteKey = number | string;

export function routeKey(n: Nlri): RouteKey {
  if (n.afi === 1) {
    const k = n.addr * 64 + n.len;
    return n.pathId === 0 ? k : `${k}#${n.pathId}`;
  }
  const s = `${toHex(n.addr.subarray(0, (n.len + 7) >>> 3))}/${n.len}`;
  return n.pathId === 0 ? s : `${s}#${n.pathId}`;
}

export function familyOf(n: Nlri): FamilyKey {
  return familyKey(n.afi, 1);
}
