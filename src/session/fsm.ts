import { BgpError } from '../wire/error.js';
import { MessageType } from '../wire/constants.js';
import { KEEPALIVE, type BgpMessage, type Decoded } from '../wire/message.js';
import { ceaseWithCommunication, shutdownCommunication, type NotificationMessage } from '../wire/notification.js';
import { CeaseSubcode, ErrorCode, FsmSubcode, notificationName } from '../wire/notification-codes.js';
import { buildOpen, negotiate } from './open.js';
import { jitter, nextRandom, OPEN_HOLD_MS, sendHoldMs } from './timers.js';
import type { DownReason, FsmState, Session, SessionConfig, SessionInput, SessionOutput, StepResult, TimerName } from './types.js';

/** A new session in Idle. `seed` makes timer jitter reproducible. */
export function createSession(config: SessionConfig, seed = 1): Session {
  return {
    state: 'Idle',
    config,
    idleHoldMs: config.idleHoldTime.min * 1000,
    autoRestart: false,
    negotiated: null,
    sendBlocked: false,
    lastError: null,
    rng: seed >>> 0 || 1,
  };
}

const ALL_TIMERS: readonly TimerName[] = ['ConnectRetry', 'Hold', 'Keepalive', 'SendHold', 'Stable'];

/** Accumulates outputs while one input is handled to completion. */
class Step {
  readonly out: SessionOutput[] = [];
  constructor(public s: Session) {}

  emit(o: SessionOutput): void {
    this.out.push(o);
  }
  set(timer: TimerName, ms: number, jittered = false): void {
    let value = ms;
    if (jittered) {
      const r = nextRandom(this.s.rng);
      this.s = { ...this.s, rng: r.state };
      value = jitter(ms, r.value);
    }
    this.emit({ type: 'SetTimer', timer, ms: value });
  }
  clear(timer: TimerName): void {
    this.emit({ type: 'ClearTimer', timer });
  }
  to(state: FsmState): void {
    if (state === this.s.state) return;
    this.emit({ type: 'StateChanged', from: this.s.state, to: state });
    this.s = { ...this.s, state };
  }
  send(message: BgpMessage): void {
    this.emit({ type: 'Send', message });
  }
  result(): StepResult {
    return { session: this.s, outputs: this.out };
  }
}

function notification(code: number, subcode: number, data: Uint8Array = new Uint8Array(0)): NotificationMessage {
  return { type: 'NOTIFICATION', code, subcode, data };
}

function describe(n: NotificationMessage): string {
  const comm = shutdownCommunication(n);
  const text = comm && 'text' in comm ? `: "${comm.text}"` : '';
  return `${notificationName(n.code, n.subcode)}${text}`;
}

/** Start connecting (or, passive, only waiting) after Start or an Idle hold. */
function begin(st: Step): void {
  const c = st.s.config;
  st.to('Active');
  // BIRD waits `connect delay time` first, giving the peer's own connection a chance.
  if (!c.passive) st.set('ConnectRetry', c.connectDelayTime * 1000);
}

function onConnection(st: Step): void {
  const c = st.s.config;
  st.clear('ConnectRetry');
  st.send(buildOpen(c));
  st.set('Hold', OPEN_HOLD_MS);
  st.to('OpenSent');
}

/**
 * Leave the session for Idle: send the NOTIFICATION (if any), drop the
 * connection, stop timers, report Down if it was Established, and arm the
 * Idle hold (doubling it) when the session restarts by itself.
 */
