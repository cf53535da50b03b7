import { readU16, copyBytes } from '../lib/bytes.js';
import { HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH, MessageType, MIN_LENGTH } from './constants.js';
import { BgpError, u16Data } from './error.js';
import { HeaderSubcode } from './notification-codes.js';

/** One complete message off the wire. `raw` is header and body; `body` follows the header. */
export interface Frame {
  readonly type: number;
  readonly raw: Uint8Array;
  readonly body: Uint8Array;
}

/**
 * Check a 19-byte header (RFC 4271 §6.1) before any of the body is
 * buffered, so a lying length can never make us allocate or wait for more
 * than one legal message. Returns the message length.
 */
export function checkHeader(buf: Uint8Array, at: number, maxLength: number): number {
  for (let i = 0; i < 16; i++) {
    if (buf[at + i] !== 0xff) throw new BgpError(1, HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED, new Uint8Array(0), 'marker is not all ones');
  }
  const length = readU16(buf, at + 16);
  const type = buf[at + 18]!;
  if (type < MessageType.OPEN || type > MessageType.ROUTE_REFRESH) {
    throw new BgpError(1, HeaderSubcode.BAD_MESSAGE_TYPE, Uint8Array.of(type), `message type ${type}`);
  }
  // RFC 8654 §4: OPEN and KEEPALIVE stay within 4096 even with extended messages.
  const max = type === MessageType.OPEN || type === MessageType.KEEPALIVE ? Math.min(maxLength, MAX_MESSAGE_LENGTH) : maxLength;
  const min = MIN_LENGTH[type]!;
  if (length < min || length > max || (type === MessageType.KEEPALIVE && length !== HEADER_LENGTH)) {
    throw new BgpError(1, HeaderSubcode.BAD_MESSAGE_LENGTH, u16Data(length), `length ${length} for message type ${type}`);
  }
  return length;
}

/**
 * Splits a TCP byte stream into BGP messages. Copes with messages split at
 * any byte and several in one chunk; holds at most one partial message.
 * After it has thrown, the stream is unusable (the session is closing).
 */
export class Framer {
  private pending: Uint8Array | null = null;
  private maxLength: number;

  constructor(extendedMessage = false) {
    this.maxLength = extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
  }

  /** Call once extended messages (RFC 8654) have been negotiated. */
  setExtendedMessage(on: boolean): void {
    this.maxLength = on ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
  }

  /** Bytes held back waiting for the rest of a message. */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }

  push(chunk: Uint8Array): Frame[] {
    let buf = chunk;
    if (this.pending !== null) {
      const joined = new Uint8Array(this.pending.length + chunk.length);
      joined.set(this.pending);
      joined.set(chunk, this.pending.length);
      buf = joined;
      this.pending = null;
    }
    const frames: Frame[] = [];
    let p = 0;
    while (buf.length - p >= HEADER_LENGTH) {
      const length = checkHeader(buf, p, this.maxLength);
      if (buf.length - p < length) break;
      const raw = buf.subarray(p, p + length);
      frames.push({ type: raw[18]!, raw, body: raw.subarray(HEADER_LENGTH) });
      p += length;
    }
    // Copy the tail so a large chunk is not kept alive by a few bytes.
    if (p < buf.length) this.pending = copyBytes(buf, p);
    return frames;
  }
}
