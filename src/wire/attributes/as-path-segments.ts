import type { ByteWriter } from '../../lib/bytes.js';
import { AS_TRANS } from '../constants.js';
import type { AsPathSegment } from './types.js';

/** Most ASNs one segment can hold: its count is one octet. */
const MAX_SEGMENT_ASNS = 255;

/**
 * Parse AS_PATH / AS4_PATH segments (RFC 4271 §4.3, RFC 6793). Returns the
 * segments, or why they are malformed: unknown segment type, empty segment,
 * a segment running past the attribute, stray octets, or AS 0 (RFC 7607).
 */
export function decodeSegments(
  buf: Uint8Array,
  start: number,
  end: number,
  asSize: 2 | 4,
): AsPathSegment[] | string {
  const segments: AsPathSegment[] = [];
  let p = start;
  while (p < end) {
    if (p + 2 > end) return 'stray octet after the last segment';
    const type = buf[p]!;
    const count = buf[p + 1]!;
    p += 2;
    if (type < 1 || type > 4) return `segment type ${type} undefined`;
    if (count === 0) return 'segment of zero length';
    if (p + count * asSize > end) return `segment of ${count} ASNs runs past the attribute`;
    const asns = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      const asn =
        asSize === 4
          ? ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0
          : (buf[p]! << 8) | buf[p + 1]!;
      if (asn === 0) return 'AS 0 in path (RFC 7607)';
      asns[i] = asn;
      p += asSize;
    }
    segments.push({ type: type as AsPathSegment['type'], asns });
  }
  return segments;
}

/**
 * Write segments. Segments longer than 255 ASNs are split into consecutive
 * segments of the same type (lengths recomputed). In a 2-octet encoding an
 * ASN above 65535 is written as AS_TRANS; the caller adds AS4_PATH.
 */
export function encodeSegments(segments: readonly AsPathSegment[], w: ByteWriter, asSize: 2 | 4): void {
  for (const seg of segments) {
    for (let from = 0; from < seg.asns.length; from += MAX_SEGMENT_ASNS) {
      const chunk = seg.asns.slice(from, from + MAX_SEGMENT_ASNS);
      w.u8(seg.type).u8(chunk.length);
      for (const asn of chunk) {
        if (asSize === 4) w.u32(asn);
        else w.u16(asn > 0xffff ? AS_TRANS : asn);
      }
    }
  }
}

/** Bytes the segments take, counting the splits encodeSegments makes. */
export function segmentsSize(segments: readonly AsPathSegment[], asSize: 2 | 4): number {
  let n = 0;
  for (const seg of segments) n += 2 * Math.ceil(seg.asns.length / MAX_SEGMENT_ASNS) + seg.asns.length * asSize;
  return n;
}
