import { pino, type Logger as Pino } from 'pino';
import type { Logger } from '../lib/logger.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'none';

/**
 * Calico's log severities (logSeverityScreen, BGP_LOGSEVERITYSCREEN, any
 * case: Debug, Info, Warning, Error, Fatal, Panic, None) and pino's own
 * names, as a pino level; null for anything else.
 */
export function parseLogLevel(text: string): LogLevel | null {
  switch (text.trim().toLowerCase()) {
    case 'debug':
    case 'trace':
      return 'debug';
    case 'info':
      return 'info';
    case 'warn':
    case 'warning':
      return 'warn';
    case 'error':
      return 'error';
    // Panic is logrus' level above fatal; pino stops at fatal.
    case 'fatal':
    case 'panic':
      return 'fatal';
    case 'none':
      return 'none';
    default:
      return null;
  }
}

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
