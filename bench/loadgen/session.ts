/**
 * One simulated speaker's BGP session on a raw socket: OPEN, KEEPALIVE,
 * then UPDATE bytes prepared beforehand are written as they are, and what
 * the daemon sends is framed with petrel's Framer and counted (not
 * decoded) by a PrefixCounter. Just enough of the FSM for a benchmark: no
 * collision handling (each scenario makes only one side dial), no retry
 * after Established.
 */
import type { Socket } from 'node:net';
import { decodeNotification, decodeOpen, encodeKeepalive, encodeMessage, codecContext, Framer, MessageType, type Capability, type OpenMessage } from '../../src/wire/index.js';
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
  private framer = new Framer();
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
    this.framer = new Framer();
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

  /** Bytes off the socket; `d` may be a reused buffer: nothing of it is kept after the call (the Framer copies a partial tail). */
  receive(d: Uint8Array): void {
    this.lastRx = performance.now();
    let frames;
    try {
      frames = this.framer.push(d);
    } catch (e) {
      this.lastError = `framing: ${(e as Error).message}`;
      this.close();
      this.onDown();
      return;
    }
    for (const f of frames) {
      switch (f.type) {
        case MessageType.UPDATE:
          if (this.counter && !this.counter.update(f.body)) this.lastError = 'malformed UPDATE received';
          this.onUpdate();
          break;
        case MessageType.KEEPALIVE:
          if (this.state === 'OpenConfirm') this.established();
          break;
        case MessageType.OPEN:
          this.opened(decodeOpen(f.body));
          break;
        case MessageType.NOTIFICATION: {
          const n = decodeNotification(f.body);
          this.lastError = `NOTIFICATION ${n.code}/${n.subcode} received`;
          this.down(this.lastError);
          return;
        }
        default:
          break;
      }
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
