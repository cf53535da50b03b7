import { ByteWriter } from '../lib/bytes.js';
import { encodeAttribute } from './attributes/index.js';
import type { MpUnreachNlriAttr, PathAttribute } from './attributes/types.js';
import { AttrCode, AttrFlag, IPV4_UNICAST, MessageType, familyKey } from './constants.js';
import type { CodecContext } from './context.js';
import { beginMessage, endMessage, maxMessageLength } from './header.js';
import { nlriSize, writeNlri, type Nlri } from './nlri.js';
import type { UpdateMessage } from './update-types.js';

/**
 * Scratch space for encoding: the event loop runs one encode at a time and
 * every encoder copies its result out, so one writer serves them all.
 */
const scratch = new ByteWriter(65536);

/** Append one UPDATE to `w` exactly as given (attributes in their order). */
function writeUpdate(w: ByteWriter, u: UpdateMessage, ctx: CodecContext, max: number): void {
  const addPath = ctx.addPath.has(IPV4_UNICAST);
  const start = beginMessage(w, MessageType.UPDATE);
  const wAt = w.reserve(2);
  for (const n of u.withdrawn) writeNlri(w, n, addPath);
  w.patchU16(wAt, w.pos - wAt - 2);
  const aAt = w.reserve(2);
  for (const a of u.attributes) encodeAttribute(a, w, ctx);
  w.patchU16(aAt, w.pos - aAt - 2);
  for (const n of u.nlri) writeNlri(w, n, addPath);
  endMessage(w, start, max);
}

/** Encode one UPDATE exactly as given (attributes in their order). */
export function encodeUpdate(u: UpdateMessage, ctx: CodecContext): Uint8Array {
  scratch.reset();
  writeUpdate(scratch, u, ctx, maxMessageLength(ctx));
  return scratch.finish();
}

/**
 * Encode UPDATEs back to back, as they go onto a TCP stream: one buffer per
 * `chunkBytes` of messages instead of one object per message, which is what
 * dominates the cost of a full table's many small UPDATEs. Every message
 * boundary stays intact; a chunk never splits a message.
 */
export function encodeUpdateStream(updates: Iterable<UpdateMessage>, ctx: CodecContext, chunkBytes = 65536): Uint8Array[] {
  const max = maxMessageLength(ctx);
  const w = new ByteWriter(chunkBytes + max);
  const out: Uint8Array[] = [];
  for (const u of updates) {
    writeUpdate(w, u, ctx, max);
    if (w.pos >= chunkBytes) {
      out.push(w.finish());
      w.reset();
    }
  }
  if (w.pos > 0) out.push(w.finish());
  return out;
}

/** How many of nlri[from..] fit in `budget` bytes. */
function takeFitting(nlri: readonly Nlri[], from: number, budget: number, addPath: boolean): number {
  let used = 0;
  let i = from;
  while (i < nlri.length) {
    const s = nlriSize(nlri[i]!, addPath);
    if (used + s > budget) break;
    used += s;
    i++;
  }
  return i - from;
}

export interface Family {
  readonly afi: number;
  readonly safi: number;
}

/**
 * Advertise `nlri` with one attribute set in as few UPDATEs as possible.
 * IPv4 unicast (with a NEXT_HOP among `attributes`) uses the NLRI field;
 * any other family, or IPv4 with `mpNextHop` given, uses MP_REACH_NLRI,
 * written first (RFC 7606 §5.1) with Extended Length. The attribute block is
 * encoded once and copied into every message.
 */
