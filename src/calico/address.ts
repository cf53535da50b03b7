/**
 * IP addresses and CIDRs as Calico prints them. Calico's Go code formats
 * addresses with net.IP.String(), which is the RFC 5952 text form; peer names,
 * the lexical passive rule and BIRD's config all use that canonical text.
 */
import {
  formatIpv4,
  formatIpv6,
  formatPrefix,
  ipv4Mask,
  parseIpv4,
  parseIpv6,
  parsePrefix,
  type Prefix,
} from '../lib/prefix.js';

export type Family = 'ipv4' | 'ipv6';

export interface IpAddress {
  readonly family: Family;
  /** Canonical text (RFC 5952 for IPv6). */
  readonly text: string;
}

export interface Cidr {
  readonly family: Family;
  readonly prefix: Prefix;
  /** Canonical network text, host bits cleared: `192.168.0.0/16`. */
  readonly text: string;
}

export function parseIp(text: string): IpAddress | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { family: 'ipv4', text: formatIpv4(v4) };
  if (!text.includes(':')) return null;
  const v6 = parseIpv6(text);
  if (v6 === null) return null;
  return { family: 'ipv6', text: formatIpv6(v6) };
}

/** Parse a CIDR, clearing host bits (Calico stores the network). */
export function parseCidr(text: string): Cidr | null {
  const p = parsePrefix(text.trim(), true);
  if (p === null) return null;
  return { family: p.afi === 1 ? 'ipv4' : 'ipv6', prefix: p, text: formatPrefix(p) };
}

/**
 * An address with an optional prefix length, as Node.spec.bgp.ipv4Address
 * takes it: `10.192.0.2/16` gives the address and its network (which the
 * CrossSubnet rule uses); a bare address is its own /32 or /128.
 */
export function parseIpWithNetwork(text: string): { ip: IpAddress; network: Cidr } | null {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (ip === null) return null;
  const len = slash < 0 ? (ip.family === 'ipv4' ? '32' : '128') : text.slice(slash + 1);
  const network = parseCidr(`${ip.text}/${len}`);
  if (network === null || network.family !== ip.family) return null;
  return { ip, network };
}

function v6Bytes(p: Prefix): Uint8Array {
  return p.afi === 2 ? p.addr : new Uint8Array(16);
}

/** True if `inner` lies within `outer` (same family, longer or equal length). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  const o = outer.prefix;
  const i = inner.prefix;
  if (o.afi !== i.afi || i.len < o.len) return false;
  if (o.afi === 1 && i.afi === 1) return ((i.addr & ipv4Mask(o.len)) >>> 0) === o.addr;
  const a = v6Bytes(o);
  const b = v6Bytes(i);
  for (let bit = 0; bit < o.len; bit++) {
    const byte = bit >>> 3;
    const mask = 0x80 >>> (bit & 7);
    if ((a[byte]! & mask) !== (b[byte]! & mask)) return false;
  }
  return true;
}

export function ipToCidr(ip: IpAddress): Cidr {
  return parseCidr(`${ip.text}/${ip.family === 'ipv4' ? 32 : 128}`)!;
}

export function cidrContainsIp(outer: Cidr, ip: IpAddress): boolean {
  return cidrContains(outer, ipToCidr(ip));
}

/** True when the CIDR is a single address (/32 or /128). */
export function isHostCidr(c: Cidr): boolean {
  return c.prefix.len === (c.family === 'ipv4' ? 32 : 128);
}

/** BIRD protocol names cannot contain '.' or ':' (Calico: `Mesh_10_0_0_1`, `Mesh_fd80__2`). */
export function ipForProtocolName(ip: IpAddress): string {
  return ip.family === 'ipv4' ? ip.text.replaceAll('.', '_') : ip.text.replaceAll(':', '_');
}
