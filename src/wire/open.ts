import { ByteWriter, readU16, readU32, copyBytes } from '../lib/bytes.js';
import { capabilityCode, decodeCapability, encodeCapabilityValue } from './capabilities.js';
import type { Capability } from './capability-types.js';
import { MessageType, OptParamType } from './constants.js';
import type { CodecContext } from './context.js';
import { BgpError } from './error.js';
import { beginMessage, endMessage } from './header.js';
import { OpenSubcode } from './notification-codes.js';
import { MAX_MESSAGE_LENGTH } from './constants.js';

export type OpenParameter =
  | { readonly kind: 'CAPABILITIES'; readonly capabilities: readonly Capability[] }
  | { readonly kind: 'UNKNOWN'; readonly type: number; readonly value: Uint8Array };

/**
 * OPEN (RFC 4271 §4.2). Parameters keep their grouping as received (BIRD
 * puts all capabilities in one parameter, others one per parameter), so
 * re-encoding is byte-exact. Validation (version, AS, hold time, BGP
 * identifier) is the session's job; this is syntax only.
 */
export interface OpenMessage {
  readonly type: 'OPEN';
  readonly version: number;
  /** The 2-octet My Autonomous System field (AS_TRANS for a 4-octet AS). */
  readonly myAs: number;
  readonly holdTime: number;
  /** BGP Identifier as uint32. */
  readonly bgpId: number;
  readonly parameters: readonly OpenParameter[];
  /** RFC 9072 extended optional parameters encoding: used when received that way, or forced. */
  readonly extendedParameters?: boolean;
}

const EMPTY = new Uint8Array(0);
const malformed = (why: string) => new BgpError(2, OpenSubcode.UNSPECIFIC, EMPTY, why);

/** Decode an OPEN body (after the header). Throws BgpError 2/0 on any framing inconsistency. */
export function decodeOpen(body: Uint8Array): OpenMessage {
  if (body.length < 10) throw malformed('OPEN shorter than 29 bytes');
  const version = body[0]!;
  const myAs = readU16(body, 1);
  const holdTime = readU16(body, 3);
  const bgpId = readU32(body, 5);
  const optLen = body[9]!;
  let p = 10;
  let end: number;
  let extended = false;
  // RFC 9072 §2: a Non-Ext OP Type of 255 announces the extended encoding.
  if (optLen > 0 && body.length > 10 && body[10] === OptParamType.EXTENDED_LENGTH) {
    extended = true;
    if (body.length < 13) throw malformed('extended optional parameters length missing');
    end = 13 + readU16(body, 11);
    p = 13;
  } else {
    end = 10 + optLen;
  }
  if (end !== body.length) throw malformed(`optional parameters length disagrees with the message length`);

  const parameters: OpenParameter[] = [];
  const hdr = extended ? 3 : 2;
  while (p < end) {
    if (p + hdr > end) throw malformed('optional parameter header runs past the parameters');
    const type = body[p]!;
    const len = extended ? readU16(body, p + 1) : body[p + 1]!;
    const vStart = p + hdr;
    const vEnd = vStart + len;
    if (vEnd > end) throw malformed(`optional parameter ${type} runs past the parameters`);
    if (type === OptParamType.CAPABILITIES) {
      parameters.push({ kind: 'CAPABILITIES', capabilities: decodeCapabilities(body, vStart, vEnd) });
    } else {
      parameters.push({ kind: 'UNKNOWN', type, value: copyBytes(body, vStart, vEnd) });
    }
    p = vEnd;
  }
  const open: OpenMessage = { type: 'OPEN', version, myAs, holdTime, bgpId, parameters };
  return extended ? { ...open, extendedParameters: true } : open;
}

function decodeCapabilities(buf: Uint8Array, start: number, end: number): Capability[] {
  const caps: Capability[] = [];
  let p = start;
  while (p < end) {
    if (p + 2 > end) throw malformed('capability header runs past its parameter');
    const code = buf[p]!;
    const len = buf[p + 1]!;
    if (p + 2 + len > end) throw malformed(`capability ${code} of length ${len} runs past its parameter`);
    caps.push(decodeCapability(code, buf, p + 2, p + 2 + len));
    p += 2 + len;
  }
  return caps;
}

export function encodeOpen(m: OpenMessage, _ctx?: CodecContext, w = new ByteWriter(512)): Uint8Array {
  const params = new ByteWriter(256);
  const extended = m.extendedParameters === true || paramsNeedExtended(m.parameters);
  for (const prm of m.parameters) {
    params.u8(prm.kind === 'CAPABILITIES' ? OptParamType.CAPABILITIES : prm.type);
    const lenAt = params.reserve(extended ? 2 : 1);
    if (prm.kind === 'CAPABILITIES') {
      for (const c of prm.capabilities) {
        params.u8(capabilityCode(c));
        const cAt = params.reserve(1);
        encodeCapabilityValue(c, params);
        const cLen = params.pos - cAt - 1;
        if (cLen > 255) throw new RangeError(`capability ${capabilityCode(c)} too long`);
        params.patchU8(cAt, cLen);
      }
    } else {
      params.bytes(prm.value);
    }
    const len = params.pos - lenAt - (extended ? 2 : 1);
    if (extended) params.patchU16(lenAt, len);
    else params.patchU8(lenAt, len);
  }
  const start = beginMessage(w, MessageType.OPEN);
  w.u8(m.version).u16(m.myAs).u16(m.holdTime).u32(m.bgpId);
  if (extended) w.u8(255).u8(OptParamType.EXTENDED_LENGTH).u16(params.pos);
  else w.u8(params.pos);
  w.bytes(params.view());
  // RFC 8654 §2: OPEN never exceeds 4096 bytes.
  endMessage(w, start, MAX_MESSAGE_LENGTH);
  return w.finish().subarray(start);
}

function paramsNeedExtended(params: readonly OpenParameter[]): boolean {
  let total = 0;
  for (const p of params) {
    let len = 0;
    if (p.kind === 'CAPABILITIES') {
      const w = new ByteWriter(64);
      for (const c of p.capabilities) {
        w.reset();
        encodeCapabilityValue(c, w);
        len += 2 + w.pos;
      }
    } else {
      len = p.value.length;
    }
    if (len > 255) return true;
    total += 2 + len;
  }
  return total > 255;
}

/** All capabilities of an OPEN, in order, whatever parameters they came in. */
export function openCapabilities(m: OpenMessage): Capability[] {
  const out: Capability[] = [];
  for (const p of m.parameters) if (p.kind === 'CAPABILITIES') out.push(...p.capabilities);
  return out;
}

/** An OPEN with all capabilities in one parameter, as petrel sends it. */
export function makeOpen(o: { myAs: number; holdTime: number; bgpId: number; capabilities: readonly Capability[] }): OpenMessage {
  return {
    type: 'OPEN',
    version: 4,
    myAs: o.myAs,
    holdTime: o.holdTime,
    bgpId: o.bgpId,
    parameters: o.capabilities.length > 0 ? [{ kind: 'CAPABILITIES', capabilities: o.capabilities }] : [],
  };
}
