import type net from 'node:net';
import { EventEmitter } from 'eventemitter3';
import type { Logger } from '../lib/logger.js';
import { collisionLoser } from '../session/collision.js';
import type { FsmState, Negotiated, SessionConfig } from '../session/types.js';
import { encodeNotification } from '../wire/notification.js';
import { CeaseSubcode, ErrorCode } from '../wire/notification-codes.js';
import { Connection, type ConnectionEvents } from './connection.js';
import type { Listener } from './listener.js';
import { createOutboundSocket } from './sockopt.js';

export interface PeerTransportConfig {
  readonly address: string;
  readonly port: number;
  /** Source address for our connections (Calico sourceAddress: UseNodeIP). */
  readonly localAddress?: string;
  readonly md5Key?: string;
  /** TTL of our packets: 1 for a directly connected eBGP peer, 64 for Calico's `multihop`, 255 with GTSM. */
  readonly ttl?: number;
  /** GTSM (RFC 5082): the peer is at most this many hops away. */
  readonly ttlSecurityHops?: number;
  readonly session: SessionConfig;
}

const REJECTED = { type: 'NOTIFICATION', code: ErrorCode.CEASE, subcode: CeaseSubcode.CONNECTION_REJECTED, data: new Uint8Array(0) } as const;
const COLLISION = { type: 'NOTIFICATION', code: ErrorCode.CEASE, subcode: CeaseSubcode.CONNECTION_COLLISION_RESOLUTION, data: new Uint8Array(0) } as const;

/**
 * One configured peer: its session over whichever TCP connection survives.
 * A second connection (the peer dialling while we do) gets its own FSM
 * until the OPENs show which one RFC 4271 §6.8 keeps. Only the surviving
 * connection's events are passed on.
 */
export class Peer extends EventEmitter<ConnectionEvents> {
  private primary: Connection;
  private candidate: Connection | null = null;
  private started = false;
  /** Connections replaced (collisions, passive winners) whose counts still belong to the peer. */
  private retired: Connection[] = [];
  private readonly retiredCounts = { in: new Map<string, number>(), out: new Map<string, number>() };
  /** Our listener registration's handler: identifies it, so a replacement peer's is never removed. */
  private readonly acceptHandler = (socket: net.Socket) => this.onAccept(socket);
  /** The last error of a primary connection that was replaced after it failed. */
  private replacedError: string | null = null;

  constructor(
    readonly config: PeerTransportConfig,
    private listener: Listener,
    private readonly log: Logger,
  ) {
    super();
    this.primary = this.makeConnection(config.session);
  }

  get connection(): Connection {
    return this.primary;
  }
  get state(): FsmState {
    return this.primary.state;
  }
  get negotiated(): Negotiated | null {
    return this.primary.negotiated;
  }
  /** Why the session last went down, even when that connection has since been replaced. */
  get lastError(): string | null {
    return this.primary.lastError ?? this.replacedError;
  }

  /** NOTIFICATION counts over this peer's life, whatever connection carried them. */
  notificationCounts(): { in: Map<string, number>; out: Map<string, number> } {
    const add = (into: Map<string, number>, from: ReadonlyMap<string, number>) => {
      for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
    };
    for (const c of this.retired) {
      add(this.retiredCounts.in, c.notificationsIn);
      add(this.retiredCounts.out, c.notificationsOut);
    }
    this.retired = [];
    const out = { in: new Map(this.retiredCounts.in), out: new Map(this.retiredCounts.out) };
    add(out.in, this.primary.notificationsIn);
    add(out.out, this.primary.notificationsOut);
    return out;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.register();
    this.primary.start();
  }

  private async register(): Promise<void> {
    const hops = this.config.ttlSecurityHops;
    await this.listener.addPeer(
      this.config.address,
      { ...(this.config.md5Key ? { md5Key: this.config.md5Key } : {}), ...(hops !== undefined ? { minTtl: 256 - hops } : {}) },
      this.acceptHandler,
    );
  }

  /** Move to a new listener (listen address or port changed); the session itself is untouched. */
  async rebind(listener: Listener): Promise<void> {
    this.listener.removePeer(this.config.address, this.acceptHandler);
    this.listener = listener;
    if (this.started) await this.register();
  }

  stop(notification?: Parameters<Connection['stop']>[0]): void {
    this.started = false;
    this.listener.removePeer(this.config.address, this.acceptHandler);
    this.candidate?.stop(COLLISION);
    this.candidate = null;
    this.primary.stop(notification);
  }

  destroy(): void {
    this.listener.removePeer(this.config.address, this.acceptHandler);
    this.candidate?.destroy();
    this.primary.destroy();
    this.removeAllListeners();
  }

