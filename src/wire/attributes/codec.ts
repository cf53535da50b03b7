import type { ByteWriter } from '../../lib/bytes.js';
import type { CodecContext, DecodeContext } from '../context.js';
import type { AttrKind, AttrOf, ErrorAction, PathAttribute } from './types.js';

/** Why an attribute value is malformed, and what RFC 7606 says to do about it. */
export class Malformed {
  constructor(
    readonly reason: string,
    /** RFC 4271 §6.3 subcode, used if the error has to reset the session. */
    readonly subcode: number,
    /** Overrides the codec's default action (RFC 7606 gives some attributes two). */
    readonly action?: ErrorAction,
    readonly afi?: number,
    readonly safi?: number,
  ) {}
}

/** One attribute's definition: flags, RFC 7606 action, value codec. */
export interface AttributeCodec<K extends AttrKind = AttrKind> {
  readonly code: number;
  readonly kind: K;
  readonly optional: boolean;
  readonly transitive: boolean;
  /** RFC 7606 action when the attribute is malformed. */
  readonly malformedAction: ErrorAction;
  /** RFC 4271 subcode for a malformed value when the session must be reset. */
  readonly subcode: number;
  /** Received from an external peer, the attribute is discarded (RFC 7606 §7.5, §7.9, §7.10). */
  readonly discardFromEbgp?: boolean;
  /** Bytes the value will take, so the header is written once with the right length form. */
  size(attr: AttrOf<K>, ctx: CodecContext): number;
  /** Decode the value in buf[start, end). Never throws. */
  decode(buf: Uint8Array, start: number, end: number, ctx: DecodeContext): AttrOf<K> | Malformed;
  /** Write the value (not the header). */
  encode(attr: AttrOf<K>, w: ByteWriter, ctx: CodecContext): void;
}

export type AnyAttributeCodec = AttributeCodec<AttrKind>;

export function defineAttribute<K extends AttrKind>(codec: AttributeCodec<K>): AnyAttributeCodec {
  return codec as unknown as AnyAttributeCodec;
}

export function isMalformed(x: PathAttribute | Malformed): x is Malformed {
  return x instanceof Malformed;
}
