import type { ErrorAction, PathAttribute } from './attributes/types.js';
import type { Nlri } from './nlri.js';

/**
 * UPDATE (RFC 4271 §4.3). `withdrawn` and `nlri` are the IPv4 unicast
 * fields; other families travel in MP_REACH_NLRI / MP_UNREACH_NLRI
 * attributes. Attributes keep the order they had on the wire.
 */
export interface UpdateMessage {
  readonly type: 'UPDATE';
  readonly withdrawn: readonly Nlri[];
  readonly attributes: readonly PathAttribute[];
  readonly nlri: readonly Nlri[];
}

/** One malformed or refused attribute, kept for the log line RFC 7606 §6 asks for. */
export interface AttributeProblem {
  /** Attribute type code; 0 for problems with the attribute list as a whole. */
  readonly code: number;
  readonly action: ErrorAction;
  readonly reason: string;
  /** The UPDATE Message Error subcode a NOTIFICATION would carry. */
  readonly subcode: number;
  /** The offending attribute as received (flags, type, length, value), or what RFC 4271 puts in the data field. */
  readonly data: Uint8Array;
  /** For AFI/SAFI disable: the family to disable. */
  readonly afi?: number;
  readonly safi?: number;
}

/** The outcome the session must apply, strongest of all problems (RFC 7606 §3(h)). */
export type UpdateAction = 'none' | 'attribute-discard' | 'treat-as-withdraw' | 'afi-safi-disable';

/**
 * A decoded UPDATE. On 'treat-as-withdraw' every NLRI in `update` (IPv4
 * field and MP_REACH_NLRI) must be handled as withdrawn. Session resets
 * are not here: they are thrown as BgpError.
 */
export interface UpdateDecodeResult {
  readonly update: UpdateMessage;
  readonly action: UpdateAction;
  readonly problems: readonly AttributeProblem[];
}
