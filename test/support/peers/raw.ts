/**
 * A raw BGP speaker for hostile tests: a TCP connection inside a namespace
 * over which the test writes any bytes it likes (broken markers, lying
 * lengths, truncated attributes...) and records everything that comes back,
 * split into messages, including the NOTIFICATION and the close.
 *
 * The socket lives in a small node child started with `ip netns exec` (the
 * test process itself is in the root namespace, which has no test
 * addresses); the child only relays bytes over stdio. All BGP logic
 * (handshake, splitting, decoding with petrel's codec) is here.
 */
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import {
  decodeNotification,
  decodeOpen,
  encodeKeepalive,
  encodeMessage,
  codecContext,
  type Capability,
  type NotificationMessage,
  type OpenMessage,
} from '../../../src/wire/index.js';
import { waitFor } from '../netns.js';
import { familyOf } from './common.js';

const CHILD = `
const net = require('net');
const [mode, host, port, local] = process.argv.slice(1);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
let sock;
const wire = (s) => {
  sock = s;
  s.setNoDelay(true);
  out({ ev: 'connected', local: s.localAddress, remote: s.remoteAddress, remotePort: s.remotePort });
  s.on('data', (d) => out({ ev: 'data', hex: d.toString('hex') }));
  s.on('end', () => out({ ev: 'end' }));
  s.on('error', (e) => out({ ev: 'error', message: e.message }));
  s.on('close', () => { out({ ev: 'close' }); process.exit(0); });
};
if (mode === 'listen') {
  const srv = net.createServer((s) => { srv.close(); wire(s); });
  srv.on('error', (e) => { out({ ev: 'error', message: e.message }); process.exit(1); });
  srv.listen({ host, port: Number(port) }, () => out({ ev: 'listening' }));
} else {
  const s = net.connect({ host, port: Number(port), localAddress: local || undefined });
  s.on('connect', () => wire(s));
  s.on('error', (e) => { out({ ev: 'error', message: e.message }); process.exit(1); });
}
require('readline').createInterface({ input: process.stdin }).on('line', (l) => {
  const [cmd, arg] = l.split(' ');
  if (!sock) return;
  if (cmd === 'write') sock.write(Buffer.from(arg || '', 'hex'));
  else if (cmd === 'end') sock.end();
  else if (cmd === 'destroy') sock.destroy();
});
`;

export interface RawMessage {
  /** Header and body as received (or what was left when the connection closed, for a fragment). */
  readonly raw: Uint8Array;
  /** Type byte of the header; -1 for a trailing fragment shorter than a header. */
  readonly type: number;
  readonly at: number;
}

export interface RawSpeakerOptions {
  readonly ns: string;
  /** Address to connect to, or (listen) to bind. */
  readonly address: string;
  readonly port?: number;
  /** Source address when connecting. */
  readonly localAddress?: string;
}

export interface OpenOptions {
  readonly as: number;
  readonly bgpId: string;
  readonly holdTime?: number;
  /** Default: MP for the families given (default IPv4 unicast), 4-octet AS, route refresh. */
  readonly capabilities?: readonly Capability[];
  readonly families?: readonly ('ipv4' | 'ipv6')[];
}

function ipv4ToU32(a: string): number {
  return a.split('.').reduce((n, x) => ((n << 8) | Number(x)) >>> 0, 0);
}

/** An OPEN message (bytes) built with petrel's codec. */
export function buildOpen(o: OpenOptions): Uint8Array {
  const caps: Capability[] = o.capabilities
    ? [...o.capabilities]
    : [
        ...(o.families ?? ['ipv4']).map((f): Capability => ({ kind: 'MULTIPROTOCOL', afi: f === 'ipv4' ? 1 : 2, safi: 1 })),
        { kind: 'ROUTE_REFRESH' },
        { kind: 'FOUR_OCTET_AS', asn: o.as },
      ];
  const open: OpenMessage = {
    type: 'OPEN',
    version: 4,
    myAs: o.as > 0xffff ? 23456 : o.as,
    holdTime: o.holdTime ?? 90,
    bgpId: ipv4ToU32(o.bgpId),
    parameters: [{ kind: 'CAPABILITIES', capabilities: caps }],
  };
  return encodeMessage(open, codecContext({ fourOctetAs: false }));
}

export const keepalive = (): Uint8Array => encodeKeepalive();

/** A raw BGP message: marker, length (computed unless given: lie freely), type, body. */
export function frame(type: number, body: Uint8Array, length = 19 + body.length, marker = 0xff): Uint8Array {
  const out = new Uint8Array(19 + body.length);
  out.fill(marker, 0, 16);
  out[16] = (length >> 8) & 0xff;
  out[17] = length & 0xff;
  out[18] = type;
  out.set(body, 19);
  return out;
}

