/**
 * BIRD's CLI reply framing (bird: nest/cli.c, doc/reply_codes): every line
 * starts with a four-digit code; `NNNN-` means more lines follow, `NNNN `
 * (space) ends the reply, and a line that starts with a space continues
 * the previous line's code. Clients (birdc, calicoctl, calico-node) key on
 * exactly this, so the rule lives in one place.
 */

/** The reply codes petrel uses (bird: doc/reply_codes). */
export const ReplyCode = {
  OK: 0,
  WELCOME: 1,
  STATUS_DONE: 13,
  ROUTE_COUNT: 14,
  RESTRICTED: 16,
  GR_STATUS: 24,
  STATUS_VERSION: 1000,
  PROTOCOL: 1002,
  PROTOCOL_DETAILS: 1006,
  ROUTE: 1007,
  ROUTE_TYPE: 1008,
  STATUS_ROUTER_ID: 1011,
  ROUTE_ATTRIBUTES: 1012,
  PROTOCOL_HEADING: 2002,
  NO_PROTOCOLS_MATCH: 8003,
  ACCESS_DENIED: 8007,
  RUNTIME_ERROR: 8008,
  COMMAND_TOO_LONG: 9000,
  PARSE_ERROR: 9001,
  INVALID_SYMBOL: 9002,
} as const;

export interface ReplyLine {
  readonly code: number;
  readonly text: string;
}

const code4 = (c: number): string => String(c).padStart(4, '0');

/**
 * Frames a reply: `lines` are the intermediate lines (shown with `-` or as
 * continuations), `final` ends it. A continuation is used only when the
 * previous line of this reply had the same code, as BIRD's cli_printf does.
 */
export function frameReply(lines: readonly ReplyLine[], final: ReplyLine): string {
  let out = '';
  let last = -1;
  for (const l of lines) {
    out += l.code === last ? ` ${l.text}\n` : `${code4(l.code)}-${l.text}\n`;
    last = l.code;
  }
  return `${out}${code4(final.code)} ${final.text}\n`;
}

/**
 * The same framing for a reply produced piece by piece (large tables are
 * written in chunks): remembers the last code across pieces.
 */
export class ReplyFramer {
  private last = -1;

  line(code: number, text: string): string {
    const out = code === this.last ? ` ${text}\n` : `${code4(code)}-${text}\n`;
    this.last = code;
    return out;
  }

  final(code: number, text: string): string {
    return `${code4(code)} ${text}\n`;
  }
}

/** A one-line reply (errors, counts). */
export function singleReply(code: number, text: string): string {
  return frameReply([], { code, text });
}

/** The greeting BIRD sends when a client connects. */
export function welcome(version: string): string {
  return singleReply(ReplyCode.WELCOME, `BIRD ${version} ready.`);
}

/** One line of a server's reply as a client sees it. */
export type ParsedReplyLine =
  | { readonly kind: 'line'; readonly code: number; readonly text: string; readonly last: boolean }
  | { readonly kind: 'continuation'; readonly text: string }
  | { readonly kind: 'async'; readonly text: string }
  | { readonly kind: 'garbage'; readonly text: string };

/** Classify one line of server output (bird: client/client.c server_got_reply). */
export function parseReplyLine(line: string): ParsedReplyLine {
  if (line.startsWith('+')) return { kind: 'async', text: line.slice(1) };
  if (line.startsWith(' ')) return { kind: 'continuation', text: line.slice(1) };
  if (line.length > 4 && /^\d{4}[ -]/.test(line)) {
    return { kind: 'line', code: Number(line.slice(0, 4)), text: line.slice(5), last: line[4] === ' ' };
  }
  return { kind: 'garbage', text: line };
}
