import type net from 'node:net';
import { EventEmitter } from 'eventemitter3';
import type { Logger } from '../lib/logger.js';
import { formatIpv4 } from '../lib/prefix.js';
import { createSession, step } from '../session/fsm.js';
import type { DownReason, FsmState, Negotiated, Session, SessionConfig, SessionInput, SessionOutput, TimerName } from '../session/types.js';
import { BgpError } from '../wire/error.js';
import { Framer } from '../wire/framer.js';
import { decodeMessage, encodeMessage, type Decoded } from '../wire/message.js';
import { INITIAL_CONTEXT, decodeContext, type CodecContext, type DecodeContext } from '../wire/context.js';
import type { OpenMessage } from '../wire/open.js';
import type { RouteRefreshMessage } from '../wire/route-refresh.js';
import { notificationName } from '../wire/notification-codes.js';

export interface ConnectionEvents {
  state: (to: FsmState, from: FsmState) => void;
  open: (open: OpenMessage) => void;
  established: (negotiated: Negotiated) => void;
  down: (reason: DownReason, graceful: boolean, restartTime: number) => void;
  update: (decoded: Decoded) => void;
  routeRefresh: (message: RouteRefreshMessage) => void;
  /** The write buffer drained: more UPDATEs may be written. */
  drain: () => void;
}

/** How to reach the peer: the transport makes the socket, the driver runs BGP over it. */
export interface Dialer {
  dial(): net.Socket;
}

const EMPTY_BYTES = new Uint8Array(0);

function count(m: Map<string, number>, code: number, subcode: number): void {
  const k = `${code}/${subcode}`;
  m.set(k, (m.get(k) ?? 0) + 1);
}
const INITIAL_DECODE: DecodeContext = decodeContext({ ...INITIAL_CONTEXT });
/** Bytes we let queue in the socket before telling the speaker to wait (back-pressure). */
const HIGH_WATER = 256 * 1024;

/**
 * Runs one session FSM over at most one TCP connection at a time. Every
 * input (bytes, timer, connect result, admin call) is handled to completion
 * before the next: inputs arriving while outputs are applied are queued.
 */
export class Connection extends EventEmitter<ConnectionEvents> {
  private session: Session;
  private socket: net.Socket | null = null;
  /** Bumped per socket so events of an old socket are ignored. */
  private generation = 0;
  private framer = new Framer();
  private readonly timers = new Map<TimerName, NodeJS.Timeout>();
  private readonly queue: SessionInput[] = [];
  private busy = false;
  private establishedAt: number | null = null;
  private outbox: Uint8Array[] = [];
  private outboxHead = 0;
  /** Who opened the current TCP connection: decides collisions (RFC 4271 §6.8). */
  initiator: 'local' | 'remote' | null = null;
  /** NOTIFICATIONs by "code/subcode", in each direction, over the connection's life. */
  readonly notificationsIn = new Map<string, number>();
  readonly notificationsOut = new Map<string, number>();
  /** The peer's OPEN on this connection, once received. */
  peerOpen: OpenMessage | null = null;

  constructor(
    config: SessionConfig,
    private readonly dialer: Dialer,
    private readonly log: Logger,
    seed = (Math.random() * 0xffffffff) >>> 0,
  ) {
    super();
    this.session = createSession(config, seed);
  }

  get state(): FsmState {
    return this.session.state;
  }
  get negotiated(): Negotiated | null {
    return this.session.negotiated;
  }
  get lastError(): string | null {
    return this.session.lastError;
  }
  get since(): number | null {
    return this.establishedAt;
  }
  get config(): SessionConfig {
    return this.session.config;
  }
  /** False while the socket's buffer is above the high-water mark: wait for 'drain'. */
  get writable(): boolean {
    return this.socket !== null && this.session.state === 'Established' && this.socket.writableLength < HIGH_WATER;
  }

  start(): void {
    this.input({ type: 'Start' });
  }

  stop(notification?: import('../wire/notification.js').NotificationMessage): void {
    this.input(notification ? { type: 'Stop', notification } : { type: 'Stop' });
  }

  /** Drop the session for a local reason (max prefix) and let it restart by itself after the idle hold. */
  automaticStop(notification: import('../wire/notification.js').NotificationMessage): void {
    this.input({ type: 'AutomaticStop', notification });
  }

