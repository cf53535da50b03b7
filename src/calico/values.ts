/**
 * Calico's scalar types: AS numbers (numorstring.ASNumber), Kubernetes
 * durations (Go time.ParseDuration), BGP communities, and `ip:port` peer
 * addresses.
 */
import { parseIp, type IpAddress } from './address.js';

/** A 4-octet AS number: plain (`64512`) or asdot (`1.10` = 1*65536+10). Returns null if invalid. */
export function parseAsNumber(text: string): number | null {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) && n <= 0xffffffff ? n : null;
  }
  const m = /^(\d+)\.(\d+)$/.exec(text);
  if (m) {
    const hi = Number(m[1]);
    const lo = Number(m[2]);
    if (hi <= 0xffff && lo <= 0xffff) return hi * 65536 + lo;
  }
  return null;
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/** Go's time.ParseDuration, in seconds: `10s`, `1m30s`, `1.5h`, `0`. Null if invalid. */
export function parseGoDuration(text: string): number | null {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s.startsWith('-')) sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return null;
  let total = 0;
  const re = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (s.length > 0) {
    const m = re.exec(s);
    if (!m) return null;
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    s = s.slice(m[0].length);
  }
  return sign * total;
}

/** Whole seconds as confd writes them (Go math.Round: halves away from zero). */
export function roundSeconds(seconds: number): number {
  return Math.sign(seconds) * Math.round(Math.abs(seconds));
}

export type Community = { kind: 'standard'; text: string } | { kind: 'large'; text: string };

/** `aa:nn` (16-bit parts) or `aa:nn:mm` (32-bit parts); null if neither. */
export function parseCommunity(text: string): Community | null {
  const parts = text.split(':');
  if (!parts.every((p) => /^\d+$/.test(p))) return null;
  const nums = parts.map(Number);
  if (parts.length === 2 && nums.every((n) => n <= 0xffff)) return { kind: 'standard', text: nums.join(':') };
  if (parts.length === 3 && nums.every((n) => n <= 0xffffffff)) return { kind: 'large', text: nums.join(':') };
  return null;
}

/**
 * BGPPeer.spec.peerIP: `ip`, `ip:port` or `[ipv6]:port` (Go net.SplitHostPort
 * rules: a bare IPv6 address has no port).
 */
export function parsePeerAddress(text: string): { ip: IpAddress; port: number | null } | null {
  const bracket = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text);
  if (bracket) {
    const ip = parseIp(bracket[1]!);
    const port = Number(bracket[2]);
    return ip && ip.family === 'ipv6' && port >= 1 && port <= 65535 ? { ip, port } : null;
  }
  const direct = parseIp(text);
  if (direct) return { ip: direct, port: null };
  const v4port = /^([0-9.]+):(\d{1,5})$/.exec(text);
  if (v4port) {
    const ip = parseIp(v4port[1]!);
    const port = Number(v4port[2]);
    return ip && port >= 1 && port <= 65535 ? { ip, port } : null;
  }
  return null;
}