export function packUpdates(
  attributes: readonly PathAttribute[],
  nlri: readonly Nlri[],
  ctx: CodecContext,
  mp?: Family & { readonly nextHop: Uint8Array },
): Uint8Array[] {
  const max = maxMessageLength(ctx);
  const attrW = new ByteWriter();
  for (const a of attributes) {
    if (a.kind === 'MP_REACH_NLRI' || a.kind === 'MP_UNREACH_NLRI') throw new Error('packUpdates builds MP attributes itself');
    if (mp && a.kind === 'NEXT_HOP') continue;
    encodeAttribute(a, attrW, ctx);
  }
  const attrBytes = attrW.view();
  const out: Uint8Array[] = [];
  const w = new ByteWriter(max);
  if (!mp) {
    const addPath = ctx.addPath.has(IPV4_UNICAST);
    const budget = max - 23 - attrBytes.length;
    for (let i = 0; i < nlri.length; ) {
      const n = takeFitting(nlri, i, budget, addPath);
      if (n === 0) throw new RangeError('attributes leave no room for NLRI');
      w.reset();
      const start = beginMessage(w, MessageType.UPDATE);
      w.u16(0).u16(attrBytes.length).bytes(attrBytes);
      for (let k = i; k < i + n; k++) writeNlri(w, nlri[k]!, addPath);
      endMessage(w, start, max);
      out.push(w.finish());
      i += n;
    }
    return out;
  }
  const addPath = ctx.addPath.has(familyKey(mp.afi, mp.safi));
  const mpHeader = 4 + 2 + 1 + 1 + mp.nextHop.length + 1;
  const budget = max - 23 - attrBytes.length - mpHeader;
  for (let i = 0; i < nlri.length; ) {
    const n = takeFitting(nlri, i, budget, addPath);
    if (n === 0) throw new RangeError('attributes leave no room for NLRI');
    w.reset();
    const start = beginMessage(w, MessageType.UPDATE);
    w.u16(0);
    const aAt = w.reserve(2);
    w.u8(AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH).u8(AttrCode.MP_REACH_NLRI);
    const lAt = w.reserve(2);
    w.u16(mp.afi).u8(mp.safi).u8(mp.nextHop.length).bytes(mp.nextHop).u8(0);
    for (let k = i; k < i + n; k++) writeNlri(w, nlri[k]!, addPath);
    w.patchU16(lAt, w.pos - lAt - 2);
    w.bytes(attrBytes);
    w.patchU16(aAt, w.pos - aAt - 2);
    endMessage(w, start, max);
    out.push(w.finish());
    i += n;
  }
  return out;
}

/** Withdraw `nlri` in as few UPDATEs as possible (IPv4 withdrawn field, or MP_UNREACH_NLRI). */
export function packWithdrawals(nlri: readonly Nlri[], ctx: CodecContext, family: Family = { afi: 1, safi: 1 }): Uint8Array[] {
  const max = maxMessageLength(ctx);
  const out: Uint8Array[] = [];
  const w = new ByteWriter(max);
  const ipv4Field = family.afi === 1 && family.safi === 1;
  const addPath = ctx.addPath.has(familyKey(family.afi, family.safi));
  const budget = ipv4Field ? max - 23 : max - 23 - 4 - 3;
  for (let i = 0; i < nlri.length; ) {
    const n = takeFitting(nlri, i, budget, addPath);
    w.reset();
    const start = beginMessage(w, MessageType.UPDATE);
    if (ipv4Field) {
      const wAt = w.reserve(2);
      for (let k = i; k < i + n; k++) writeNlri(w, nlri[k]!, addPath);
      w.patchU16(wAt, w.pos - wAt - 2);
      w.u16(0);
    } else {
      w.u16(0);
      const aAt = w.reserve(2);
      w.u8(AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH).u8(AttrCode.MP_UNREACH_NLRI);
      const lAt = w.reserve(2);
      w.u16(family.afi).u8(family.safi);
      for (let k = i; k < i + n; k++) writeNlri(w, nlri[k]!, addPath);
      w.patchU16(lAt, w.pos - lAt - 2);
      w.patchU16(aAt, w.pos - aAt - 2);
    }
    endMessage(w, start, max);
    out.push(w.finish());
    i += n;
  }
  return out;
}

/** End-of-RIB marker (RFC 4724 §2): empty UPDATE for IPv4 unicast, bare MP_UNREACH_NLRI otherwise. */
export function endOfRib(family: Family): UpdateMessage {
  if (family.afi === 1 && family.safi === 1) return { type: 'UPDATE', withdrawn: [], attributes: [], nlri: [] };
  const attr: MpUnreachNlriAttr = { kind: 'MP_UNREACH_NLRI', afi: family.afi, safi: family.safi, withdrawn: [] };
  return { type: 'UPDATE', withdrawn: [], attributes: [attr], nlri: [] };
}

/** The family an UPDATE is the End-of-RIB marker of, or null. */
export function endOfRibFamily(u: UpdateMessage): Family | null {
  if (u.withdrawn.length > 0 || u.nlri.length > 0) return null;
  if (u.attributes.length === 0) return { afi: 1, safi: 1 };
  const only = u.attributes[0];
  if (u.attributes.length === 1 && only?.kind === 'MP_UNREACH_NLRI' && only.withdrawn.length === 0 && !only.rawNlri?.length) {
    return { afi: only.afi, safi: only.safi };
  }
  return null;
}

/** The attribute of a kind, if present. */
export function findAttribute<K extends PathAttribute['kind']>(
  attrs: readonly PathAttribute[],
  kind: K,
): Extract<PathAttribute, { kind: K }> | undefined {
  for (const a of attrs) if (a.kind === kind) return a as Extract<PathAttribute, { kind: K }>;
  return undefined;
}
