/**
 * Hot reload: SIGHUP or a change to the config file re-reads it. A valid file replaces the
 * running config atomically (requests in flight finish on the old one; new pools are made and
 * the old ones closed once idle); an invalid one is logged with the same path-named problems as
 * `lmrelay check`, and the running config stays.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ConfigError, loadConfigFile, BUILTIN_SOURCE } from './config/load.js';

export interface ReloadResult {
  ok: boolean;
  problems?: string[];
}

export function reloadConfig(app: FastifyInstance, source: string, logger: Logger): ReloadResult {
  try {
    const loaded = loadConfigFile(source);
    const before = app.relay.state.config.server;
    app.relay.replace(loaded);
    const after = loaded.config.server;
    if (before.host !== after.host || before.port !== after.port) logger.warn('server.host/port changed: they take effect on restart');
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
