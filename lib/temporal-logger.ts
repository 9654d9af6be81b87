/** Routes the Temporal SDK's runtime logs into pino. */
import { DefaultLogger, type LogLevel, type LogMetadata } from '@temporalio/worker';
import type { Logger } from './logger.js';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

export function temporalLogger(logger: Logger): DefaultLogger {
  return new DefaultLogger(
    'INFO',
    ({ level, message, meta }: { level: LogLevel; message: string; meta?: LogMetadata }) => {
      // The workflow bundler reports webpack's whole module listing at INFO: keep it for debugging only.
      const demote = level === 'INFO' && message.startsWith('asset workflow-bundle');
      // The SDK puts a failure under `error`; pino serialises an Error only under `err` (else it logs `{}`).
      const { error, ...rest } = meta ?? {};
      const fields = error instanceof Error ? { ...rest, err: error } : (meta ?? {});
      logger[demote ? 'debug' : LEVELS[level]](fields, message);
    },
  );
}
