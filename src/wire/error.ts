import { toHex } from '../lib/hex.js';
import { notificationName } from './notification-codes.js';

/**
 * The only exception wire decoders throw. It carries exactly the
 * NOTIFICATION that must be sent to the peer (RFC 4271 §6).
 */
export class BgpError extends Error {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
  /** What exactly was wrong, without the NOTIFICATION's name (which `message` starts with). */
  readonly detail: string;

  constructor(code: number, subcode: number, data: Uint8Array = new Uint8Array(0), detail?: string) {
    const name = notificationName(code, subcode);
    super(detail ? `${name}: ${detail}` : name);
    this.name = 'BgpError';
    this.code = code;
    this.subcode = subcode;
    this.data = data;
    this.detail = detail ?? '';
  }

  override toString(): string {
    const d = this.data.length > 0 ? ` data=${toHex(this.data.subarray(0, 64))}` : '';
    return `${this.message} (${this.code}/${this.subcode})${d}`;
  }
}

export function u16Data(v: number): Uint8Array {
  return Uint8Array.of((v >>> 8) & 0xff, v & 0xff);
}
