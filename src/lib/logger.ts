/**
 * The logging port every module writes to; the daemon plugs pino in. Fields
 * first, message second, as pino takes them.
 */
export interface Logger {
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Discards everything: for tests and library use. */
export const nullLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return nullLogger;
  },
};

/** Keeps every line in memory, for tests that assert on logging. */
export class MemoryLogger implements Logger {
  constructor(
    readonly lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [],
    private readonly base: Record<string, unknown> = {},
  ) {}
  private add(level: string, fields: Record<string, unknown>, msg: string) {
    this.lines.push({ level, fields: { ...this.base, ...fields }, msg });
  }
  debug(f: Record<string, unknown>, m: string) {
    this.add('debug', f, m);
  }
  info(f: Record<string, unknown>, m: string) {
    this.add('info', f, m);
  }
  warn(f: Record<string, unknown>, m: string) {
    this.add('warn', f, m);
  }
  error(f: Record<string, unknown>, m: string) {
    this.add('error', f, m);
  }
  child(f: Record<string, unknown>): Logger {
    return new MemoryLogger(this.lines, { ...this.base, ...f });
  }
}
