/**
 * The load generator process (forked by the orchestrator, in the same
 * network namespace): every simulated speaker of a scenario on one event
 * loop with raw `net` sockets, each bound to its own 127.x address. It
 * answers the orchestrator's requests (protocol.ts) over the IPC channel,
 * so the clocks that time a phase run here, next to the sockets, and the
 * orchestrator's own work (reading /proc, spawning daemons) stays out of
 * this process's event loop.
 */
import { createServer, type Server } from 'node:net';
import { Dialer } from './dialer.js';
import { performance } from 'node:perf_hooks';
import { PrefixCounter } from './counter.js';
import { senderBytes, spaceBase, type SenderBytes } from './routes.js';
import { GenBgpSession } from './session.js';
import type { Envelope, PhaseResult, Reply, Request, SetupRequest, WatcherSpec } from './protocol.js';

interface Lab {
  readonly setup: SetupRequest;
  readonly sessions: Map<number, GenBgpSession>;
  readonly bytes: Map<number, SenderBytes>;
  readonly watchers: readonly (WatcherSpec & { readonly s: GenBgpSession })[];
  readonly servers: Server[];
  readonly dialer: Dialer;
  closing: boolean;
}

let lab: Lab | null = null;

function reply(r: Reply): void {
  process.send?.(r);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startSetup(req: SetupRequest): Lab {
  const base = spaceBase(req.space);
  const watch = new Map(req.watchers.map((w) => [w.session, w]));
  const sessions = new Map<number, GenBgpSession>();
  for (const spec of req.sessions) {
    const w = watch.get(spec.id);
    const counter = w ? new PrefixCounter(base, req.space.len, req.space.count, w.ownFrom, w.ownTo) : null;
    sessions.set(spec.id, new GenBgpSession(spec, req.holdTime, counter));
  }
  const bytes = new Map<number, SenderBytes>();
  for (const snd of req.senders) bytes.set(snd.session, senderBytes(req.space, snd.ranges));
  const l: Lab = {
    setup: req,
    sessions,
    bytes,
    watchers: req.watchers.map((w) => ({ ...w, s: sessions.get(w.session)! })),
    servers: [],
    dialer: new Dialer(),
    closing: false,
  };
  // The daemon dials 'accept' sessions: one listener per local address, the peer told apart by its address.
  const byListen = new Map<string, GenBgpSession[]>();
  for (const s of sessions.values()) {
    if (s.spec.mode !== 'accept') continue;
    const k = `${s.spec.local}:${s.spec.port}`;
    byListen.set(k, [...(byListen.get(k) ?? []), s]);
  }
  for (const [k, group] of byListen) {
    const srv = createServer((sock) => {
      const s = group.find((g) => g.spec.remote === sock.remoteAddress?.replace(/^::ffff:/, ''));
      if (!s || s.state !== 'Idle') return void sock.destroy();
      s.attach(sock);
    });
    const [host, port] = [k.slice(0, k.lastIndexOf(':')), Number(k.slice(k.lastIndexOf(':') + 1))];
    srv.listen({ host, port });
    srv.on('error', (e) => {
      for (const s of group) s.lastError = `listen ${k}: ${e.message}`;
    });
    l.servers.push(srv);
  }
  for (const s of sessions.values()) if (s.spec.mode === 'connect') l.dialer.dial(s);
  return l;
}

async function established(l: Lab, timeoutMs: number): Promise<unknown> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const all = [...l.sessions.values()];
    const up = all.filter((s) => s.state === 'Established').length;
    if (up === all.length) return { established: up };
    if (Date.now() > end) {
      const down = all.filter((s) => s.state !== 'Established').slice(0, 5);
      throw new Error(`${up}/${all.length} sessions Established after ${timeoutMs} ms; e.g. ${down.map((s) => `${s.spec.local} ${s.state} ${s.lastError}`).join('; ')}`);
    }
    await sleep(50);
  }
}

async function settle(l: Lab, quietMs: number, maxMs: number): Promise<unknown> {
  const t0 = performance.now();
  for (;;) {
    let last = 0;
    for (const s of l.sessions.values()) last = Math.max(last, s.lastRx);
    const now = performance.now();
    if (now - last >= quietMs || now - t0 >= maxMs) return { waitedMs: Math.round(now - t0) };
    await sleep(Math.min(100, quietMs));
  }
}

