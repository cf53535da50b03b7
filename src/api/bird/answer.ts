/**
 * One command in, one framed reply out: the BIRD CLI's dispatcher over a
 * BirdProvider snapshot taken when the command is answered.
 */
import { parseCommand, patternMatches, type BirdCommand, type ProtocolSelector } from './command.js';
import { protocolsReply, type ShownProtocol } from './protocols.js';
import type { BirdProvider, BirdView } from './provider.js';
import { frameReply, ReplyCode, singleReply } from './reply.js';
import { routeReplyChunks } from './routes.js';
import { statusReply } from './status.js';

function protocolsOf(provider: BirdProvider, view: BirdView): ShownProtocol[] {
  return [
    ...provider.localProtocols(view).map((p): ShownProtocol => ({ kind: 'local', p })),
    ...provider.peers(view).map((p): ShownProtocol => ({ kind: 'bgp', p })),
  ];
}

function select(all: readonly ShownProtocol[], s: ProtocolSelector): ShownProtocol[] {
  switch (s.kind) {
    case 'all':
      return [...all];
    case 'symbol':
      return all.filter((x) => x.p.name === s.name);
    case 'pattern':
      return all.filter((x) => patternMatches(s.pattern, x.p.name));
  }
}

/**
 * Answer a parsed command in framed pieces (only route tables come in more
 * than one); the last piece ends with the reply's final line. The data is
 * read from the provider when the first piece is asked for.
 */
export function* answerCommand(cmd: BirdCommand, provider: BirdProvider, view: BirdView, now: number): Generator<string> {
  switch (cmd.kind) {
    case 'error':
      yield singleReply(cmd.code, cmd.text);
      return;
    case 'status': {
      const { lines, final } = statusReply(provider.status(view), now);
      yield frameReply(lines, final);
      return;
    }
    case 'protocols': {
      const shown = select(protocolsOf(provider, view), cmd.select);
      if (shown.length === 0) {
        // A name is a symbol of BIRD's config: one that is not a protocol is a type error.
        if (cmd.select.kind === 'symbol') yield singleReply(ReplyCode.INVALID_SYMBOL, `${cmd.select.name} is not a protocol`);
        else yield singleReply(ReplyCode.NO_PROTOCOLS_MATCH, 'No protocols match');
        return;
      }
      yield frameReply(protocolsReply(shown, cmd.verbose, provider.status(view).bootedAt, now), { code: ReplyCode.OK, text: '' });
      return;
    }
    case 'route': {
      const q = cmd.query;
      if (q.protocol !== undefined && !protocolsOf(provider, view).some((x) => x.p.name === q.protocol)) {
        yield singleReply(ReplyCode.PARSE_ERROR, `${q.protocol} is not a protocol`);
        return;
      }
      yield* routeReplyChunks(provider.routes(view), q, now, provider.interfaceFor?.bind(provider));
      return;
    }
  }
}

const runtimeError = (e: unknown) => singleReply(ReplyCode.RUNTIME_ERROR, `Internal error: ${e instanceof Error ? e.message : String(e)}`.replaceAll('\n', ' '));

/**
 * Parse and answer one command line, piece by piece. A provider failure
 * becomes BIRD's runtime-error line, which also ends a reply cut short;
 * never a thrown error.
 */
export function* answerParts(line: string, provider: BirdProvider, view: BirdView, now = Date.now()): Generator<string> {
  try {
    yield* answerCommand(parseCommand(line), provider, view, now);
  } catch (e) {
    yield runtimeError(e);
  }
}

/** The whole reply to one command line. */
export function answerLine(line: string, provider: BirdProvider, view: BirdView, now = Date.now()): string {
  let out = '';
  for (const part of answerParts(line, provider, view, now)) out += part;
  return out;
}
