/**
 * rtnetlink messages (linux/rtnetlink.h, linux/neighbour.h): the requests
 * the FIB sends and the replies and notifications it reads. Host byte
 * order (little-endian on every platform petrel runs on).
 */
import type { Prefix } from '../lib/prefix.js';

export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;
export const RTM_NEWNEIGH = 28;
export const RTM_DELNEIGH = 29;

const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_DUMP = 0x300;
const NLM_F_REPLACE = 0x100;
const NLM_F_CREATE = 0x400;
const NLM_F_ACK_TLVS = 0x200;
const NLM_F_CAPPED = 0x100;
const NLMSGERR_ATTR_MSG = 1;

export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_BRIDGE = 7;
export const RTN_UNICAST = 1;
export const RTN_BLACKHOLE = 6;
export const RT_TABLE_MAIN = 254;
export const RTPROT_KERNEL = 2;
const RT_SCOPE_UNIVERSE = 0;
const RT_SCOPE_NOWHERE = 255;
export const RTNH_F_ONLINK = 4;

const RTA_DST = 1;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RTA_PRIORITY = 6;
const RTA_MULTIPATH = 9;
const RTA_TABLE = 15;
const IFLA_IFNAME = 3;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const NDA_DST = 1;
const NDA_LLADDR = 2;
const NUD_PERMANENT = 0x80;
const NTF_SELF = 0x2;
export const IFF_UP = 0x1;

const align = (n: number): number => (n + 3) & ~3;

/** A next hop as the kernel sees it. */
export interface RtNextHop {
  /** 4 or 16 bytes; null for a device route. */
  readonly gateway: Uint8Array | null;
  /** 0: let the kernel choose the device. */
  readonly ifindex: number;
  readonly onlink: boolean;
}

export interface RtRoute {
  readonly prefix: Prefix;
  readonly table: number;
  readonly protocol: number;
  readonly type: number;
  readonly metric: number;
  readonly nextHops: readonly RtNextHop[];
}

export type Decoded =
  | { kind: 'route'; del: boolean; route: RtRoute }
  | { kind: 'link'; del: boolean; ifindex: number; name: string; up: boolean }
  | { kind: 'addr'; del: boolean; ifindex: number; family: number; address: Uint8Array; prefixLen: number }
  | { kind: 'error'; seq: number; errno: number; message: string | null }
  | { kind: 'done'; seq: number }
  | { kind: 'other'; type: number };

/** Appends netlink messages to one growing buffer. */
export class RequestWriter {
  private buf = Buffer.alloc(64 * 1024);
  private at = 0;
  private start = 0;
  count = 0;

  get length(): number {
    return this.at;
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  begin(type: number, flags: number, seq: number): void {
    this.room(16);
    this.start = this.at;
    this.buf.writeUInt16LE(type, this.at + 4);
    this.buf.writeUInt16LE(flags | NLM_F_REQUEST, this.at + 6);
    this.buf.writeUInt32LE(seq >>> 0, this.at + 8);
    this.buf.writeUInt32LE(0, this.at + 12);
    this.at += 16;
  }

  bytes(b: Uint8Array): void {
    this.room(align(b.length));
    this.buf.set(b, this.at);
    this.buf.fill(0, this.at + b.length, this.at + align(b.length));
    this.at += align(b.length);
  }

  u8s(...v: number[]): void {
    this.bytes(Uint8Array.from(v));
  }

  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v >>> 0, this.at);
    this.at += 4;
  }

  /** Reserve a 4-byte slot and return its offset. */
  slot(): number {
    this.room(4);
    this.buf.writeUInt32LE(0, this.at);
    this.at += 4;
    return this.at - 4;
  }

  attr(type: number, payload: Uint8Array): void {
    this.room(4);
    this.buf.writeUInt16LE(4 + payload.length, this.at);
    this.buf.writeUInt16LE(type, this.at + 2);
    this.at += 4;
    this.bytes(payload);
  }

  attrU32(type: number, v: number): void {
    this.room(8);
    this.buf.writeUInt16LE(8, this.at);
    this.buf.writeUInt16LE(type, this.at + 2);
    this.buf.writeUInt32LE(v >>> 0, this.at + 4);
    this.at += 8;
  }

  /** Patch a u16 length at `offset` to cover everything written since. */
  patchU16(offset: number, len: number): void {
    this.buf.writeUInt16LE(len, offset);
  }

  patchU8(offset: number, v: number): void {
    this.buf.writeUInt8(v, offset);
  }

  get offset(): number {
    return this.at;
  }

  end(): void {
    this.buf.writeUInt32LE(this.at - this.start, this.start);
    this.count++;
  }

  /** Set NLM_F_ACK on the last message (the batch's sentinel). */
  ackLast(): void {
    const f = this.buf.readUInt16LE(this.start + 6);
    this.buf.writeUInt16LE(f | NLM_F_ACK, this.start + 6);
  }

  take(): Buffer {
    const out = this.buf.subarray(0, this.at);
    this.buf = Buffer.alloc(64 * 1024);
    this.at = 0;
    this.count = 0;
    return out;
  }
}

