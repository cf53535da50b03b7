import { toHex } from '../lib/hex.js';
import type { Nlri } from '../wire/nlri.js';
import { familyKey, type FamilyKey } from '../wire/constants.js';

/**
 * A route's identity in a table: prefix plus ADD-PATH path id. An IPv4
 * prefix without a path id is one number, so the common case stays a
 * numeric Map key; everything else is a short string.
 *
 * Up to /26 the low six bits of the address are zero, so address and
 * length fit one signed 32-bit integer (addr | len): a small integer to V8,
 * hashed fast and never boxed (a 1M-route table's Map operations take half
 * the time of 38-bit double keys). Longer prefixes use 2^32 + addr * 64 +
 * len, a number no 32-bit key can equal.
 */
export type RouteKey = number | string;

const V4_LONG = 4294967296;

export function routeKey(n: Nlri): RouteKey {
  if (n.afi === 1) {
    const k = n.len <= 26 ? (n.addr | n.len) | 0 : V4_LONG + n.addr * 64 + n.len;
    return n.pathId === 0 ? k : `${k}#${n.pathId}`;
  }
  const s = `${toHex(n.addr.subarray(0, (n.len + 7) >>> 3))}/${n.len}`;
  return n.pathId === 0 ? s : `${s}#${n.pathId}`;
}

export function familyOf(n: Nlri): FamilyKey {
  return familyKey(n.afi, 1);
}
