import { pino, type Logger as Pino } from 'pino';
import type { Logger } from '../lib/logger.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'none';

function wrap(p: Pino): Logger {
  return {
    debug: (f, m) => p.debug(f, m),
    info: (f, m) => p.info(f, m),
    warn: (f, m) => p.warn(f, m),
    error: (f, m) => p.error(f, m),
    child: (f) => wrap(p.child(f)),
  };
}

/** Structured JSON logs on stdout; 'none' silences everything (Calico's logSeverityScreen none). */
export function createLogger(level: LogLevel, fields: Record<string, unknown> = {}): Logger {
  return wrap(pino({ level: level === 'none' ? 'silent' : level, base: { ...fields }, timestamp: pino.stdTimeFunctions.isoTime }));
}
