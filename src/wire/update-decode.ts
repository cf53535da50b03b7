import { readU16, copyBytes } from '../lib/bytes.js';
import { codecByCode, canonicalFlags } from './attributes/index.js';
import { Malformed } from './attributes/codec.js';
import { checkNeverPropagated } from './attributes/never-propagated.js';
import type { ErrorAction, MpReachNlriAttr, PathAttribute } from './attributes/types.js';
import { AttrCode, AttrFlag, IPV4_UNICAST } from './constants.js';
import type { DecodeContext } from './context.js';
import { BgpError } from './error.js';
import { decodeIpv4Prefixes, type Nlri } from './nlri.js';
import { UpdateSubcode } from './notification-codes.js';
import { checkSemantics } from './update-semantics.js';
import type { AttributeProblem, UpdateAction, UpdateDecodeResult } from './update-types.js';

const NO_PROBLEMS: readonly AttributeProblem[] = Object.freeze([]);
const EMPTY = new Uint8Array(0);

const RANK: Record<UpdateAction, number> = {
  none: 0,
  'attribute-discard': 1,
  'treat-as-withdraw': 2,
  'afi-safi-disable': 3,
};

/** Which attribute codes were present, cheap for the common codes below 64. */
class SeenCodes {
  private lo = 0;
  private hi = 0;
  private rest: Set<number> | null = null;
  has(code: number): boolean {
    if (code < 32) return (this.lo & (1 << code)) !== 0;
    if (code < 64) return (this.hi & (1 << (code - 32))) !== 0;
    return this.rest?.has(code) ?? false;
  }
  add(code: number): void {
    if (code < 32) this.lo |= 1 << code;
    else if (code < 64) this.hi |= 1 << (code - 32);
    else (this.rest ??= new Set()).add(code);
  }
}

/**
 * Decode an UPDATE body (the bytes after the 19-byte header) with the error
 * handling of RFC 7606. Session-reset cases throw BgpError; every other
 * outcome is data in the result.
 */
