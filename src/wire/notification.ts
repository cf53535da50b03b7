import { ByteWriter, copyBytes } from '../lib/bytes.js';
import { MessageType } from './constants.js';
import { beginMessage, endMessage } from './header.js';
import { CeaseSubcode, ErrorCode } from './notification-codes.js';
import { MAX_MESSAGE_LENGTH } from './constants.js';

/** NOTIFICATION (RFC 4271 §4.5). */
export interface NotificationMessage {
  readonly type: 'NOTIFICATION';
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

export function decodeNotification(body: Uint8Array): NotificationMessage {
  // The framer guarantees 2 bytes (minimum length 21); a peer's odd code or subcode is data, not an error.
  return { type: 'NOTIFICATION', code: body[0] ?? 0, subcode: body[1] ?? 0, data: copyBytes(body, 2) };
}

export function encodeNotification(m: NotificationMessage, w = new ByteWriter(64)): Uint8Array {
  const start = beginMessage(w, MessageType.NOTIFICATION);
  // Data is cut to fit rather than failing to report an error.
  const room = MAX_MESSAGE_LENGTH - 21;
  w.u8(m.code).u8(m.subcode).bytes(m.data.length > room ? m.data.subarray(0, room) : m.data);
  endMessage(w, start, MAX_MESSAGE_LENGTH);
  return w.finish().subarray(start);
}

const MAX_SHUTDOWN_COMMUNICATION = 255;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The RFC 9003 shutdown communication of a Cease 2 (Administrative Shutdown)
 * or 4 (Administrative Reset): null when the NOTIFICATION has none, or an
 * error when its length or UTF-8 is bad (to be logged, never trusted).
 */
export function shutdownCommunication(m: NotificationMessage): { text: string } | { error: string } | null {
  if (m.code !== ErrorCode.CEASE) return null;
  if (m.subcode !== CeaseSubcode.ADMINISTRATIVE_SHUTDOWN && m.subcode !== CeaseSubcode.ADMINISTRATIVE_RESET) return null;
  if (m.data.length === 0) return null;
  const len = m.data[0]!;
  if (len > m.data.length - 1) return { error: `shutdown communication length ${len} exceeds the ${m.data.length - 1} bytes present` };
  try {
    return { text: utf8.decode(m.data.subarray(1, 1 + len)) };
  } catch {
    return { error: 'shutdown communication is not valid UTF-8' };
  }
}

/** A Cease with an RFC 9003 communication, cut at a character boundary to 255 bytes. */
export function ceaseWithCommunication(subcode: 2 | 4, text: string): NotificationMessage {
  let bytes = new TextEncoder().encode(text);
  if (bytes.length > MAX_SHUTDOWN_COMMUNICATION) {
    let cut = MAX_SHUTDOWN_COMMUNICATION;
    // Step back over UTF-8 continuation bytes.
    while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--;
    bytes = bytes.slice(0, cut);
  }
  const data = new Uint8Array(1 + bytes.length);
  data[0] = bytes.length;
  data.set(bytes, 1);
  return { type: 'NOTIFICATION', code: ErrorCode.CEASE, subcode, data };
}

/** Data of a Cease / Maximum Number of Prefixes Reached (RFC 4486 §4). */
export function maxPrefixData(afi: number, safi: number, limit: number): Uint8Array {
  return new ByteWriter(7).u16(afi).u8(safi).u32(limit).finish();
}
