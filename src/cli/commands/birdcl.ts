/**
 * `petrel birdcl`: a birdcl-compatible client of BIRD's control socket
 * (petrel's or a real BIRD's). With a command it runs just that command;
 * without one it reads commands from stdin, printing "bird> " prompts and,
 * when stdin is not a terminal, echoing each command, as BIRD 1.6's
 * birdcl does. Output drops the reply codes (-v keeps them). calico-node's
 * liveness check runs `birdcl -s /var/run/calico/bird.ctl show status`.
 *
 * This file also runs on its own (`node dist/cli/commands/birdcl.js ...`):
 * it loads only the BIRD client, starting in tens of milliseconds where the
 * whole petrel command needs more than a second, which matters to a probe
 * with a 10 s timeout on a busy node.
 */
import { realpathSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BirdClient, BirdConnectError, expandCommand, printedReply } from '../../api/bird/index.js';

const DEFAULT_SOCKET = '/var/run/calico/bird.ctl';

/** What the client does with one line the user typed: nothing, print something, leave, or ask the server. */
type Step = { kind: 'send'; text: string } | { kind: 'print'; text: string } | { kind: 'quit' } | { kind: 'skip' };

function step(input: string): Step {
  if (input.trim() === '') return { kind: 'skip' };
  if (/\?\s*$/.test(input)) return { kind: 'print', text: 'Context sensitive help is not available in petrel birdcl.\n' };
  const e = expandCommand(input);
  if (e.kind === 'error') return { kind: 'print', text: `${e.message}\n` };
  // birdc's own commands, never sent to the server.
  if (/^(exit|quit)\b/.test(e.text)) return { kind: 'quit' };
  if (/^help\b/.test(e.text)) return { kind: 'print', text: "Press `?' for context sensitive help.\n" };
  return { kind: 'send', text: e.text };
}

export async function runBirdcl(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      socket: { type: 'string', short: 's', default: DEFAULT_SOCKET },
      verbose: { type: 'boolean', short: 'v', default: false },
      restricted: { type: 'boolean', short: 'r', default: false },
      // BIRD's -l: the socket in the current directory.
      local: { type: 'boolean', short: 'l', default: false },
    },
  });
  const path = values.local ? 'bird.ctl' : values.socket;
  const out = (s: string) => process.stdout.write(s);
  let client: BirdClient;
  try {
    const c = await BirdClient.connect(path, 30_000);
    client = c.client;
    out(printedReply(c.greeting.lines, values.verbose));
  } catch (e) {
    process.stderr.write(`${e instanceof BirdConnectError ? e.message : `Unable to connect to server control socket (${path}): ${String(e)}`}\n`);
    return 1;
  }
  /** Run one line; false once the client should exit. */
  const run = async (input: string): Promise<boolean> => {
    const s = step(input);
    switch (s.kind) {
      case 'skip':
        return true;
      case 'print':
        out(s.text);
        return true;
      case 'quit':
        return false;
      case 'send':
        out(printedReply((await client.command(s.text)).lines, values.verbose));
        return true;
    }
  };
  try {
    if (values.restricted) await run('restrict');
    if (positionals.length > 0) {
      await run(positionals.join(' '));
      return 0;
    }
    const interactive = process.stdin.isTTY === true;
    const lines = createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();
    for (;;) {
      out('bird> ');
      const next = await lines.next();
      if (next.done) {
        out('\n');
        return 0;
      }
      if (!interactive) out(`${next.value}\n`);
      if (!(await run(next.value))) return 0;
    }
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    client.close();
  }
}

/** Whether this module is the process's entry point (run directly, not imported by the petrel command). */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  runBirdcl(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