function prefixBytes(p: Prefix): Uint8Array {
  if (p.afi === 1) return Uint8Array.of(p.addr >>> 24, (p.addr >>> 16) & 255, (p.addr >>> 8) & 255, p.addr & 255);
  return p.addr;
}

function rtmsg(w: RequestWriter, family: number, dstLen: number, protocol: number, scope: number, type: number, flags: number): void {
  w.u8s(family, dstLen, 0, 0, RT_TABLE_MAIN, protocol, scope, type);
  w.u32(flags);
}

export interface RouteRequest {
  readonly prefix: Prefix;
  readonly protocol: number;
  readonly metric: number;
  readonly blackhole: boolean;
  readonly nextHops: readonly RtNextHop[];
}

/** RTM_NEWROUTE, create or replace (the same prefix and metric in the main table). */
export function writeNewRoute(w: RequestWriter, seq: number, r: RouteRequest): void {
  const family = r.prefix.afi === 1 ? AF_INET : AF_INET6;
  w.begin(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, seq);
  const single = r.nextHops.length === 1 ? r.nextHops[0]! : null;
  rtmsg(w, family, r.prefix.len, r.protocol, RT_SCOPE_UNIVERSE, r.blackhole ? RTN_BLACKHOLE : RTN_UNICAST, single?.onlink ? RTNH_F_ONLINK : 0);
  w.attr(RTA_DST, prefixBytes(r.prefix));
  w.attrU32(RTA_PRIORITY, r.metric);
  if (r.blackhole) {
    // nothing else
  } else if (single) {
    if (single.gateway) w.attr(RTA_GATEWAY, single.gateway);
    if (single.ifindex) w.attrU32(RTA_OIF, single.ifindex);
  } else {
    const at = w.offset;
    w.attr(RTA_MULTIPATH, new Uint8Array(0));
    for (const nh of r.nextHops) {
      const start = w.offset;
      // struct rtnexthop: len, flags, hops, ifindex
      w.u32(0);
      w.u32(nh.ifindex);
      if (nh.gateway) w.attr(RTA_GATEWAY, nh.gateway);
      w.patchU16(start, w.offset - start);
      // flags byte sits after the u16 length
      w.patchU8(start + 2, nh.onlink ? RTNH_F_ONLINK : 0);
    }
    w.patchU16(at, w.offset - at);
  }
  w.end();
}

/** RTM_DELROUTE of our route for a prefix at one metric (any next hops). */
export function writeDelRoute(w: RequestWriter, seq: number, prefix: Prefix, protocol: number, metric: number): void {
  w.begin(RTM_DELROUTE, 0, seq);
  rtmsg(w, prefix.afi === 1 ? AF_INET : AF_INET6, prefix.len, protocol, RT_SCOPE_NOWHERE, 0, 0);
  w.attr(RTA_DST, prefixBytes(prefix));
  w.attrU32(RTA_PRIORITY, metric);
  w.end();
}

