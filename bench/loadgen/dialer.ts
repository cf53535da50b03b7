/**
 * Dials the daemon for every 'connect' session, a bounded number of
 * handshakes at a time: 500 simultaneous connects overflow a small listen
 * backlog (BIRD listens with a backlog of 8) and the lost handshakes then
 * wait for TCP's exponential retransmission. A session that fails, or has
 * no OPEN and KEEPALIVE within a few seconds, is dialled again.
 *
 * Received bytes go through net's `onread` into one buffer shared by every
 * socket (each callback is consumed before the next read), so reading
 * allocates nothing per segment: daemons that write one small UPDATE per
 * segment cost us a read, not a Buffer.
 */
import { connect, type Socket } from 'node:net';

const PETREL_BENCH_NO_BATCH = process.env.PETREL_BENCH_NO_BATCH === '1';
import type { GenBgpSession } from './session.js';

const SHARED = Buffer.allocUnsafe(256 * 1024);

/**
 * A read that brought little is followed by a pause of about a millisecond
 * for that socket, so a daemon writing one small UPDATE per segment to
 * hundreds of sockets is read in batches (a read per socket per tick, not
 * per segment). It delays what we see by at most one tick.
 */
const SMALL_READ = 16 * 1024;
const held = new Set<Socket>();
let resumeTimer: NodeJS.Timeout | null = null;

function hold(sock: Socket): void {
  held.add(sock);
  resumeTimer ??= setTimeout(() => {
    resumeTimer = null;
    for (const s of held) if (!s.destroyed) s.resume();
    held.clear();
  }, 1);
}

export class Dialer {
  private readonly queue: GenBgpSession[] = [];
  private inFlight = 0;
  closing = false;

  constructor(
    private readonly maxHandshakes = 32,
    private readonly handshakeTimeoutMs = 8000,
  ) {}

  dial(s: GenBgpSession): void {
    if (this.closing || this.queue.includes(s)) return;
    this.queue.push(s);
    this.pump();
  }

  private pump(): void {
    while (!this.closing && this.inFlight < this.maxHandshakes && this.queue.length > 0) this.start(this.queue.shift()!);
  }

  private start(s: GenBgpSession): void {
    this.inFlight++;
    let released = false;
    const release = (again: boolean) => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      this.inFlight--;
      if (again && !this.closing) setTimeout(() => this.dial(s), 250);
      this.pump();
    };
    const sock = connect({
      host: s.spec.remote,
      port: s.spec.port,
      localAddress: s.spec.local,
      onread: {
        buffer: SHARED,
        callback: (n: number, buf: Uint8Array) => {
          s.receive(buf.subarray(0, n));
          if (n >= SMALL_READ || PETREL_BENCH_NO_BATCH) return true;
          hold(sock);
          return false;
        },
      },
    });
    const timer = setTimeout(() => {
      s.lastError = `no OPEN and KEEPALIVE within ${this.handshakeTimeoutMs} ms`;
      s.close();
      sock.destroy();
      release(true);
    }, this.handshakeTimeoutMs);
    s.onEstablished = () => release(false);
    s.onDown = () => {
      if (!released) release(true);
      // Down after Established (a daemon resetting the session): dial again too.
      else if (!this.closing) setTimeout(() => this.dial(s), 250);
    };
    sock.once('connect', () => {
      sock.off('error', failed);
      s.attach(sock, true);
    });
    const failed = (e: Error) => {
      s.lastError = e.message;
      sock.destroy();
      release(true);
    };
    sock.once('error', failed);
  }
}
