import type { Nlri } from '../nlri.js';
import { decodeIpv4Prefixes, decodeIpv6Prefixes } from '../nlri.js';
import { familyKey } from '../constants.js';
import type { DecodeContext } from '../context.js';
import { UpdateSubcode } from '../notification-codes.js';
import { Malformed } from './codec.js';

/** Families whose NLRI use the RFC 4271 prefix encoding, which this codec parses. */
export function isPrefixFamily(afi: number, safi: number): boolean {
  return (afi === 1 || afi === 2) && (safi === 1 || safi === 2);
}

/**
 * An MP_REACH/MP_UNREACH problem (RFC 7606 §7.11, §7.12): reset the session
 * (3/1), or disable the AFI/SAFI when configured and the family is known.
 */
export function mpMalformed(reason: string, ctx: DecodeContext, afi?: number, safi?: number): Malformed {
  const disable = ctx.mpErrorAction === 'afi-safi-disable' && afi !== undefined && safi !== undefined;
  return new Malformed(
    reason,
    UpdateSubcode.MALFORMED_ATTRIBUTE_LIST,
    disable ? 'afi-safi-disable' : 'session-reset',
    afi,
    safi,
  );
}

/** Parse the NLRI of an MP attribute; returns the list or why it is malformed. */
export function decodeMpNlri(
  buf: Uint8Array,
  start: number,
  end: number,
  afi: number,
  safi: number,
  ctx: DecodeContext,
): Nlri[] | string {
  const out: Nlri[] = [];
  const addPath = ctx.addPath.has(familyKey(afi, safi));
  const err =
    afi === 1 ? decodeIpv4Prefixes(buf, start, end, addPath, out) : decodeIpv6Prefixes(buf, start, end, addPath, out);
  return err ?? out;
}