/** A permanent neighbour entry (Felix's VTEP IP -> VTEP MAC on vxlan.calico). */
export function writeNeighbour(w: RequestWriter, seq: number, del: boolean, ifindex: number, ip: Uint8Array, mac: Uint8Array): void {
  w.begin(del ? RTM_DELNEIGH : RTM_NEWNEIGH, del ? 0 : NLM_F_CREATE | NLM_F_REPLACE, seq);
  w.u8s(ip.length === 4 ? AF_INET : AF_INET6, 0, 0, 0);
  w.u32(ifindex);
  // state u16, flags u8, type u8
  w.u8s(NUD_PERMANENT, 0, 0, 0);
  w.attr(NDA_DST, ip);
  if (!del) w.attr(NDA_LLADDR, mac);
  w.end();
}

/** A permanent FDB entry on the VXLAN device (VTEP MAC -> remote node IP), `bridge fdb ... self permanent`. */
export function writeFdb(w: RequestWriter, seq: number, del: boolean, ifindex: number, mac: Uint8Array, dst: Uint8Array): void {
  w.begin(del ? RTM_DELNEIGH : RTM_NEWNEIGH, del ? 0 : NLM_F_CREATE | NLM_F_REPLACE, seq);
  w.u8s(AF_BRIDGE, 0, 0, 0);
  w.u32(ifindex);
  w.u8s(NUD_PERMANENT, 0, NTF_SELF, 0);
  w.attr(NDA_LLADDR, mac);
  w.attr(NDA_DST, dst);
  w.end();
}

export function writeDump(w: RequestWriter, type: number, seq: number, family = 0): void {
  w.begin(type, NLM_F_DUMP, seq);
  if (type === RTM_GETLINK) {
    w.u8s(family, 0, 0, 0);
    w.u32(0);
    w.u32(0);
    w.u32(0);
  } else if (type === RTM_GETADDR) {
    w.u8s(family, 0, 0, 0);
    w.u32(0);
  } else {
    w.u8s(family, 0, 0, 0, 0, 0, 0, 0);
    w.u32(0);
  }
  w.end();
}

// ------------------------------------------------------------------ decoding

function attrs(buf: Buffer, from: number, to: number, each: (type: number, at: number, len: number) => void): void {
  let at = from;
  while (at + 4 <= to) {
    const len = buf.readUInt16LE(at);
    if (len < 4 || at + len > to) return;
    each(buf.readUInt16LE(at + 2) & 0x3fff, at + 4, len - 4);
    at += align(len);
  }
}

function toPrefix(family: number, addr: Uint8Array, len: number): Prefix | null {
  if (family === AF_INET) {
    if (addr.length < 4 || len > 32) return null;
    return { afi: 1, addr: ((addr[0]! << 24) | (addr[1]! << 16) | (addr[2]! << 8) | addr[3]!) >>> 0, len };
  }
  if (family === AF_INET6) {
    if (addr.length < 16 || len > 128) return null;
    return { afi: 2, addr: Uint8Array.from(addr.subarray(0, 16)), len };
  }
  return null;
}

function decodeRoute(buf: Buffer, at: number, end: number, del: boolean): Decoded {
  if (end - at < 12) return { kind: 'other', type: del ? RTM_DELROUTE : RTM_NEWROUTE };
  const family = buf[at]!;
  const dstLen = buf[at + 1]!;
  let table = buf[at + 4]!;
  const protocol = buf[at + 5]!;
  const type = buf[at + 7]!;
  const flags = buf.readUInt32LE(at + 8);
  let dst: Uint8Array = new Uint8Array(family === AF_INET ? 4 : 16);
  let metric = 0;
  let gateway: Uint8Array | null = null;
  let oif = 0;
  const hops: RtNextHop[] = [];
  attrs(buf, at + 12, end, (t, a, l) => {
    if (t === RTA_DST) dst = Uint8Array.from(buf.subarray(a, a + l));
    else if (t === RTA_TABLE && l >= 4) table = buf.readUInt32LE(a);
    else if (t === RTA_PRIORITY && l >= 4) metric = buf.readUInt32LE(a);
    else if (t === RTA_GATEWAY) gateway = Uint8Array.from(buf.subarray(a, a + l));
    else if (t === RTA_OIF && l >= 4) oif = buf.readUInt32LE(a);
    else if (t === RTA_MULTIPATH) {
      let p = a;
      while (p + 8 <= a + l) {
        const nlen = buf.readUInt16LE(p);
        if (nlen < 8 || p + nlen > a + l) break;
        let gw: Uint8Array | null = null;
        attrs(buf, p + 8, p + nlen, (nt, na, nl) => {
          if (nt === RTA_GATEWAY) gw = Uint8Array.from(buf.subarray(na, na + nl));
        });
        hops.push({ gateway: gw, ifindex: buf.readInt32LE(p + 4), onlink: (buf[p + 2]! & RTNH_F_ONLINK) !== 0 });
        p += align(nlen);
      }
    }
  });
  const prefix = toPrefix(family, dst, dstLen);
  if (!prefix) return { kind: 'other', type: del ? RTM_DELROUTE : RTM_NEWROUTE };
  if (hops.length === 0 && (gateway !== null || oif !== 0)) hops.push({ gateway, ifindex: oif, onlink: (flags & RTNH_F_ONLINK) !== 0 });
  return { kind: 'route', del, route: { prefix, table, protocol, type, metric, nextHops: hops } };
}

