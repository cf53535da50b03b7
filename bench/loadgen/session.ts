/**
 * One simulated speaker's BGP session on a raw socket: OPEN, KEEPALIVE,
 * then UPDATE bytes prepared beforehand are written as they are, and what
 * the daemon sends is framed in place with petrel's header check and
 * counted (not decoded) by a PrefixCounter. Just enough of the FSM for a benchmark: no
 * collision handling (each scenario makes only one side dial), no retry
 * after Established.
 */
import type { Socket } from 'node:net';
import {
  checkHeader,
  codecContext,
  decodeNotification,
  decodeOpen,
  encodeKeepalive,
  encodeMessage,
  HEADER_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageType,
  type Capability,
  type OpenMessage,
} from '../../src/wire/index.js';
import { copyBytes } from '../../src/lib/bytes.js';
import { parseIpv4 } from '../../src/lib/prefix.js';
import type { PrefixCounter } from './counter.js';
import type { GenSession } from './protocol.js';

const KEEPALIVE = encodeKeepalive();

export type SessionState = 'Idle' | 'OpenSent' | 'OpenConfirm' | 'Established';

export function buildOpen(s: GenSession, holdTime: number): Uint8Array {
  const caps: Capability[] = [
    { kind: 'MULTIPROTOCOL', afi: 1, safi: 1 },
    { kind: 'ROUTE_REFRESH' },
    { kind: 'FOUR_OCTET_AS', asn: s.as },
  ];
  const open: OpenMessage = {
    type: 'OPEN',
    version: 4,
    myAs: s.as > 0xffff ? 23456 : s.as,
    holdTime,
    bgpId: parseIpv4(s.bgpId)!,
    parameters: [{ kind: 'CAPABILITIES', capabilities: caps }],
  };
  return encodeMessage(open, codecContext({ fourOctetAs: false }));
}

export class GenBgpSession {
  state: SessionState = 'Idle';
  socket: Socket | null = null;
  /** The last NOTIFICATION or socket error, for the report. */
  lastError = '';
  /** performance.now() of the last byte received. */
  lastRx = 0;
  /** A partial message held until the rest arrives. */
  private pending: Uint8Array | null = null;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private readonly open: Uint8Array;
  onEstablished: () => void = () => {};
  /** Called after the counter took an UPDATE. */
  onUpdate: () => void = () => {};
  onDown: () => void = () => {};

  constructor(
    readonly spec: GenSession,
    private readonly holdTime: number,
    readonly counter: PrefixCounter | null,
  ) {
    this.open = buildOpen(spec, holdTime);
  }

  /**
   * Take over a connected socket and send our OPEN. `onread`: the socket
   * hands its bytes to receive() itself (net's onread, one reused buffer),
   * else they come as 'data' events.
   */
  attach(sock: Socket, onread = false): void {
    this.socket = sock;
    this.pending = null;
    sock.setNoDelay(true);
    if (!onread) sock.on('data', (d: Buffer) => this.receive(d));
    sock.on('error', (e) => (this.lastError = e.message));
    sock.on('close', () => this.down('connection closed'));
    sock.write(this.open);
    this.state = 'OpenSent';
  }

  /** Write prepared UPDATE bytes; resolves when the kernel has taken them all. */
  send(chunks: readonly Uint8Array[]): Promise<void> {
    const s = this.socket;
    if (!s || this.state !== 'Established') return Promise.reject(new Error(`session ${this.spec.local} is ${this.state}`));
    let last = true;
    for (const c of chunks) last = s.write(c);
    if (last && s.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => s.write(new Uint8Array(0), () => resolve()));
  }

  close(): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
    this.socket?.destroy();
    this.socket = null;
    this.state = 'Idle';
  }

  private down(why: string): void {
    if (this.state === 'Idle') return;
    if (!this.lastError) this.lastError = why;
    this.close();
    this.onDown();
  }

  /**
   * Bytes off the socket; `d` may be a reused buffer, so nothing of it is
   * kept after the call (a partial message is copied). Messages are framed
   * in place with petrel's header check (checkHeader: marker, length, type)
   * and UPDATE bodies counted where they lie: no object per message, which
   * matters when a daemon sends a million small UPDATEs.
   */
  receive(d: Uint8Array): void {
    this.lastRx = performance.now();
    let buf = d;
    if (this.pending !== null) {
      buf = new Uint8Array(this.pending.length + d.length);
      buf.set(this.pending);
      buf.set(d, this.pending.length);
      this.pending = null;
    }
    let p = 0;
    try {
      while (buf.length - p >= HEADER_LENGTH) {
        const len = checkHeader(buf, p, MAX_MESSAGE_LENGTH);
        if (buf.length - p < len) break;
        const type = buf[p + 18]!;
        if (type === MessageType.UPDATE) {
          if (this.counter && !this.counter.update(buf, p + HEADER_LENGTH, p + len)) this.lastError = 'malformed UPDATE received';
          this.onUpdate();
        } else if (!this.other(type, buf.subarray(p + HEADER_LENGTH, p + len))) {
          return;
        }
        p += len;
      }
    } catch (e) {
      this.lastError = `framing: ${(e as Error).message}`;
      this.close();
      this.onDown();
      return;
    }
    // A copy: `buf` may be a view of the shared read buffer (and Buffer's slice() is a view too).
    if (p < buf.length) this.pending = copyBytes(buf, p);
  }

  /** Anything but an UPDATE; false once the session is gone. */
  private other(type: number, body: Uint8Array): boolean {
    switch (type) {
      case MessageType.KEEPALIVE:
        if (this.state === 'OpenConfirm') this.established();
        return true;
      case MessageType.OPEN:
        this.opened(decodeOpen(body));
        return true;
      case MessageType.NOTIFICATION: {
        const n = decodeNotification(body);
        this.lastError = `NOTIFICATION ${n.code}/${n.subcode} received`;
        this.down(this.lastError);
        return false;
      }
      default:
        return true;
    }
  }

  private opened(o: OpenMessage): void {
    const hold = Math.min(this.holdTime, o.holdTime);
    this.socket?.write(KEEPALIVE);
    this.state = 'OpenConfirm';
    if (hold > 0) {
      this.keepaliveTimer = setInterval(() => this.socket?.write(KEEPALIVE), Math.max(1000, (hold * 1000) / 3));
      this.keepaliveTimer.unref();
    }
  }

  private established(): void {
    this.state = 'Established';
    this.onEstablished();
  }
}