function fail(st: Step, reason: DownReason, notify: NotificationMessage | null, backoff: boolean, holdMs?: number): void {
  const was = st.s.state;
  const neg = st.s.negotiated;
  if (notify) st.send(notify);
  st.emit({ type: 'Disconnect' });
  for (const t of ALL_TIMERS) st.clear(t);
  if (was === 'Established' && neg) {
    const gr = neg.peerGracefulRestart;
    // RFC 4724 §4.2: a TCP failure keeps the peer's routes; RFC 8538 §4: so does
    // a NOTIFICATION when both sent the N bit, unless it is a Hard Reset.
    let graceful = false;
    if (gr) {
      if (reason.kind === 'connection-lost') graceful = true;
      else if (reason.kind === 'notification-received' || reason.kind === 'notification-sent') {
        graceful = gr.notification && !(reason.code === ErrorCode.CEASE && reason.subcode === CeaseSubcode.HARD_RESET);
      }
    }
    st.emit({ type: 'Down', reason, graceful, restartTime: graceful ? gr!.restartTime : 0 });
  }
  st.s = { ...st.s, negotiated: null, sendBlocked: false, lastError: reason.text };
  st.to('Idle');
  if (st.s.autoRestart) {
    st.set('IdleHold', holdMs ?? st.s.idleHoldMs);
    if (backoff) {
      const max = st.s.config.idleHoldTime.max * 1000;
      st.s = { ...st.s, idleHoldMs: Math.min(st.s.idleHoldMs * 2, max) };
    }
  }
}

/** Send a NOTIFICATION for a protocol error and go Idle. */
function protocolError(st: Step, n: NotificationMessage, why: string): void {
  const name = notificationName(n.code, n.subcode);
  fail(st, { kind: 'notification-sent', code: n.code, subcode: n.subcode, text: why ? `${name}: ${why}` : name }, n, true);
}

/** RFC 6608 §4: the data is one octet, the type of the unexpected message. */
function fsmError(st: Step, what: BgpMessage['type']): void {
  const sub = st.s.state === 'OpenSent' ? FsmSubcode.UNEXPECTED_MESSAGE_IN_OPENSENT : st.s.state === 'OpenConfirm' ? FsmSubcode.UNEXPECTED_MESSAGE_IN_OPENCONFIRM : FsmSubcode.UNEXPECTED_MESSAGE_IN_ESTABLISHED;
  protocolError(st, notification(ErrorCode.FSM, sub, Uint8Array.of(MessageType[what])), `${what} in ${st.s.state}`);
}

/** RFC 8538 §5: the Cease reasons that must also clear the peer's routes. */
const HARD_RESET_REASONS: ReadonlySet<number> = new Set([
  CeaseSubcode.MAXIMUM_NUMBER_OF_PREFIXES_REACHED,
  CeaseSubcode.ADMINISTRATIVE_SHUTDOWN,
  CeaseSubcode.PEER_DE_CONFIGURED,
]);

/** A Stop while connected: Cease (RFC 4486), wrapped in a Hard Reset when the N bit was negotiated and the reason calls for it (RFC 8538 §3, §5). */
function stopNotification(st: Step, requested?: NotificationMessage): NotificationMessage {
  const n = requested ?? notification(ErrorCode.CEASE, CeaseSubcode.ADMINISTRATIVE_SHUTDOWN);
  if (st.s.negotiated?.peerGracefulRestart?.notification && n.code === ErrorCode.CEASE && HARD_RESET_REASONS.has(n.subcode)) {
    // RFC 8538 §3: the data is the wrapped NOTIFICATION: ErrCode, Subcode, Data.
    const data = new Uint8Array(2 + n.data.length);
    data[0] = n.code;
    data[1] = n.subcode;
    data.set(n.data, 2);
    return notification(ErrorCode.CEASE, CeaseSubcode.HARD_RESET, data);
  }
  return n;
}

/**
 * The RFC 4271 §8.2.2 state machine for one connection, as a pure function:
 * (session, input) -> (session, outputs). It never reads a clock or touches
 * a socket; timers and I/O are outputs the driver performs.
 */