/**
 * Every message of one datagram. `skipNewRoutesOf`: RTM_NEWROUTE of this
 * protocol is not decoded (our own writes echoed back by notifications).
 */
export function decodeMessages(buf: Buffer, skipNewRoutesOf = -1): Decoded[] {
  const out: Decoded[] = [];
  let at = 0;
  while (at + 16 <= buf.length) {
    const len = buf.readUInt32LE(at);
    if (len < 16 || at + len > buf.length) break;
    const type = buf.readUInt16LE(at + 4);
    const flags = buf.readUInt16LE(at + 6);
    const seq = buf.readUInt32LE(at + 8);
    const body = at + 16;
    const end = at + len;
    switch (type) {
      case NLMSG_ERROR: {
        const errno = -buf.readInt32LE(body);
        let message: string | null = null;
        if (flags & NLM_F_ACK_TLVS) {
          // struct nlmsgerr: error, then the request's header (payload capped), then TLVs.
          const capped = (flags & NLM_F_CAPPED) !== 0;
          const tlvAt = body + 4 + (capped ? 16 : align(buf.readUInt32LE(body + 4)));
          attrs(buf, tlvAt, end, (t, a, l) => {
            if (t === NLMSGERR_ATTR_MSG) message = buf.toString('utf8', a, a + l).replace(/\0.*$/s, '');
          });
        }
        out.push({ kind: 'error', seq: buf.readUInt32LE(body + 12), errno, message });
        break;
      }
      case NLMSG_DONE:
        out.push({ kind: 'done', seq });
        break;
      case RTM_NEWROUTE:
      case RTM_DELROUTE:
        if (type === RTM_NEWROUTE && buf[body + 5] === skipNewRoutesOf && end - body >= 12) break;
        out.push(decodeRoute(buf, body, end, type === RTM_DELROUTE));
        break;
      case RTM_NEWLINK:
      case RTM_DELLINK: {
        const ifindex = buf.readInt32LE(body + 4);
        const flagsIf = buf.readUInt32LE(body + 8);
        let name = '';
        attrs(buf, body + 16, end, (t, a, l) => {
          if (t === IFLA_IFNAME) name = buf.toString('utf8', a, a + l).replace(/\0.*$/s, '');
        });
        out.push({ kind: 'link', del: type === RTM_DELLINK, ifindex, name, up: (flagsIf & IFF_UP) !== 0 });
        break;
      }
      case RTM_NEWADDR:
      case RTM_DELADDR: {
        const family = buf[body]!;
        const prefixLen = buf[body + 1]!;
        const ifindex = buf.readUInt32LE(body + 4);
        let address: Uint8Array | null = null;
        let local: Uint8Array | null = null;
        attrs(buf, body + 8, end, (t, a, l) => {
          if (t === IFA_ADDRESS) address = Uint8Array.from(buf.subarray(a, a + l));
          if (t === IFA_LOCAL) local = Uint8Array.from(buf.subarray(a, a + l));
        });
        const addr = local ?? address;
        if (addr) out.push({ kind: 'addr', del: type === RTM_DELADDR, ifindex, family, address: addr, prefixLen });
        break;
      }
      default:
        out.push({ kind: 'other', type });
    }
    at += align(len);
  }
  return out;
}
