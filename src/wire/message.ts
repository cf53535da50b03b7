import { ByteWriter } from '../lib/bytes.js';
import type { CodecContext, DecodeContext } from './context.js';
import { MessageType } from './constants.js';
import { BgpError } from './error.js';
import { HeaderSubcode } from './notification-codes.js';
import type { Frame } from './framer.js';
import { beginMessage, endMessage } from './header.js';
import { decodeNotification, encodeNotification, type NotificationMessage } from './notification.js';
import { decodeOpen, encodeOpen, type OpenMessage } from './open.js';
import { decodeRouteRefresh, encodeRouteRefresh, type RouteRefreshMessage } from './route-refresh.js';
import { decodeUpdate } from './update-decode.js';
import { encodeUpdate } from './update-encode.js';
import type { AttributeProblem, UpdateAction, UpdateMessage } from './update-types.js';

export interface KeepaliveMessage {
  readonly type: 'KEEPALIVE';
}

export type BgpMessage = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

/** A decoded message and, for an UPDATE, the RFC 7606 outcome. */
export interface Decoded {
  readonly message: BgpMessage;
  readonly action: UpdateAction;
  readonly problems: readonly AttributeProblem[];
}

const NONE: readonly AttributeProblem[] = Object.freeze([]);
export const KEEPALIVE: KeepaliveMessage = Object.freeze({ type: 'KEEPALIVE' });

function assertNever(x: never): never {
  throw new Error(`unhandled message ${JSON.stringify(x)}`);
}

/** Decode a frame from the Framer. Throws only BgpError (the NOTIFICATION to send). */
export function decodeMessage(frame: Frame, ctx: DecodeContext): Decoded {
  switch (frame.type) {
    case MessageType.OPEN:
      return { message: decodeOpen(frame.body), action: 'none', problems: NONE };
    case MessageType.UPDATE: {
      const r = decodeUpdate(frame.body, ctx);
      return { message: r.update, action: r.action, problems: r.problems };
    }
    case MessageType.NOTIFICATION:
      return { message: decodeNotification(frame.body), action: 'none', problems: NONE };
    case MessageType.KEEPALIVE:
      return { message: KEEPALIVE, action: 'none', problems: NONE };
    case MessageType.ROUTE_REFRESH:
      return { message: decodeRouteRefresh(frame.body, frame.raw), action: 'none', problems: NONE };
    default:
      // The framer rejects other types first; a hand-made frame gets the same answer.
      throw new BgpError(1, HeaderSubcode.BAD_MESSAGE_TYPE, Uint8Array.of(frame.type & 0xff), `message type ${frame.type}`);
  }
}

export function encodeKeepalive(w = new ByteWriter(19)): Uint8Array {
  const start = beginMessage(w, MessageType.KEEPALIVE);
  endMessage(w, start, 19);
  return w.finish().subarray(start);
}

/** Encode any message for a session with the given negotiated context. */
export function encodeMessage(m: BgpMessage, ctx: CodecContext): Uint8Array {
  switch (m.type) {
    case 'OPEN':
      return encodeOpen(m, ctx);
    case 'UPDATE':
      return encodeUpdate(m, ctx);
    case 'NOTIFICATION':
      return encodeNotification(m);
    case 'KEEPALIVE':
      return encodeKeepalive();
    case 'ROUTE_REFRESH':
      return encodeRouteRefresh(m);
    default:
      return assertNever(m);
  }
}