export class RawSpeaker {
  /** Every message received, in order. */
  readonly messages: RawMessage[] = [];
  /** Bytes received that do not (yet) make a whole message. */
  private pending = new Uint8Array(0);
  private connected = false;
  private closedFlag = false;
  private remoteEnded = false;
  private lastError = '';
  readonly ready: Promise<void>;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly description: string,
  ) {
    let ok!: () => void;
    let fail!: (e: Error) => void;
    this.ready = new Promise((res, rej) => {
      ok = res;
      fail = rej;
    });
    this.ready.catch(() => undefined); // reported to whoever awaits ready
    this.exited = new Promise((r) => child.once('exit', () => r()));
    // The relay may exit (peer closed) while we still write to it: EPIPE is expected then.
    child.stdin?.on('error', () => undefined);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const ev = JSON.parse(line) as { ev: string; hex?: string; message?: string };
      if (ev.ev === 'connected') {
        this.connected = true;
        ok();
      } else if (ev.ev === 'data') this.onData(Buffer.from(ev.hex ?? '', 'hex'));
      else if (ev.ev === 'end') this.remoteEnded = true;
      else if (ev.ev === 'error') {
        this.lastError = ev.message ?? 'error';
        if (!this.connected) fail(new Error(`${description}: ${this.lastError}`));
      } else if (ev.ev === 'close') this.closedFlag = true;
    });
    child.once('exit', () => {
      this.closedFlag = true;
      if (!this.connected) fail(new Error(`${description}: ${this.lastError || 'relay exited'}`));
    });
  }

  private static start(mode: 'connect' | 'listen', o: RawSpeakerOptions): RawSpeaker {
    const port = String(o.port ?? 179);
    const child = spawnChild('ip', ['netns', 'exec', o.ns, process.execPath, '-e', CHILD, mode, o.address, port, o.localAddress ?? ''], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    return new RawSpeaker(child, `raw ${mode} ${o.address}:${port} in ${o.ns}`);
  }

  /** Connect to a BGP speaker (resolves once TCP is up). */
  static async connect(o: RawSpeakerOptions, timeoutMs = 10_000): Promise<RawSpeaker> {
    familyOf(o.address);
    const s = RawSpeaker.start('connect', o);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`${s.description}: no connection in ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([s.ready, timeout]);
    } catch (e) {
      await s.close();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return s;
  }

  /** Listen for one connection; `ready` resolves when the peer has connected. */
  static listen(o: RawSpeakerOptions): RawSpeaker {
    familyOf(o.address);
    return RawSpeaker.start('listen', o);
  }

  private onData(chunk: Uint8Array): void {
    const buf = new Uint8Array(this.pending.length + chunk.length);
    buf.set(this.pending);
    buf.set(chunk, this.pending.length);
    let p = 0;
    while (buf.length - p >= 19) {
      const len = (buf[p + 16]! << 8) | buf[p + 17]!;
      if (len < 19) {
        // Not BGP framing: keep the rest as one blob.
        this.messages.push({ raw: buf.slice(p), type: buf[p + 18]!, at: Date.now() });
        p = buf.length;
        break;
      }
      if (buf.length - p < len) break;
      this.messages.push({ raw: buf.slice(p, p + len), type: buf[p + 18]!, at: Date.now() });
      p += len;
    }
    this.pending = buf.slice(p);
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Whether the peer half-closed or closed the connection. */
  get peerClosed(): boolean {
    return this.remoteEnded || this.closedFlag;
  }

  /** Write bytes as they are. */
  write(bytes: Uint8Array): void {
    this.child.stdin?.write(`write ${Buffer.from(bytes).toString('hex')}\n`);
  }

  /** Wait for the next message of `type` received after message index `from`. */
  async waitForMessage(type: number, timeoutMs = 10_000, from = 0): Promise<RawMessage> {
    return waitFor(`${this.description}: message type ${type}`, timeoutMs, async () => {
      const m = this.messages.slice(from).find((x) => x.type === type);
      if (m) return m;
      if (this.closedFlag) throw new Error('connection closed');
      return undefined;
    }, 20);
  }

  /** Send OPEN, read the peer's OPEN, send KEEPALIVE, wait for its KEEPALIVE. Returns the peer's OPEN. */
  async handshake(o: OpenOptions, timeoutMs = 10_000): Promise<OpenMessage> {
    await this.ready;
    this.write(buildOpen(o));
    const open = await this.waitForMessage(1, timeoutMs);
    this.write(keepalive());
    await this.waitForMessage(4, timeoutMs, this.messages.indexOf(open) + 1);
    return decodeOpen(open.raw.subarray(19));
  }

  /** The first NOTIFICATION received, waiting for it up to timeoutMs. */
  async notification(timeoutMs = 10_000): Promise<NotificationMessage> {
    const m = await waitFor(`${this.description}: NOTIFICATION`, timeoutMs, async () => {
      const n = this.messages.find((x) => x.type === 3);
      if (n) return n;
      if (this.closedFlag) throw new Error(`connection closed without NOTIFICATION (received types ${this.messages.map((x) => x.type).join(',')})`);
      return undefined;
    }, 20);
    return decodeNotification(m.raw.subarray(19));
  }

  /** Wait until the peer closes the connection. */
  async waitClosed(timeoutMs = 10_000): Promise<void> {
    await waitFor(`${this.description}: close`, timeoutMs, async () => (this.peerClosed ? true : undefined), 20);
  }

  /** Close our side and end the relay. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin?.write('destroy\n');
      this.child.stdin?.end();
    }
    const t = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await this.exited;
    clearTimeout(t);
  }
}