  /** An inbound connection from the listener. */
  accept(socket: net.Socket): boolean {
    // Only while no connection of ours is in flight; in Connect the peer's
    // connection and ours race, and the OPENs decide (RFC 4271 §6.8).
    if (this.session.state !== 'Active' || this.socket !== null) return false;
    this.adopt(socket);
    this.initiator = 'remote';
    this.input({ type: 'TcpAccepted' });
    return true;
  }

  /**
   * Queue pre-encoded messages (UPDATEs, possibly shared by an update group).
   * They go to the socket only while its buffer is below the high-water
   * mark; the rest waits for 'drain', so a peer that reads slowly holds our
   * queue, not the kernel's and Node's buffers. Returns false when the
   * caller should wait for 'drain' before producing more.
   */
  sendRaw(messages: readonly Uint8Array[]): boolean {
    if (!this.socket || this.session.state !== 'Established') return false;
    for (const m of messages) this.outbox.push(m);
    this.flush();
    return this.outbox.length === 0;
  }

  /** Bytes in the socket's own buffer (bounded by the high-water mark plus one message). */
  get bufferedBytes(): number {
    return this.socket?.writableLength ?? 0;
  }

  /** Messages waiting for the peer to read. */
  get queued(): number {
    return this.outbox.length - this.outboxHead;
  }

  private flush(): void {
    const s = this.socket;
    if (!s) return;
    // Corked, the messages of one flush leave in one writev, not a system call each.
    s.cork();
    while (this.outboxHead < this.outbox.length && s.writableLength < HIGH_WATER) {
      s.write(this.outbox[this.outboxHead]!);
      this.outbox[this.outboxHead++] = EMPTY_BYTES;
    }
    s.uncork();
    if (this.outboxHead === this.outbox.length) {
      this.outbox = [];
      this.outboxHead = 0;
    } else if (!this.session.sendBlocked) {
      // RFC 9687: the send hold timer runs while we cannot get data out.
      this.input({ type: 'SendBlocked' });
    }
  }