export function decodeUpdate(body: Uint8Array, ctx: DecodeContext): UpdateDecodeResult {
  const len = body.length;
  if (len < 4) throw new BgpError(3, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, EMPTY, 'UPDATE body shorter than 4 bytes');
  const withdrawnLen = readU16(body, 0);
  // RFC 7606 §3(b): the two length fields must fit in the message.
  if (4 + withdrawnLen > len) {
    throw new BgpError(3, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, EMPTY, `withdrawn routes length ${withdrawnLen} exceeds the message`);
  }
  const totalAttrLen = readU16(body, 2 + withdrawnLen);
  const attrStart = 4 + withdrawnLen;
  const attrEnd = attrStart + totalAttrLen;
  if (attrEnd > len) {
    throw new BgpError(3, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, EMPTY, `total path attribute length ${totalAttrLen} exceeds the message`);
  }

  const addPathV4 = ctx.addPath.has(IPV4_UNICAST);
  const withdrawn: Nlri[] = [];
  let err = decodeIpv4Prefixes(body, 2, 2 + withdrawnLen, addPathV4, withdrawn);
  // RFC 7606 §5.3: NLRI that cannot be parsed cannot be withdrawn either.
  if (err) throw new BgpError(3, UpdateSubcode.INVALID_NETWORK_FIELD, EMPTY, `withdrawn routes: ${err}`);
  const nlri: Nlri[] = [];
  err = decodeIpv4Prefixes(body, attrEnd, len, addPathV4, nlri);
  if (err) throw new BgpError(3, UpdateSubcode.INVALID_NETWORK_FIELD, EMPTY, `NLRI: ${err}`);

  const attributes: PathAttribute[] = [];
  let problems: AttributeProblem[] | null = null;
  const report = (p: AttributeProblem) => (problems ??= []).push(p);
  const seen = new SeenCodes();
  let mpReach: MpReachNlriAttr | undefined;

  let p = attrStart;
  while (p < attrEnd) {
    const flags = body[p]!;
    const extended = (flags & AttrFlag.EXTENDED_LENGTH) !== 0;
    const headerLen = extended ? 4 : 3;
    // RFC 7606 §4: a header or value running past the attribute list is treat-as-withdraw.
    if (attrEnd - p < headerLen) {
      report(listProblem(`${attrEnd - p} stray octets at the end of the attribute list`, copyBytes(body, p, attrEnd)));
      break;
    }
    const code = body[p + 1]!;
    const valueLen = extended ? readU16(body, p + 2) : body[p + 2]!;
    const vStart = p + headerLen;
    const vEnd = vStart + valueLen;
    if (vEnd > attrEnd) {
      report({ ...listProblem(`attribute ${code} of length ${valueLen} runs past the attribute list`, copyBytes(body, p, attrEnd)), code });
      break;
    }
    const at = p;
    p = vEnd;

    if (seen.has(code)) {
      // RFC 7606 §3(g)
      if (code === AttrCode.MP_REACH_NLRI || code === AttrCode.MP_UNREACH_NLRI) {
        throw new BgpError(3, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, EMPTY, `attribute ${code} appears twice`);
      }
      report({ code, action: 'attribute-discard', reason: 'repeated attribute, first kept', subcode: UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, data: copyBytes(body, at, vEnd) });
      continue;
    }
    seen.add(code);

    const codec = codecByCode[code];
    if (codec === undefined) {
      if (!(flags & AttrFlag.OPTIONAL)) {
        throw new BgpError(3, UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE, copyBytes(body, at, vEnd), `unrecognized well-known attribute ${code}`);
      }
      if (code === AttrCode.AIGP || code === AttrCode.PREFIX_SID) {
        const why = checkNeverPropagated(code, body, vStart, vEnd);
        if (why) {
          report({ code, action: 'attribute-discard', reason: why, subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, data: copyBytes(body, at, vEnd) });
          continue;
        }
      }
      attributes.push({ kind: 'UNKNOWN', code, flags, value: copyBytes(body, vStart, vEnd) });
      continue;
    }

    // RFC 7606 §7.5, §7.9, §7.10: from an external peer these are discarded whatever their state.
    if (ctx.ebgp && codec.discardFromEbgp) {
      report({ code, action: 'attribute-discard', reason: `${codec.kind} from an external peer`, subcode: UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, data: copyBytes(body, at, vEnd) });
      continue;
    }
    const canonical = canonicalFlags(codec);
    // RFC 7606 §3(c) for the Optional and Transitive bits; RFC 4271 §4.3: Partial
    // is only for optional transitive attributes. The attribute's own malformed
    // action applies (RFC 7606 §7.6 and §7.7 make that discard for the aggregates).
    const partialMisused = (flags & AttrFlag.PARTIAL) !== 0 && canonical !== (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE);
    if ((flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE)) !== canonical || partialMisused) {
      const action = codec.malformedAction;
      const reason = `${codec.kind}: flags 0x${flags.toString(16)} conflict with the attribute's definition`;
      if (action === 'session-reset') throw new BgpError(3, UpdateSubcode.ATTRIBUTE_FLAGS_ERROR, copyBytes(body, at, vEnd), reason);
      report({ code, action, reason, subcode: UpdateSubcode.ATTRIBUTE_FLAGS_ERROR, data: copyBytes(body, at, vEnd) });
      continue;
    }
    if (ctx.fourOctetAs && (code === AttrCode.AS4_PATH || code === AttrCode.AS4_AGGREGATOR)) {
      // RFC 6793 §3: a NEW speaker never sends these to a NEW speaker.
      report({ code, action: 'attribute-discard', reason: `${codec.kind} from a 4-octet AS speaker`, subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, data: copyBytes(body, at, vEnd) });
      continue;
    }

    const decoded = codec.decode(body, vStart, vEnd, ctx);
    if (decoded instanceof Malformed) {
      const action = decoded.action ?? codec.malformedAction;
      const reason = `${codec.kind}: ${decoded.reason}`;
      if (action === 'session-reset') throw new BgpError(3, decoded.subcode, copyBytes(body, at, vEnd), reason);
      const problem: AttributeProblem =
        decoded.afi === undefined
          ? { code, action, reason, subcode: decoded.subcode, data: copyBytes(body, at, vEnd) }
          : { code, action, reason, subcode: decoded.subcode, data: copyBytes(body, at, vEnd), afi: decoded.afi, safi: decoded.safi! };
      report(problem);
      continue;
    }
    const expectedFlags = canonical | (valueLen > 0xff ? AttrFlag.EXTENDED_LENGTH : 0);
    const attr = flags === expectedFlags ? decoded : { ...decoded, flags };
    if (attr.kind === 'MP_REACH_NLRI') mpReach = attr;
    attributes.push(attr);
  }

  const reachable = nlri.length > 0 || (mpReach !== undefined && (mpReach.nlri.length > 0 || (mpReach.rawNlri?.length ?? 0) > 0));
  if (reachable) {
    // RFC 7606 §3(d): well-known mandatory attributes are required only with NLRI;
    // NEXT_HOP only for the IPv4 NLRI field (RFC 4760 §3).
    const mandatory = nlri.length > 0 ? MANDATORY_WITH_NEXT_HOP : MANDATORY;
    for (const code of mandatory) {
      if (!seen.has(code)) {
        report({ code, action: 'treat-as-withdraw', reason: `missing well-known attribute ${code}`, subcode: UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE, data: Uint8Array.of(code) });
      }
    }
    for (const sp of checkSemantics(attributes, nlri.length > 0, ctx)) report(sp);
  } else if (problems !== null) {
    // RFC 7606 §5.2: without reachable NLRI there is nothing to withdraw,
    // so any error stronger than attribute discard resets the session.
    const fatal = (problems as AttributeProblem[]).find((x) => x.action === 'treat-as-withdraw');
    if (fatal) throw new BgpError(3, fatal.subcode, fatal.code === 0 ? EMPTY : fatal.data, `${fatal.reason} in an UPDATE without reachable NLRI`);
  }

  let action: UpdateAction = 'none';
  if (problems !== null) {
    for (const x of problems as AttributeProblem[]) if (RANK[x.action as UpdateAction] > RANK[action]) action = x.action as UpdateAction;
  }
  return { update: { type: 'UPDATE', withdrawn, attributes, nlri }, action, problems: problems ?? NO_PROBLEMS };
}

const MANDATORY = [AttrCode.ORIGIN, AttrCode.AS_PATH] as const;
const MANDATORY_WITH_NEXT_HOP = [AttrCode.ORIGIN, AttrCode.AS_PATH, AttrCode.NEXT_HOP] as const;

function listProblem(reason: string, data: Uint8Array): AttributeProblem {
  const action: ErrorAction = 'treat-as-withdraw';
  return { code: 0, action, reason, subcode: UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, data };
}
