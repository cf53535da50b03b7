import { AttrCode } from '../constants.js';
import { UpdateSubcode } from '../notification-codes.js';
import { decodeSegments, encodeSegments, segmentsSize } from './as-path-segments.js';
import { defineAttribute, Malformed } from './codec.js';

/** AS_PATH, RFC 4271 §5.1.2; 2- or 4-octet ASNs as negotiated (RFC 6793); malformed: treat-as-withdraw (RFC 7606 §7.2). */
export const asPathCodec = defineAttribute({
  code: AttrCode.AS_PATH,
  kind: 'AS_PATH',
  optional: false,
  transitive: true,
  malformedAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.MALFORMED_AS_PATH,
  size: (attr, ctx) => segmentsSize(attr.segments, ctx.fourOctetAs ? 4 : 2),
  decode(buf, start, end, ctx) {
    const segments = decodeSegments(buf, start, end, ctx.fourOctetAs ? 4 : 2);
    if (typeof segments === 'string') return new Malformed(segments, UpdateSubcode.MALFORMED_AS_PATH);
    return { kind: 'AS_PATH', segments };
  },
  encode(attr, w, ctx) {
    encodeSegments(attr.segments, w, ctx.fourOctetAs ? 4 : 2);
  },
});