  input(i: SessionInput): void {
    this.queue.push(i);
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length > 0) {
        const next = this.queue.shift()!;
        const r = step(this.session, next);
        this.session = r.session;
        for (const o of r.outputs) this.apply(o);
      }
    } finally {
      this.busy = false;
    }
  }

  private apply(o: SessionOutput): void {
    switch (o.type) {
      case 'Connect':
        this.connect();
        break;
      case 'Send':
        if (o.message.type === 'NOTIFICATION') count(this.notificationsOut, o.message.code, o.message.subcode);
        this.write(encodeMessage(o.message, this.sendContext()));
        break;
      case 'Disconnect':
        this.disconnect();
        break;
      case 'SetTimer':
        this.setTimer(o.timer, o.ms);
        break;
      case 'ClearTimer':
        this.clearTimer(o.timer);
        break;
      case 'StateChanged':
        this.log.info({ from: o.from, to: o.to }, `session ${o.from} -> ${o.to}`);
        this.emit('state', o.to, o.from);
        break;
      case 'OpenReceived':
        this.peerOpen = o.open;
        this.emit('open', o.open);
        break;
      case 'Established':
        this.establishedAt = Date.now();
        this.framer.setExtendedMessage(o.negotiated.extendedMessage);
        this.log.info(
          { peerAs: o.negotiated.peerAs, peerRouterId: formatIpv4(o.negotiated.peerRouterId), holdTime: o.negotiated.holdTime },
          'session established',
        );
        this.emit('established', o.negotiated);
        break;
      case 'Down':
        this.establishedAt = null;
        this.log.warn({ reason: o.reason.text, graceful: o.graceful }, 'session down');
        this.emit('down', o.reason, o.graceful, o.restartTime);
        break;
      case 'Update':
        this.emit('update', o.decoded);
        break;
      case 'RouteRefresh':
        this.emit('routeRefresh', o.message);
        break;
      default: {
        const never: never = o;
        throw new Error(`unhandled output ${JSON.stringify(never)}`);
      }
    }
  }

  private sendContext(): CodecContext {
    return this.session.negotiated?.send ?? INITIAL_CONTEXT;
  }

  private connect(): void {
    this.disconnect();
    let socket: net.Socket;
    try {
      socket = this.dialer.dial();
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'cannot create the connection');
      queueMicrotask(() => this.input({ type: 'TcpFailed', reason: (e as Error).message }));
      return;
    }
    const gen = this.adopt(socket);
    this.initiator = 'local';
    socket.once('connect', () => {
      if (gen === this.generation) this.input({ type: 'TcpConnected' });
    });
  }

  private adopt(socket: net.Socket): number {
    const gen = ++this.generation;
    this.peerOpen = null;
    this.outbox = [];
    this.outboxHead = 0;
    this.socket = socket;
    this.framer = new Framer();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (gen === this.generation) this.receive(chunk);
    });
    socket.on('drain', () => {
      if (gen !== this.generation) return;
      this.flush();
      if (this.queued === 0) {
        this.input({ type: 'SendUnblocked' });
        this.emit('drain');
      }
    });
    let lastSocketError: string | null = null;
    socket.on('error', (e) => {
      if (gen !== this.generation) return;
      this.log.debug({ err: e.message }, 'socket error');
      lastSocketError = socketErrorText(e as NodeJS.ErrnoException);
    });
    socket.on('close', () => {
      if (gen !== this.generation) return;
      this.socket = null;
      this.generation++;
      this.input({ type: 'TcpFailed', reason: lastSocketError ?? 'connection closed' });
    });
    return gen;
  }

  private receive(chunk: Uint8Array): void {
    const gen = this.generation;
    let frames;
    try {
      frames = this.framer.push(chunk);
    } catch (e) {
      if (!(e instanceof BgpError)) throw e;
      this.log.warn({ notification: `${e.code}/${e.subcode}`, err: e.message }, 'malformed message header');
      this.input({ type: 'ReceiveError', error: e });
      return;
    }
    for (const frame of frames) {
      // Stop at once when a frame has closed the session: the rest belongs to a dead stream.
      if (gen !== this.generation || this.session.state === 'Idle') return;
      let decoded: Decoded;
      try {
        decoded = decodeMessage(frame, this.session.negotiated?.receive ?? INITIAL_DECODE);
      } catch (e) {
        if (!(e instanceof BgpError)) throw e;
        this.log.warn({ notification: `${e.code}/${e.subcode}`, err: e.message }, `malformed message: ${notificationName(e.code, e.subcode)}`);
        this.input({ type: 'ReceiveError', error: e });
        return;
      }
      if (decoded.message.type === 'NOTIFICATION') count(this.notificationsIn, decoded.message.code, decoded.message.subcode);
      if (decoded.problems.length > 0) {
        this.log.warn({ action: decoded.action, problems: decoded.problems.map((p) => p.reason) }, 'UPDATE with malformed attributes (RFC 7606)');
      }
      this.input({ type: 'Received', decoded });
    }
  }

  /** FSM messages (OPEN, KEEPALIVE, NOTIFICATION) bypass the UPDATE queue: a KEEPALIVE must never wait behind a table dump. */
  private write(bytes: Uint8Array): void {
    this.socket?.write(bytes);
  }

  private disconnect(): void {
    const s = this.socket;
    if (!s) return;
    this.socket = null;
    this.generation++;
    // end() flushes a NOTIFICATION just written before the FIN; destroy if the peer lingers.
    s.end();
    setTimeout(() => s.destroy(), 2000).unref();
  }

  private setTimer(name: TimerName, ms: number): void {
    this.clearTimer(name);
    this.timers.set(
      name,
      setTimeout(() => {
        this.timers.delete(name);
        this.input({ type: 'TimerExpired', timer: name });
      }, ms),
    );
  }

  private clearTimer(name: TimerName): void {
    const t = this.timers.get(name);
    if (t) clearTimeout(t);
    this.timers.delete(name);
  }

  /** Stop everything without protocol niceties (daemon exit). */
  destroy(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.socket?.destroy();
    this.socket = null;
    this.generation++;
    this.removeAllListeners();
  }
}

/** The system's words for a socket error, as BIRD reports them ("Connection refused"). */
const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EPIPE: 'Broken pipe',
};

function socketErrorText(e: NodeJS.ErrnoException): string {
  return (e.code && ERRNO_TEXT[e.code]) ?? e.message;
}
