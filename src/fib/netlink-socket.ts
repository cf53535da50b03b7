/**
 * A NETLINK_ROUTE socket through libc (koffi): Node has no AF_NETLINK.
 *
 * Requests go out many per sendmsg(); rtnetlink handles them synchronously
 * inside that call, so every error (and the ack of the batch's last message)
 * is already queued when send() returns and is read without blocking.
 * Multicast notifications are read when libuv says the descriptor is
 * readable (koffi's uv_poll), never by a blocking call on the event loop.
 */
import { createRequire } from 'node:module';

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const SOCK_NONBLOCK = 0o4000;
const NETLINK_ROUTE = 0;
const SOL_SOCKET = 1;
const SO_SNDBUFFORCE = 32;
const SO_RCVBUFFORCE = 33;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
const SOL_NETLINK = 270;
const NETLINK_CAP_ACK = 10;
const NETLINK_EXT_ACK = 11;
const MSG_DONTWAIT = 0x40;
export const EAGAIN = 11;
export const ENOBUFS = 105;
const EINTR = 4;

/** Legacy multicast group bits (RTMGRP_*), given to bind(). */
export const RTMGRP_LINK = 0x1;
export const RTMGRP_IPV4_IFADDR = 0x10;
export const RTMGRP_IPV4_ROUTE = 0x40;
export const RTMGRP_IPV6_IFADDR = 0x100;
export const RTMGRP_IPV6_ROUTE = 0x400;

interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  send(fd: number, buf: Buffer, len: number, flags: number): number;
  recv(fd: number, buf: Buffer, len: number, flags: number): number;
  close(fd: number): number;
  errno(): number;
  strerror(n: number): string;
}

interface PollHandle {
  stop(): void;
  close(): void;
  unref(): void;
}

let libc: Libc | null = null;
/** koffi.node.poll (libuv uv_poll); the callback gets (status, events), whatever koffi's typings say. */
let pollFn: ((fd: number, opts: { readable: boolean }, cb: (status: number, ev: { readable: boolean }) => void) => PollHandle) | null = null;

function load(): Libc {
  if (libc) return libc;
  const require = createRequire(import.meta.url);
  const koffi = require('koffi') as typeof import('koffi');
  const lib = koffi.load('libc.so.6');
  const errnoLocation = lib.func('int *__errno_location(void)');
  const strerror = lib.func('const char *strerror(int)');
  libc = {
    socket: lib.func('int socket(int, int, int)'),
    setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)'),
    bind: lib.func('int bind(int, const void *, uint32_t)'),
    send: lib.func('intptr_t send(int, const void *, size_t, int)'),
    recv: lib.func('intptr_t recv(int, _Out_ void *, size_t, int)'),
    close: lib.func('int close(int)'),
    errno: () => koffi.decode(errnoLocation(), 'int') as number,
    strerror: (n) => strerror(n) as string,
  };
  pollFn = (koffi as unknown as { node: { poll: typeof pollFn } }).node.poll;
  return libc;
}

export class NetlinkError extends Error {
  constructor(
    what: string,
    readonly errno: number,
  ) {
    super(`${what}: ${load().strerror(errno)} (errno ${errno})`);
  }
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0, 0);
  return b;
}

/** One NETLINK_ROUTE socket; `groups` subscribes it to notifications. */
export class NetlinkSocket {
  readonly fd: number;
  private readonly c: Libc;
  private readonly rx = Buffer.alloc(1 << 20);
  private poller: PollHandle | null = null;
  private closed = false;

  constructor(opts: { groups?: number; rcvbuf?: number; sndbuf?: number } = {}) {
    this.c = load();
    const fd = this.c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
    if (fd < 0) throw new NetlinkError('socket(AF_NETLINK)', this.c.errno());
    this.fd = fd;
    // Big buffers: a batch's errors and a burst of notifications must fit.
    // The FORCE variants need CAP_NET_ADMIN; fall back to what the limits allow.
    const rcv = opts.rcvbuf ?? 8 << 20;
    if (this.c.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, u32(rcv), 4) < 0) this.c.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, u32(rcv), 4);
    const snd = opts.sndbuf ?? 4 << 20;
    if (this.c.setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, u32(snd), 4) < 0) this.c.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, u32(snd), 4);
    // Errors carry only the failed request's header, plus the kernel's message text.
    this.c.setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, u32(1), 4);
    this.c.setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, u32(1), 4);
    const sa = Buffer.alloc(12);
    sa.writeUInt16LE(AF_NETLINK, 0);
    sa.writeUInt32LE(opts.groups ?? 0, 8);
    if (this.c.bind(fd, sa, 12) < 0) {
      const e = this.c.errno();
      this.c.close(fd);
      throw new NetlinkError('bind(AF_NETLINK)', e);
    }
  }

  /** Send one buffer of requests (whole messages). */
  send(buf: Buffer): void {
    for (;;) {
      const n = this.c.send(this.fd, buf, buf.length, 0);
      if (n >= 0) return;
      const e = this.c.errno();
      if (e !== EINTR) throw new NetlinkError('send(netlink)', e);
    }
  }

  /**
   * One datagram, without waiting: a view of the receive buffer valid until
   * the next call, or null when nothing is queued. ENOBUFS (notifications
   * lost) is thrown as a NetlinkError so the caller can resynchronise.
   */
  recv(): Buffer | null {
    for (;;) {
      const n = this.c.recv(this.fd, this.rx, this.rx.length, MSG_DONTWAIT);
      if (n >= 0) return this.rx.subarray(0, n);
      const e = this.c.errno();
      if (e === EINTR) continue;
      if (e === EAGAIN) return null;
      throw new NetlinkError('recv(netlink)', e);
    }
  }

  /** Call `onReadable` whenever the socket has data (libuv poll, on the event loop). */
  watch(onReadable: () => void): void {
    if (this.poller || this.closed) return;
    // On an error status, reading is what reports it.
    this.poller = pollFn!(this.fd, { readable: true }, () => onReadable());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.poller) {
      this.poller.stop();
      this.poller.close();
      this.poller = null;
    }
    this.c.close(this.fd);
  }
}
