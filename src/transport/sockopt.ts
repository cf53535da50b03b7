/**
 * Socket options Node does not expose, through libc via koffi: TCP MD5
 * signatures (RFC 2385), TTL and minimum TTL (GTSM, RFC 5082), and sockets
 * created by us so those options are set before connect().
 */
import { createRequire } from 'node:module';
import net from 'node:net';
import { endianness } from 'node:os';
import { parseIpv4, parseIpv6 } from '../lib/prefix.js';

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM = 1;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const IPPROTO_IP = 0;
const IPPROTO_TCP = 6;
const IPPROTO_IPV6 = 41;
const IP_TTL = 2;
const IP_MINTTL = 21;
const IPV6_UNICAST_HOPS = 16;
const IPV6_MINHOPCOUNT = 73;
const TCP_MD5SIG = 14;
const TCP_SAVE_SYN = 27;
const TCP_SAVED_SYN = 28;
/** sizeof(struct tcp_md5sig): sockaddr_storage, flags, prefixlen, keylen, ifindex, key[80]. */
const MD5SIG_SIZE = 216;
export const MD5_MAX_KEY_LENGTH = 80;

interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  getsockopt(fd: number, level: number, name: number, value: Buffer, len: Buffer): number;
  bind(fd: number, addr: Buffer, len: number): number;
  close(fd: number): number;
  errno(): number;
  strerror(n: number): string;
}

let libc: Libc | null = null;
let loadError: string | null = null;

function load(): Libc {
  if (libc) return libc;
  if (loadError) throw new Error(loadError);
  try {
    const require = createRequire(import.meta.url);
    const koffi = require('koffi') as typeof import('koffi');
    const lib = koffi.load('libc.so.6');
    const errnoLocation = lib.func('int *__errno_location(void)');
    const strerror = lib.func('const char *strerror(int)');
    const l: Libc = {
      socket: lib.func('int socket(int, int, int)'),
      setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)'),
      getsockopt: lib.func('int getsockopt(int, int, int, _Out_ void *, _Inout_ uint32_t *)'),
      bind: lib.func('int bind(int, const void *, uint32_t)'),
      close: lib.func('int close(int)'),
      errno: () => koffi.decode(errnoLocation(), 'int') as number,
      strerror: (n) => strerror(n) as string,
    };
    libc = l;
    return l;
  } catch (e) {
    loadError = `socket options unavailable: cannot call libc through koffi (${(e as Error).message})`;
    throw new Error(loadError);
  }
}

function fail(what: string): never {
  const l = load();
  const n = l.errno();
  throw new Error(`${what}: ${l.strerror(n)} (errno ${n})`);
}

/** Socket option ints and lengths are in host byte order. */
const LITTLE_ENDIAN = endianness() === 'LE';

function hostU32(v: number): Buffer {
  const b = Buffer.alloc(4);
  if (LITTLE_ENDIAN) b.writeUInt32LE(v >>> 0, 0);
  else b.writeUInt32BE(v >>> 0, 0);
  return b;
}

/** A sockaddr_in / sockaddr_in6 for an address and port. */
export function sockaddr(address: string, port = 0): Buffer {
  const v6 = net.isIPv6(address);
  const b = Buffer.alloc(v6 ? 28 : 16);
  // sa_family is in host byte order; port and address in network order.
  if (LITTLE_ENDIAN) b.writeUInt16LE(v6 ? AF_INET6 : AF_INET, 0);
  else b.writeUInt16BE(v6 ? AF_INET6 : AF_INET, 0);
  b.writeUInt16BE(port, 2);
  if (v6) {
    const a = parseIpv6(address);
    if (!a) throw new Error(`not an IPv6 address: ${address}`);
    b.set(a, 8);
  } else {
    const a = parseIpv4(address);
    if (a === null) throw new Error(`not an IPv4 address: ${address}`);
    b.writeUInt32BE(a, 4);
  }
  return b;
}