export function step(session: Session, input: SessionInput): StepResult {
  const st = new Step(session);
  const s = session.state;
  const c = session.config;

  switch (input.type) {
    case 'Start':
      st.s = { ...st.s, autoRestart: true };
      if (s === 'Idle') {
        st.clear('IdleHold');
        begin(st);
      }
      return st.result();

    case 'Stop': {
      const wasConnected = s === 'OpenSent' || s === 'OpenConfirm' || s === 'Established';
      st.s = { ...st.s, autoRestart: false, idleHoldMs: c.idleHoldTime.min * 1000 };
      st.clear('IdleHold');
      if (s === 'Idle') return st.result();
      const n = wasConnected ? stopNotification(st, input.notification) : null;
      fail(st, { kind: 'stopped', text: n ? describe(n) : 'stopped' }, n, false);
      return st.result();
    }

    case 'AutomaticStop': {
      if (s === 'Idle') return st.result();
      const wasConnected = s === 'OpenSent' || s === 'OpenConfirm' || s === 'Established';
      const n = wasConnected ? stopNotification(st, input.notification) : null;
      fail(st, { kind: 'notification-sent', code: input.notification.code, subcode: input.notification.subcode, text: describe(input.notification) }, n, true);
      return st.result();
    }

    case 'TcpConnected':
    case 'TcpAccepted':
      if (s === 'Connect' || s === 'Active') onConnection(st);
      // A second connection for a busy session is the collision layer's to resolve.
      else st.emit({ type: 'Disconnect' });
      return st.result();

    case 'TcpFailed':
      if (s === 'Connect' || s === 'Active') {
        // Like BIRD: a refused or failed connect is retried after connect retry time, no error backoff;
        // the reason shows as BIRD's "Socket: Connection refused".
        st.s = { ...st.s, lastError: `Socket: ${input.reason}` };
        st.to('Active');
        if (!c.passive) st.set('ConnectRetry', c.connectRetryTime * 1000, true);
      } else if (s !== 'Idle') {
        fail(st, { kind: 'connection-lost', text: input.reason }, null, s !== 'Established');
      }
      return st.result();

    case 'TimerExpired':
      return onTimer(st, input.timer);

    case 'ReceiveError':
      if (s === 'Idle' || s === 'Connect' || s === 'Active') return st.result();
      protocolError(st, notification(input.error.code, input.error.subcode, input.error.data), input.error.detail);
      return st.result();

    case 'SendBlocked':
      if (s === 'Established' && !session.sendBlocked && session.negotiated && session.negotiated.holdTime > 0) {
        st.s = { ...st.s, sendBlocked: true };
        st.set('SendHold', sendHoldMs(session.negotiated.holdTime, c.sendHoldTime));
      }
      return st.result();

    case 'SendUnblocked':
      if (session.sendBlocked) {
        st.s = { ...st.s, sendBlocked: false };
        st.clear('SendHold');
      }
      return st.result();

    case 'Received':
      return onMessage(st, input.decoded);

    default: {
      const never: never = input;
      throw new Error(`unhandled input ${JSON.stringify(never)}`);
    }
  }
}

function onTimer(st: Step, timer: TimerName): StepResult {
  const s = st.s.state;
  const c = st.s.config;
  switch (timer) {
    case 'IdleHold':
      if (s === 'Idle' && st.s.autoRestart) begin(st);
      break;
    case 'ConnectRetry':
      if (s === 'Connect' || s === 'Active') {
        if (c.passive) break;
        // Abandon a connect still in progress and try again (RFC 4271 Connect state, event 9).
        if (s === 'Connect') st.emit({ type: 'Disconnect' });
        st.emit({ type: 'Connect' });
        st.set('ConnectRetry', c.connectRetryTime * 1000, true);
        st.to('Connect');
      }
      break;
    case 'Hold':
      if (s === 'OpenSent' || s === 'OpenConfirm' || s === 'Established') {
        protocolError(st, notification(ErrorCode.HOLD_TIMER_EXPIRED, 0), 'no message from the peer within the hold time');
      }
      break;
    case 'Keepalive':
      if ((s === 'OpenConfirm' || s === 'Established') && st.s.negotiated && st.s.negotiated.keepaliveTime > 0) {
        st.send(KEEPALIVE);
        st.set('Keepalive', st.s.negotiated.keepaliveTime * 1000, true);
      }
      break;
    case 'SendHold':
      if (s === 'Established' && st.s.sendBlocked) {
        // RFC 9687 §4: the peer stopped reading; the NOTIFICATION is sent on a best-effort basis.
        protocolError(st, notification(ErrorCode.SEND_HOLD_TIMER_EXPIRED, 0), 'could not send to the peer within the send hold time');
      }
      break;
    case 'Stable':
      // Established long enough: the next failure starts the back-off afresh.
      st.s = { ...st.s, idleHoldMs: c.idleHoldTime.min * 1000 };
      break;
    default: {
      const never: never = timer;
      throw new Error(`unhandled timer ${String(never)}`);
    }
  }
  return st.result();
}

