/**
 * The BIRD-compatible control socket: a Unix socket speaking BIRD 1.6's CLI
 * protocol (greeting, one command per line, framed replies), so that
 * calicoctl, calico-node's health checks and birdc/birdcl work against
 * petrel unmodified. One server per view: bird.ctl (IPv4), bird6.ctl (IPv6).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../../lib/logger.js';
import { prepareSocketPath, removeSocket, restrictSocket } from '../socket.js';
import { answerParts } from './answer.js';
import type { BirdProvider, BirdView } from './provider.js';
import { ReplyCode, singleReply, welcome } from './reply.js';

/** BIRD's CLI reads commands into a 2 KiB buffer; longer ones get 9000. */
export const MAX_COMMAND_LENGTH = 2048;
/** Clients beyond this are refused: a stuck prober must not exhaust the daemon. */
const MAX_CLIENTS = 64;
/** Queued in place of a command that was too long (no real command contains a NUL). */
const TOO_LONG = '\u0000too-long';
/** Commands a client may queue before it is dropped (it pipelines without reading the replies). */
const MAX_QUEUED = 256;

export interface BirdSocketOptions {
  readonly path: string;
  readonly view: BirdView;
  readonly log: Logger;
}

export interface BirdSocketServer {
  readonly path: string;
  readonly view: BirdView;
  close(): Promise<void>;
}

/** Serve one client: commands answered in order, a large reply in pieces with the event loop turning between them. */
function serveClient(sock: Socket, provider: BirdProvider, view: BirdView, log: Logger): void {
  let buffer = '';
  /** Bytes of an over-long command are dropped until its newline. */
  let discarding = false;
  let busy = false;
  const queue: string[] = [];

  /** Resolves when the socket can take more (or is gone). */
  const writable = (): Promise<void> =>
    new Promise((resolve) => {
      const done = () => {
        sock.off('drain', done);
        sock.off('close', done);
        resolve();
      };
      sock.once('drain', done);
      sock.once('close', done);
    });

  const answerQueue = async (): Promise<void> => {
    while (queue.length > 0 && !sock.destroyed) {
      const line = queue.shift()!;
      const parts = line === TOO_LONG ? [singleReply(ReplyCode.COMMAND_TOO_LONG, 'Command too long')] : answerParts(line, provider, view);
      for (const part of parts) {
        if (sock.destroyed) return;
        if (!sock.write(part)) await writable();
        // Keepalives and other clients run between the pieces of a large table.
        else await new Promise((r) => setImmediate(r));
      }
    }
  };
  const pump = (): void => {
    if (busy) return;
    busy = true;
    answerQueue()
      .catch((e: unknown) => {
        log.warn({ err: String(e) }, 'BIRD socket client failed');
        sock.destroy();
      })
      .finally(() => {
        busy = false;
        if (queue.length > 0 && !sock.destroyed) pump();
      });
  };

  sock.setEncoding('utf8');
  sock.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      if (discarding) {
        discarding = false;
        continue;
      }
      queue.push(line.length > MAX_COMMAND_LENGTH ? TOO_LONG : line);
    }
    if (queue.length > MAX_QUEUED) {
      log.warn({ queued: queue.length }, 'BIRD socket client sends commands without reading the replies; dropped');
      sock.destroy();
      return;
    }
    if (buffer.length > MAX_COMMAND_LENGTH) {
      buffer = '';
      if (!discarding) queue.push(TOO_LONG);
      discarding = true;
    }
    pump();
  });
  sock.on('error', (e) => log.debug({ err: e.message }, 'BIRD socket client error'));
  sock.write(welcome(provider.status(view).version));
}

/** Listen on `path` (a stale socket file is replaced, a live one refused) with BIRD's mode 0660. */
export async function startBirdSocket(provider: BirdProvider, opts: BirdSocketOptions): Promise<BirdSocketServer> {
  const log = opts.log.child({ component: 'bird-socket', socket: opts.path });
  await prepareSocketPath(opts.path);
  const clients = new Set<Socket>();
  const server: Server = createServer((sock) => {
    if (clients.size >= MAX_CLIENTS) {
      sock.end();
      return;
    }
    clients.add(sock);
    sock.once('close', () => clients.delete(sock));
    try {
      serveClient(sock, provider, opts.view, log);
    } catch (e) {
      log.warn({ err: String(e) }, 'BIRD socket client failed');
      sock.destroy();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (e) => log.error({ err: e.message }, 'BIRD socket error'));
  await restrictSocket(opts.path);
  log.info({ view: opts.view }, 'BIRD-compatible control socket listening');
  return {
    path: opts.path,
    view: opts.view,
    async close() {
      for (const c of clients) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await removeSocket(opts.path);
    },
  };
}
