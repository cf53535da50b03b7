import type { AggregatorAttr, As4AggregatorAttr, AsPathSegment, PathAttribute } from './attributes/types.js';
import { AS_TRANS } from './constants.js';
import { findAttribute } from './update-encode.js';

const isConfed = (s: AsPathSegment) => s.type === 3 || s.type === 4;

/** Path length as RFC 4271 §9.1.2.2 counts it: an AS_SET is one, confederation segments none. */
export function asPathLength(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === 2) n += s.asns.length;
    else if (s.type === 1) n += 1;
  }
  return n;
}

export interface As4Reconciled {
  readonly asPath: readonly AsPathSegment[];
  readonly aggregator?: { readonly asn: number; readonly address: number };
}

/**
 * The real AS path and aggregator of an UPDATE from a 2-octet (OLD)
 * speaker, per RFC 6793 §4.2.3: AS4_AGGREGATOR replaces an AGGREGATOR of
 * AS_TRANS, and AS4_PATH replaces the tail of AS_PATH, unless AGGREGATOR
 * names a real 2-octet AS (then both AS4 attributes are ignored) or AS4_PATH
 * is longer than AS_PATH (then it is ignored). From a 4-octet speaker the
 * decoder has already discarded both AS4 attributes.
 */
export function reconcileAs4(attrs: readonly PathAttribute[]): As4Reconciled {
  const asPath = findAttribute(attrs, 'AS_PATH')?.segments ?? [];
  const agg: AggregatorAttr | undefined = findAttribute(attrs, 'AGGREGATOR');
  const agg4: As4AggregatorAttr | undefined = findAttribute(attrs, 'AS4_AGGREGATOR');
  let as4Path = findAttribute(attrs, 'AS4_PATH')?.segments;
  let aggregator = agg ? { asn: agg.asn, address: agg.address } : undefined;
  if (agg && agg.asn !== AS_TRANS && (agg4 || as4Path)) {
    as4Path = undefined;
  } else if (agg && agg4) {
    aggregator = { asn: agg4.asn, address: agg4.address };
  }
  const result = (path: readonly AsPathSegment[]): As4Reconciled => (aggregator ? { asPath: path, aggregator } : { asPath: path });
  if (!as4Path) return result(asPath);
  // RFC 6793 §6: confederation segments do not belong in AS4_PATH.
  const tail = as4Path.filter((s) => !isConfed(s));
  const keep = asPathLength(asPath) - asPathLength(tail);
  if (keep < 0) return result(asPath);
  const merged: AsPathSegment[] = [];
  let remaining = keep;
  for (const s of asPath) {
    if (isConfed(s)) {
      merged.push(s);
    } else if (remaining > 0) {
      if (s.type === 1) {
        merged.push(s);
        remaining -= 1;
      } else {
        const take = Math.min(remaining, s.asns.length);
        merged.push({ type: 2, asns: s.asns.slice(0, take) });
        remaining -= take;
      }
    }
  }
  // Join a sequence split between the two attributes back into one segment.
  for (const s of tail) {
    const last = merged[merged.length - 1];
    if (last && last.type === 2 && s.type === 2) merged[merged.length - 1] = { type: 2, asns: [...last.asns, ...s.asns] };
    else merged.push(s);
  }
  return result(merged);
}

/**
 * Attributes for a 2-octet (OLD) peer (RFC 6793 §4.2.2): AS_PATH and
 * AGGREGATOR carry AS_TRANS in place of 4-octet ASNs (the encoder does
 * that), and AS4_PATH / AS4_AGGREGATOR are added with the real values when
 * any ASN does not fit in two octets.
 */
export function attributesForTwoOctetPeer(attrs: readonly PathAttribute[]): PathAttribute[] {
  const out: PathAttribute[] = attrs.filter((a) => a.kind !== 'AS4_PATH' && a.kind !== 'AS4_AGGREGATOR');
  const asPath = findAttribute(attrs, 'AS_PATH');
  if (asPath && asPath.segments.some((s) => !isConfed(s) && s.asns.some((a) => a > 0xffff))) {
    out.push({ kind: 'AS4_PATH', segments: asPath.segments.filter((s) => !isConfed(s)) });
  }
  const agg = findAttribute(attrs, 'AGGREGATOR');
  if (agg && agg.asn > 0xffff) out.push({ kind: 'AS4_AGGREGATOR', asn: agg.asn, address: agg.address });
  return out;
}