function onMessage(st: Step, decoded: Decoded): StepResult {
  const s = st.s.state;
  const m = decoded.message;
  if (s === 'Idle' || s === 'Connect' || s === 'Active') return st.result();

  if (m.type === 'NOTIFICATION') {
    // Never answered with a NOTIFICATION (RFC 4271 §6.1 spirit; bgp-robustness §1.3).
    // A Cease is the peer's decision (shutdown, restart, reconfiguration, a refused
    // connection), not an error of this session: no idle hold and no back-off, as in
    // BIRD, which restarts at once after a Cease. With a hold, two speakers that both
    // dial can lock in step, each refusing the other's connection from its Idle.
    const cease = m.code === ErrorCode.CEASE;
    if (cease) st.s = { ...st.s, idleHoldMs: st.s.config.idleHoldTime.min * 1000 };
    fail(st, { kind: 'notification-received', code: m.code, subcode: m.subcode, text: describe(m) }, null, !cease, cease ? 0 : undefined);
    return st.result();
  }

  switch (s) {
    case 'OpenSent': {
      if (m.type !== 'OPEN') {
        fsmError(st, m.type);
        break;
      }
      st.emit({ type: 'OpenReceived', open: m });
      try {
        const neg = negotiate(st.s.config, buildOpen(st.s.config), m);
        st.s = { ...st.s, negotiated: neg };
        st.send(KEEPALIVE);
        if (neg.holdTime > 0) {
          st.set('Hold', neg.holdTime * 1000);
          st.set('Keepalive', neg.keepaliveTime * 1000, true);
        } else {
          st.clear('Hold');
        }
        st.to('OpenConfirm');
      } catch (e) {
        if (!(e instanceof BgpError)) throw e;
        protocolError(st, notification(e.code, e.subcode, e.data), e.detail);
      }
      break;
    }
    case 'OpenConfirm':
      if (m.type === 'KEEPALIVE') {
        const neg = st.s.negotiated!;
        if (neg.holdTime > 0) st.set('Hold', neg.holdTime * 1000);
        st.to('Established');
        st.set('Stable', st.s.config.idleHoldTime.max * 4000);
        st.emit({ type: 'Established', negotiated: neg });
      } else {
        fsmError(st, m.type);
      }
      break;
    case 'Established': {
      const neg = st.s.negotiated!;
      if (m.type === 'KEEPALIVE' || m.type === 'UPDATE') {
        if (neg.holdTime > 0) st.set('Hold', neg.holdTime * 1000);
        if (m.type === 'UPDATE') st.emit({ type: 'Update', decoded });
      } else if (m.type === 'ROUTE_REFRESH') {
        // RFC 2918 §4 and RFC 7313 §5: unknown subtypes are ignored; the speaker serves the refresh.
        if (m.subtype <= 2) st.emit({ type: 'RouteRefresh', message: m });
      } else {
        fsmError(st, m.type);
      }
      break;
    }
    default:
      break;
  }
  return st.result();
}

/** Cease 2 or 4 with an RFC 9003 text, for operators stopping or resetting a peer. */
export function adminNotification(kind: 'shutdown' | 'reset', text?: string): NotificationMessage {
  const sub = kind === 'shutdown' ? CeaseSubcode.ADMINISTRATIVE_SHUTDOWN : CeaseSubcode.ADMINISTRATIVE_RESET;
  return text ? ceaseWithCommunication(sub, text) : notification(ErrorCode.CEASE, sub);
}
