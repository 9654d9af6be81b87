/**
 * sip.js's log lines, routed into pino without letting the network write our logs (review
 * F3): sip.js logs a warning for many kinds of junk it receives, quoting what it received
 * (a first line can be almost 64 KB). Each line is cut to {@link MAX_LINE_CHARS}, and at
 * most {@link LINES_PER_INTERVAL} lines per {@link LOG_INTERVAL_MS} pass per user agent
 * (lines below the logger's level are not counted); the first line after a quiet spell says
 * how many were left out.
 */
import type { LogLevel } from 'sip.js';
import type { Logger } from '../../lib/logger.js';

export const MAX_LINE_CHARS = 300;
export const LINES_PER_INTERVAL = 20;
export const LOG_INTERVAL_MS = 10_000;

const LOG_LEVELS: Record<LogLevel, 'debug' | 'info' | 'warn' | 'error'> = {
  debug: 'debug',
  log: 'debug',
  warn: 'warn',
  error: 'error',
};

/** A sip.js `logConnector` writing to `logger` with `bindings`, cut and rate-limited as above. */
export function sipLogConnector(
  logger: Logger | undefined,
  bindings: Record<string, unknown>,
): (level: LogLevel, category: string, label: string | undefined, content: string) => void {
  let windowStart = -Infinity;
  let lines = 0;
  let suppressed = 0;
  return (level, category, _label, content) => {
    if (!logger?.isLevelEnabled(LOG_LEVELS[level])) return;
    const now = performance.now();
    if (now - windowStart >= LOG_INTERVAL_MS) {
      windowStart = now;
      lines = 0;
    }
    if (lines >= LINES_PER_INTERVAL) {
      suppressed += 1;
      return;
    }
    lines += 1;
    const text =
      content.length > MAX_LINE_CHARS ? `${content.slice(0, MAX_LINE_CHARS)}… (${content.length} chars)` : content;
    logger[LOG_LEVELS[level]]({ sip: category, ...bindings, ...(suppressed ? { suppressed } : {}) }, text);
    suppressed = 0;
  };
}