/** The kernel file descriptor of a Node socket or server (libuv keeps it on the handle). */
export function fdOf(s: net.Socket | net.Server): number {
  const fd = (s as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('socket has no file descriptor yet');
  return fd;
}

/**
 * Install (or with key null, remove) the RFC 2385 key for one peer address.
 * On a listening socket it applies to connections from that address.
 */
export function setMd5Key(fd: number, peerAddress: string, key: string | null): void {
  const l = load();
  const keyBytes = Buffer.from(key ?? '', 'utf8');
  if (keyBytes.length > MD5_MAX_KEY_LENGTH) throw new Error(`TCP MD5 key longer than ${MD5_MAX_KEY_LENGTH} bytes`);
  const b = Buffer.alloc(MD5SIG_SIZE);
  sockaddr(peerAddress).copy(b, 0);
  b.writeUInt16LE(keyBytes.length, 130);
  keyBytes.copy(b, 136);
  if (l.setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, b, MD5SIG_SIZE) !== 0) fail(`TCP_MD5SIG for ${peerAddress}`);
}

function setInt(fd: number, level: number, name: number, value: number, what: string): void {
  const l = load();
  const b = hostU32(value);
  if (l.setsockopt(fd, level, name, b, 4) !== 0) fail(what);
}

/** Outgoing TTL / hop limit (multihop sessions; 255 for GTSM). */
export function setTtl(fd: number, ipv6: boolean, ttl: number): void {
  if (ipv6) setInt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl, 'IPV6_UNICAST_HOPS');
  else setInt(fd, IPPROTO_IP, IP_TTL, ttl, 'IP_TTL');
}

/** GTSM (RFC 5082): drop packets arriving with a TTL below this. */
export function setMinTtl(fd: number, ipv6: boolean, minTtl: number): void {
  if (ipv6) setInt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, minTtl, 'IPV6_MINHOPCOUNT');
  else setInt(fd, IPPROTO_IP, IP_MINTTL, minTtl, 'IP_MINTTL');
}

/**
 * Keep each incoming SYN on a listening socket (TCP_SAVE_SYN), so the TTL it
 * arrived with can be checked once the connection is accepted: GTSM must
 * judge the connection, not only the segments after the accept.
 */
export function saveSyn(fd: number): void {
  setInt(fd, IPPROTO_TCP, TCP_SAVE_SYN, 1, 'TCP_SAVE_SYN');
}

/** The TTL (IPv4) or hop limit (IPv6) of the SYN that opened an accepted connection; null if none was saved. */
export function savedSynTtl(fd: number): number | null {
  const l = load();
  const buf = Buffer.alloc(512);
  const len = hostU32(buf.length);
  if (l.getsockopt(fd, IPPROTO_TCP, TCP_SAVED_SYN, buf, len) !== 0) return null;
  const n = LITTLE_ENDIAN ? len.readUInt32LE(0) : len.readUInt32BE(0);
  if (n < 20) return null;
  const version = buf[0]! >>> 4;
  // IPv4: TTL at octet 8; IPv6: hop limit at octet 7.
  if (version === 4) return buf[8]!;
  if (version === 6 && n >= 40) return buf[7]!;
  return null;
}

export interface OutboundOptions {
  readonly peerAddress: string;
  readonly localAddress?: string;
  readonly md5Key?: string;
  readonly ttl?: number;
  readonly minTtl?: number;
}

/**
 * A TCP socket with every option applied before connect(), wrapped as a
 * Node socket. The caller calls .connect(port, peerAddress) on it.
 */
export function createOutboundSocket(o: OutboundOptions): net.Socket {
  const l = load();
  const v6 = net.isIPv6(o.peerAddress);
  const fd = l.socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail('socket');
  try {
    if (o.md5Key) setMd5Key(fd, o.peerAddress, o.md5Key);
    if (o.ttl !== undefined) setTtl(fd, v6, o.ttl);
    if (o.minTtl !== undefined) setMinTtl(fd, v6, o.minTtl);
    if (o.localAddress) {
      const sa = sockaddr(o.localAddress, 0);
      if (l.bind(fd, sa, sa.length) !== 0) fail(`bind to ${o.localAddress}`);
    }
  } catch (e) {
    l.close(fd);
    throw e;
  }
  return new net.Socket({ fd, readable: true, writable: true });
}

/**
 * Start-up check: set and clear an MD5 key on a throw-away listening socket.
 * A daemon with password peers refuses to start when this fails, rather
 * than run them unauthenticated.
 */
export async function md5SelfTest(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const fd = fdOf(server);
    setMd5Key(fd, '127.0.0.1', 'petrel-self-test');
    setMd5Key(fd, '127.0.0.1', null);
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  } finally {
    server.close();
  }
}
