/** pino, JSON by default, pretty on request; credentials never reach a log line. */
import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';

/** No wildcard paths: they double the cost of every line, and no log line carries a config object. */
export const REDACT_PATHS = ['req.headers.authorization', 'req.headers["x-api-key"]', 'headers.authorization', 'headers["x-api-key"]', 'apiKey', 'authorization'];

export interface LogOptions {
  level?: string;
  pretty?: boolean;
  destination?: DestinationStream;
}

export function createLogger(options: LogOptions = {}): Logger {
  const base: LoggerOptions = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'lmrelay' },
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, singleLine: true } } });
  // Synchronous writes: one cheap syscall per line, and no line lost when the process dies.
  // (pino's default async destination hands every line to libuv's thread pool: ~10x the CPU.)
  return pino(base, pino.destination({ dest: 1, sync: true }));
}
