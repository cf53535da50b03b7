import { ByteWriter, readU16, copyBytes } from '../lib/bytes.js';
import { MessageType } from './constants.js';
import { BgpError } from './error.js';
import { beginMessage, endMessage } from './header.js';
import { ErrorCode, RouteRefreshSubcode } from './notification-codes.js';
import { MAX_MESSAGE_LENGTH } from './constants.js';

export const RouteRefreshSubtype = {
  NORMAL: 0,
  /** RFC 7313 Beginning of Route Refresh */
  BORR: 1,
  /** RFC 7313 End of Route Refresh */
  EORR: 2,
} as const;

/** ROUTE-REFRESH (RFC 2918), with the RFC 7313 subtype in the former reserved octet. */
export interface RouteRefreshMessage {
  readonly type: 'ROUTE_REFRESH';
  readonly afi: number;
  readonly safi: number;
  /** 0 normal, 1 BoRR, 2 EoRR; other values are to be ignored (RFC 7313 §5). */
  readonly subtype: number;
}

/** `raw` is the whole message, which RFC 7313 §5 puts in the NOTIFICATION data. */
export function decodeRouteRefresh(body: Uint8Array, raw: Uint8Array): RouteRefreshMessage {
  if (body.length !== 4) {
    throw new BgpError(ErrorCode.ROUTE_REFRESH, RouteRefreshSubcode.INVALID_MESSAGE_LENGTH, copyBytes(raw), `ROUTE-REFRESH of ${raw.length} bytes`);
  }
  return { type: 'ROUTE_REFRESH', afi: readU16(body, 0), subtype: body[2]!, safi: body[3]! };
}

export function encodeRouteRefresh(m: RouteRefreshMessage, w = new ByteWriter(23)): Uint8Array {
  const start = beginMessage(w, MessageType.ROUTE_REFRESH);
  w.u16(m.afi).u8(m.subtype).u8(m.safi);
  endMessage(w, start, MAX_MESSAGE_LENGTH);
  return w.finish().subarray(start);
}