function phase(l: Lab, kind: 'announce' | 'withdraw', timeoutMs: number): Promise<PhaseResult> {
  const target = (w: WatcherSpec) => (kind === 'announce' ? w.expect : 0);
  const isDone = (w: WatcherSpec & { s: GenBgpSession }) => (w.s.counter?.held ?? 0) === target(w);
  const watchers = l.watchers;
  const targetSum = watchers.reduce((a, w) => a + target(w), 0);
  const updates0 = watchers.reduce((a, w) => a + (w.s.counter?.updates ?? 0), 0);
  return new Promise((resolve) => {
    let done = 0;
    const finished = new Set<number>();
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    let sendSeconds = 0;
    let settled = false;
    const t0 = performance.now();
    const finish = (ok: boolean, error?: string) => {
      if (settled) return;
      settled = true;
      const seconds = (performance.now() - t0) / 1000;
      clearTimeout(timer);
      for (const w of watchers) w.s.onUpdate = () => {};
      const cpu = process.cpuUsage(cpu0);
      resolve({
        kind,
        ok,
        seconds,
        sendSeconds,
        watchersDone: done,
        watchers: watchers.length,
        held: watchers.reduce((a, w) => a + (w.s.counter?.held ?? 0), 0),
        target: targetSum,
        genCpuSeconds: (cpu.user + cpu.system) / 1e6,
        genEventLoopUtilization: performance.eventLoopUtilization(elu0).utilization,
        updatesReceived: watchers.reduce((a, w) => a + (w.s.counter?.updates ?? 0), 0) - updates0,
        ...(error ? { error } : {}),
      });
    };
    const check = (w: WatcherSpec & { s: GenBgpSession }) => {
      if (finished.has(w.session) || !isDone(w)) return;
      finished.add(w.session);
      if (++done === watchers.length) finish(true);
    };
    for (const w of watchers) {
      w.s.onUpdate = () => check(w);
    }
    const timer = setTimeout(() => {
      const lost = [...l.sessions.values()].filter((s) => s.state !== 'Established');
      const stuck = watchers.find((w) => !finished.has(w.session));
      const why = stuck ? `timeout; e.g. ${stuck.s.spec.local} holds ${stuck.s.counter?.held} after ${stuck.s.counter?.updates} UPDATEs${stuck.s.lastError ? ` (${stuck.s.lastError})` : ''}` : 'timeout';
      finish(false, lost.length ? `${lost.length} sessions down, e.g. ${lost[0]!.spec.local}: ${lost[0]!.lastError}` : why);
    }, timeoutMs);
    const writes: Promise<void>[] = [];
    for (const [id, b] of l.bytes) writes.push(l.sessions.get(id)!.send([kind === 'announce' ? b.announce : b.withdraw]));
    Promise.all(writes).then(
      () => (sendSeconds = (performance.now() - t0) / 1000),
      (e: Error) => finish(false, e.message),
    );
    // Nothing to wait for if the targets already hold (a scenario without watchers).
    for (const w of watchers) check(w);
  });
}

async function handle(req: Request): Promise<unknown> {
  if (req.cmd === 'setup') {
    lab = startSetup(req);
    let prefixes = 0;
    let updates = 0;
    for (const b of lab.bytes.values()) {
      prefixes += b.prefixes;
      updates += b.updates;
    }
    return { sessions: lab.sessions.size, prefixes, updates };
  }
  if (req.cmd === 'close') {
    if (lab) {
      lab.closing = true;
      lab.dialer.closing = true;
      for (const s of lab.sessions.values()) s.close();
      for (const srv of lab.servers) srv.close();
    }
    setTimeout(() => process.exit(0), 50);
    return {};
  }
  if (!lab) throw new Error(`${req.cmd} before setup`);
  switch (req.cmd) {
    case 'established':
      return established(lab, req.timeoutMs);
    case 'settle':
      return settle(lab, req.quietMs, req.maxMs);
    case 'phase':
      return phase(lab, req.kind, req.timeoutMs);
  }
}

process.on('message', (m: Envelope) => {
  handle(m.req).then(
    (result) => reply({ id: m.id, ok: true, result }),
    (e: Error) => reply({ id: m.id, ok: false, error: e.message }),
  );
});
process.on('disconnect', () => process.exit(0));
