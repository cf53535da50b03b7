/**
 * IP addresses and prefixes. IPv4 is a uint32 number everywhere (hot paths
 * stay allocation-light); IPv6 is a 16-byte Uint8Array. Host bits of a
 * prefix are always zero.
 */
export const AFI_IPV4 = 1;
export const AFI_IPV6 = 2;

export interface Ipv4Prefix {
  readonly afi: 1;
  /** Network address as an unsigned 32-bit integer, host bits zero. */
  readonly addr: number;
  readonly len: number;
}

export interface Ipv6Prefix {
  readonly afi: 2;
  /** 16 bytes, host bits zero. */
  readonly addr: Uint8Array;
  readonly len: number;
}

export type Prefix = Ipv4Prefix | Ipv6Prefix;

/** Mask of the top `len` bits of a uint32 (len 0..32). */
export function ipv4Mask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

export function ipv4Prefix(addr: number, len: number): Ipv4Prefix {
  return { afi: 1, addr: (addr & ipv4Mask(len)) >>> 0, len };
}

export function ipv6Prefix(addr: Uint8Array, len: number): Ipv6Prefix {
  const a = new Uint8Array(16);
  const full = len >>> 3;
  a.set(addr.subarray(0, full));
  if (len & 7 && full < 16) a[full] = addr[full]! & (0xff << (8 - (len & 7)));
  return { afi: 2, addr: a, len };
}

export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v;
}

export function formatIpv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

export function parseIpv6(text: string): Uint8Array | null {
  let s = text;
  const out = new Uint8Array(16);
  // A trailing dotted quad (::ffff:1.2.3.4) fills the last 4 bytes.
  let tailV4: number | null = null;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) > 0) {
    tailV4 = parseIpv4(s.slice(lastColon + 1));
    if (tailV4 === null) return null;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (h: string): number[] | null => {
    if (h === '') return [];
    const groups = h.split(':');
    const vals: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      vals.push(parseInt(g, 16));
    }
    return vals;
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === null || tail === null) return null;
  if (halves.length === 1 && head.length !== 8) return null;
  if (halves.length === 2 && head.length + tail.length > 7) return null;
  const groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  groups.forEach((g, i) => {
    out[i * 2] = g >>> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  if (tailV4 !== null) {
    out[12] = tailV4 >>> 24;
    out[13] = (tailV4 >>> 16) & 0xff;
    out[14] = (tailV4 >>> 8) & 0xff;
    out[15] = tailV4 & 0xff;
  }
  return out;
}

/** RFC 5952 text form: lower case, longest zero run (of 2+) compressed. */
export function formatIpv6(a: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((a[i * 2]! << 8) | a[i * 2 + 1]!);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

export function formatPrefix(p: Prefix): string {
  return p.afi === 1 ? `${formatIpv4(p.addr)}/${p.len}` : `${formatIpv6(p.addr)}/${p.len}`;
}

/** Parse "a.b.c.d/len" or "x::y/len"; host bits must be zero unless `loose`. */
export function parsePrefix(text: string, loose = false): Prefix | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const addrText = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) return null;
  const len = Number(lenText);
  const v4 = parseIpv4(addrText);
  if (v4 !== null) {
    if (len > 32) return null;
    const p = ipv4Prefix(v4, len);
    return loose || p.addr === v4 ? p : null;
  }
  const v6 = parseIpv6(addrText);
  if (v6 === null || len > 128) return null;
  const p = ipv6Prefix(v6, len);
  if (!loose && !p.addr.every((b, i) => b === v6[i])) return null;
  return p;
}

export function prefixEquals(a: Prefix, b: Prefix): boolean {
  if (a.afi !== b.afi || a.len !== b.len) return false;
  if (a.afi === 1) return a.addr === b.addr;
  const bb = b.addr as Uint8Array;
  for (let i = 0; i < 16; i++) if (a.addr[i] !== bb[i]) return false;
  return true;
}
