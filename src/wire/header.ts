import type { ByteWriter } from '../lib/bytes.js';
import { HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from './constants.js';
import type { CodecContext } from './context.js';

/** Write marker, a length placeholder and the type; returns where the message starts. */
export function beginMessage(w: ByteWriter, type: number): number {
  const start = w.pos;
  w.fill(0xff, 16).u16(0).u8(type);
  return start;
}

/** Patch the length field; refuses messages over the negotiated maximum. */
export function endMessage(w: ByteWriter, start: number, max: number): void {
  const len = w.pos - start;
  if (len > max) throw new RangeError(`message of ${len} bytes exceeds the maximum of ${max}`);
  w.patchU16(start + 16, len);
}

/** RFC 8654: 65535 when extended messages were negotiated, else 4096. */
export function maxMessageLength(ctx: CodecContext): number {
  return ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}

export { HEADER_LENGTH };