  /** RFC 4271 event 8 on the session: NOTIFICATION, Idle, automatic restart after the idle hold. */
  automaticStop(notification: Parameters<Connection['automaticStop']>[0]): void {
    this.primary.automaticStop(notification);
  }

  /** Pre-encoded UPDATEs for the established session. */
  sendRaw(messages: readonly Uint8Array[]): boolean {
    return this.primary.sendRaw(messages);
  }

  private makeConnection(session: SessionConfig): Connection {
    const dialer = {
      dial: (): net.Socket => {
        const hops = this.config.ttlSecurityHops;
        const socket = createOutboundSocket({
          peerAddress: this.config.address,
          ...(this.config.localAddress ? { localAddress: this.config.localAddress } : {}),
          ...(this.config.md5Key ? { md5Key: this.config.md5Key } : {}),
          ...(hops !== undefined ? { ttl: 255, minTtl: 256 - hops } : this.config.ttl !== undefined ? { ttl: this.config.ttl } : {}),
        });
        return socket.connect({ port: this.config.port, host: this.config.address });
      },
    };
    const c = new Connection(session, dialer, this.log);
    this.forward(c);
    return c;
  }

  private forward(c: Connection): void {
    const pass =
      <K extends keyof ConnectionEvents>(event: K) =>
      (...args: Parameters<ConnectionEvents[K]>) => {
        if (c === this.primary) (this.emit as (e: K, ...a: Parameters<ConnectionEvents[K]>) => boolean)(event, ...args);
      };
    c.on('state', pass('state'));
    c.on('established', pass('established'));
    c.on('down', pass('down'));
    c.on('update', pass('update'));
    c.on('routeRefresh', pass('routeRefresh'));
    c.on('drain', pass('drain'));
    c.on('open', () => this.resolveCollision());
    c.on('state', (to) => {
      // A collision winner was made passive; once it fails, the peer gets a normal connection back.
      if (to === 'Idle' && c === this.primary && c.config !== this.config.session && this.started) {
        c.destroy();
        this.retired.push(c);
        this.replacedError = c.lastError ?? this.replacedError;
        this.primary = this.makeConnection(this.config.session);
        this.primary.start();
      }
    });
  }

  private onAccept(socket: net.Socket): void {
    if (!this.started) {
      socket.destroy();
      return;
    }
    if (this.primary.accept(socket)) return;
    const s = this.primary.state;
    if ((s === 'Connect' || s === 'OpenSent' || s === 'OpenConfirm') && this.candidate === null) {
      // Both sides dialled: run the second connection until the OPENs decide.
      const cand = new Connection({ ...this.config.session, passive: true, connectDelayTime: 0 }, { dial: () => { throw new Error('a collision candidate never dials'); } }, this.log.child({ collision: true }));
      this.candidate = cand;
      this.forward(cand);
      cand.on('state', (to) => {
        if (this.candidate !== cand) return;
        if (to === 'Idle') {
          setImmediate(() => cand.destroy());
          this.candidate = null;
        } else if (to === 'OpenConfirm' && !['OpenSent', 'OpenConfirm', 'Established'].includes(this.primary.state)) {
          // Our own connection never got as far: the peer's becomes the session.
          const old = this.primary;
          this.primary = cand;
          this.candidate = null;
          this.emit('state', to, old.state);
          old.stop();
          setImmediate(() => old.destroy());
        }
      });
      cand.start();
      cand.accept(socket);
      return;
    }
    // RFC 4271 §6.8: an Established session wins against a new connection.
    // Otherwise (Idle after an error, or a collision already being resolved)
    // the connection is refused (RFC 4486 Cease / Connection Rejected).
    socket.end(encodeNotification(s === 'Established' ? COLLISION : REJECTED));
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  private resolveCollision(): void {
    const a = this.primary;
    const b = this.candidate;
    if (!b) return;
    const open = a.peerOpen ?? b.peerOpen;
    if (!open || (a.state !== 'OpenConfirm' && a.state !== 'OpenSent') || (b.state !== 'OpenConfirm' && b.state !== 'OpenSent')) return;
    if (!a.peerOpen && !b.peerOpen) return;
    const loserSide = collisionLoser(this.config.session.routerId, open.bgpId);
    const loser = a.initiator === loserSide ? a : b;
    this.log.info({ closing: loser.initiator }, 'connection collision resolved (RFC 4271 §6.8)');
    if (loser === a) {
      this.primary = b;
      this.candidate = null;
      // The survivor now speaks for the peer, including its state.
      this.emit('state', b.state, a.state);
    } else {
      this.candidate = null;
    }
    // We may be inside the loser's own input loop: its Stop is queued behind the
    // current step, so it is torn down only after the Cease has been written.
    loser.stop(COLLISION);
    this.retired.push(loser);
    setImmediate(() => loser.destroy());
  }
}
