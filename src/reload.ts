/**
 * Hot reload: SIGHUP or a change to the config file re-reads it. A valid file replaces the
 * running config atomically (requests in flight finish on the old one; new pools are made and
 * the old ones closed once idle); an invalid one is logged with the same path-named problems as
 * `lmrelay check`, and the running config stays. A changed setting that only a restart applies
 * is said, one line each.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ConfigError, loadConfigFile, BUILTIN_SOURCE } from './config/load.js';
import type { Config } from './config/schema.js';

/**
 * Settings read once, when the server starts: the listening socket, Fastify's body limit, Node's
 * request deadline, the readiness probe's timer, the Redis connection, the response store. `secret`: the value is not
 * logged (a Redis URL may hold a password).
 */
export const RESTART_SETTINGS: ReadonlyArray<{ path: string; of: (config: Config) => unknown; secret?: boolean }> = [
  { path: 'server.host', of: (c) => c.server.host },
  { path: 'server.port', of: (c) => c.server.port },
  { path: 'server.bodyLimitBytes', of: (c) => c.server.bodyLimitBytes },
  { path: 'server.requestTimeoutSeconds', of: (c) => c.server.requestTimeoutSeconds },
  { path: 'server.readinessProbeSeconds', of: (c) => c.server.readinessProbeSeconds },
  { path: 'state.redis', of: (c) => c.state.redis, secret: true },
  { path: 'state.responses', of: (c) => c.state.responses },
  { path: 'diagnostics.otel', of: (c) => c.diagnostics.otel, secret: true },
  { path: 'diagnostics.statusPage', of: (c) => c.diagnostics.statusPage },
];

/** One line per restart-only setting that differs from what the server started with. */
export function restartOnlyChanges(started: Config, next: Config): Array<{ setting: string; message: string }> {
  return RESTART_SETTINGS.filter((s) => !isDeepStrictEqual(s.of(started), s.of(next))).map((s) => ({
    setting: s.path,
    message: `${s.path} changed${s.secret ? '' : ` (${JSON.stringify(s.of(started))} -> ${JSON.stringify(s.of(next))})`}: it takes effect on restart; the rest of the config is applied`,
  }));
}

export interface ReloadResult {
  ok: boolean;
  problems?: string[];
}

export function reloadConfig(app: FastifyInstance, source: string, logger: Logger): ReloadResult {
  try {
    const loaded = loadConfigFile(source);
    app.relay.replace(loaded);
    for (const { setting, message } of restartOnlyChanges(app.relay.startedWith, loaded.config)) logger.warn({ setting }, message);
    for (const warning of [...loaded.catalog.warnings, ...loaded.catalog.errors, ...loaded.security.warnings]) logger.warn(warning);
    logger.info({ config: source, models: loaded.catalog.list().length }, 'config reloaded');
    return { ok: true };
  } catch (err) {
    const problems = err instanceof ConfigError ? err.problems : [String((err as Error)?.message ?? err)];
    logger.error({ config: source, problems }, 'config reload rejected; the running config stays');
    return { ok: false, problems };
  }
}

/** Watches the file's folder (editors replace files by rename) and SIGHUP. Returns a stop function. */
export function watchConfig(app: FastifyInstance, source: string, logger: Logger, debounceMs = 150): () => void {
  const onHup = () => reloadConfig(app, source, logger);
  process.on('SIGHUP', onHup);
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (source !== BUILTIN_SOURCE) {
    const name = basename(source);
    try {
      watcher = watch(dirname(source), (_event, file) => {
        if (file && file.toString() !== name) return;
        clearTimeout(timer);
        timer = setTimeout(() => reloadConfig(app, source, logger), debounceMs);
      });
      watcher.on('error', (err) => logger.warn({ err }, 'config watch stopped'));
    } catch (err) {
      logger.warn({ err }, 'cannot watch the config file; SIGHUP still reloads it');
    }
  }
  return () => {
    process.off('SIGHUP', onHup);
    clearTimeout(timer);
    watcher?.close();
  };
}
