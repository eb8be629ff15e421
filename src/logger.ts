/** pino, JSON by default, pretty on request; credentials never reach a log line. */
import { fstatSync } from 'node:fs';
import { LogBatch } from './log-batch.js';
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
  // Lines are batched (about 4 KiB, or every 200 ms, and at exit): one write per batch instead of
  // one per request. Like Node's own stdout, writes are synchronous to files and terminals (fast,
  // nothing to wait for) and asynchronous to pipes, where a slow reader must not stall requests.
  const batch = new LogBatch();
  return pino(base, batch.to(pino.destination({ dest: 1, sync: !stdoutIsPipe(), minLength: 0 })));
}

function stdoutIsPipe(): boolean {
  try {
    const stat = fstatSync(1);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return true;
  }
}
