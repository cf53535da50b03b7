/**
 * A client of BIRD's CLI protocol (petrel's socket or a real BIRD): the
 * greeting, then one command at a time, each reply read up to its final
 * `NNNN ` line. Used by `petrel birdcl` and by tests.
 */
import { connect, type Socket } from 'node:net';
import { parseReplyLine, type ParsedReplyLine } from './reply.js';

export class BirdConnectError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Unable to connect to server control socket (${path}): ${reason}`);
    this.name = 'BirdConnectError';
  }
}

export interface BirdReply {
  /** Every line as received (codes and continuations included). */
  readonly raw: readonly string[];
  readonly lines: readonly ParsedReplyLine[];
  /** The code of the final line. */
  readonly code: number;
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory',
  ECONNREFUSED: 'Connection refused',
  EACCES: 'Permission denied',
  ENOTSOCK: 'Socket operation on non-socket',
};

export class BirdClient {
  private buffer = '';
  private pending: string[] = [];
  private waiter: { resolve: (r: BirdReply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;
  private closedError: Error | null = null;

  private constructor(
    private readonly sock: Socket,
    private readonly timeoutMs: number,
  ) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => this.onData(d));
    sock.on('close', () => this.fail(new Error('Connection closed by server.')));
    sock.on('error', (e) => this.fail(e));
  }

  /** Connect and read the greeting (0001). */
  static async connect(path: string, timeoutMs = 5000): Promise<{ client: BirdClient; greeting: BirdReply }> {
    const sock = connect(path);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', (e: NodeJS.ErrnoException) => reject(new BirdConnectError(path, ERRNO_TEXT[e.code ?? ''] ?? e.message)));
    });
    const client = new BirdClient(sock, timeoutMs);
    const greeting = await client.next();
    return { client, greeting };
  }

  private onData(d: string): void {
    this.buffer += d;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      this.pending.push(this.buffer.slice(0, nl));
      this.buffer = this.buffer.slice(nl + 1);
    }
    this.deliver();
  }

  private deliver(): void {
    if (!this.waiter) return;
    const end = this.pending.findIndex((l) => {
      const p = parseReplyLine(l);
      return p.kind === 'line' && p.last;
    });
    if (end < 0) return;
    const raw = this.pending.splice(0, end + 1);
    const lines = raw.map(parseReplyLine);
    const last = lines[lines.length - 1]!;
    const w = this.waiter;
    this.waiter = null;
    clearTimeout(w.timer);
    w.resolve({ raw, lines, code: last.kind === 'line' ? last.code : -1 });
  }

  private fail(e: Error): void {
    this.closedError ??= e;
    const w = this.waiter;
    if (!w) return;
    this.waiter = null;
    clearTimeout(w.timer);
    w.reject(e);
  }

  private next(): Promise<BirdReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`no reply within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.waiter = { resolve, reject, timer };
      this.deliver();
      if (this.waiter && this.closedError) this.fail(this.closedError);
    });
  }

  /** Send one command and read its whole reply. */
  command(text: string): Promise<BirdReply> {
    this.sock.write(`${text}\n`);
    return this.next();
  }

  close(): void {
    this.sock.destroy();
  }
}

/** A reply as birdc/birdcl print it: codes stripped (or kept with -v), code 0 lines silent. */
export function printedReply(lines: readonly ParsedReplyLine[], verbose = false): string {
  let out = '';
  for (const l of lines) {
    switch (l.kind) {
      case 'async':
        out += `>>> ${l.text}\n`;
        break;
      case 'continuation':
        out += `${verbose ? '     ' : ''}${l.text}\n`;
        break;
      case 'line':
        if (l.code !== 0) out += `${verbose ? `${String(l.code).padStart(4, '0')}${l.last ? ' ' : '-'}${l.text}` : l.text}\n`;
        break;
      case 'garbage':
        out += `??? <${l.text}>\n`;
        break;
    }
  }
  return out;
}
