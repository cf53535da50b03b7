import { AttrCode } from '../constants.js';
import { UpdateSubcode } from '../notification-codes.js';
import { decodeSegments, encodeSegments, segmentsSize } from './as-path-segments.js';
import { defineAttribute, Malformed } from './codec.js';

/**
 * AS4_PATH, RFC 6793 §3: always 4-octet ASNs; only meaningful from a
 * 2-octet speaker. Malformed, or sent between 4-octet speakers: attribute
 * discard (RFC 6793 §6, RFC 7606 §7.16).
 */
export const as4PathCodec = defineAttribute({
  code: AttrCode.AS4_PATH,
  kind: 'AS4_PATH',
  optional: true,
  transitive: true,
  malformedAction: 'attribute-discard',
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  size: (attr) => segmentsSize(attr.segments, 4),
  decode(buf, start, end) {
    // Unlike AS_PATH, an empty AS4_PATH has no meaning (RFC 7606 §4: length 0 is an error).
    if (end === start) return new Malformed('empty', UpdateSubcode.ATTRIBUTE_LENGTH_ERROR);
    const segments = decodeSegments(buf, start, end, 4);
    if (typeof segments === 'string') return new Malformed(segments, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR);
    return { kind: 'AS4_PATH', segments };
  },
  encode(attr, w) {
    encodeSegments(attr.segments, w, 4);
  },
});
