/**
 * One command in, one framed reply out: the BIRD CLI's dispatcher over a
 * BirdProvider snapshot taken when the command is answered.
 */
import { parseCommand, patternMatches, type BirdCommand, type ProtocolSelector } from './command.js';
import { protocolsReply, type ShownProtocol } from './protocols.js';
import type { BirdProvider, BirdView } from './provider.js';
import { frameReply, ReplyCode, singleReply } from './reply.js';
import { routeReply } from './routes.js';
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

/** Answer a parsed command (every reply ends with its final line). */
export function answerCommand(cmd: BirdCommand, provider: BirdProvider, view: BirdView, now: number): string {
  switch (cmd.kind) {
    case 'error':
      return singleReply(cmd.code, cmd.text);
    case 'status': {
      const { lines, final } = statusReply(provider.status(view), now);
      return frameReply(lines, final);
    }
    case 'protocols': {
      const shown = select(protocolsOf(provider, view), cmd.select);
      if (shown.length === 0) {
        // A name is a symbol of BIRD's config: one that is not a protocol is a type error.
        if (cmd.select.kind === 'symbol') return singleReply(ReplyCode.INVALID_SYMBOL, `${cmd.select.name} is not a protocol`);
        return singleReply(ReplyCode.NO_PROTOCOLS_MATCH, 'No protocols match');
      }
      return frameReply(protocolsReply(shown, cmd.verbose, provider.status(view).bootedAt, now), { code: ReplyCode.OK, text: '' });
    }
    case 'route': {
      const q = cmd.query;
      if (q.protocol !== undefined && !protocolsOf(provider, view).some((x) => x.p.name === q.protocol)) {
        return singleReply(ReplyCode.PARSE_ERROR, `${q.protocol} is not a protocol`);
      }
      const { lines, final } = routeReply(provider.routes(view), q, now, provider.interfaceFor?.bind(provider));
      return frameReply(lines, final);
    }
  }
}

/** Parse and answer one command line; a provider failure becomes BIRD's runtime-error reply, never a thrown error. */
export function answerLine(line: string, provider: BirdProvider, view: BirdView, now = Date.now()): string {
  try {
    return answerCommand(parseCommand(line), provider, view, now);
  } catch (e) {
    return singleReply(ReplyCode.RUNTIME_ERROR, `Internal error: ${e instanceof Error ? e.message : String(e)}`.replaceAll('\n', ' '));
  }
}
