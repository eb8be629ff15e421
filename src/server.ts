/** listen, signals, graceful close: nothing else. */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { loadConfigFile, type LoadedConfig } from './config/load.js';
import { isLoopbackHost } from './net/hosts.js';
import { watchConfig } from './reload.js';
import { noModelsWarning } from './model-servers.js';
import { auditInboundKeys } from './security/audit.js';

/**
 * Connections the kernel holds for lmrelay until it accepts them. Node's default, 511, overflows
 * when thousands of clients open streams at once, and each dropped connection comes back only
 * after a SYN retry (a second or more). The kernel caps it at net.core.somaxconn.
 */
export const LISTEN_BACKLOG = 4096;

export interface StartOptions {
  configSource: string;
  host?: string;
  port?: number;
  logger: Logger;
}

export async function startServer(opts: StartOptions): Promise<FastifyInstance> {
  const loaded = loadConfigFile(opts.configSource);
  const host = opts.host ?? loaded.config.server.host;
  const port = opts.port ?? loaded.config.server.port;
  // Inbound keys are judged for the address really used (--host may override the file).
  const inbound = auditInboundKeys(loaded.config, host, loaded.envRefs);
  if (inbound.errors.length) throw new Error(`refusing to start: ${inbound.errors.join('; ')}`);
  const app = await buildApp(loaded, { logger: opts.logger });
  warnIfExposed(loaded, host, opts.logger);
  for (const warning of loaded.catalog.warnings) opts.logger.warn(warning);
  // The exposure and inbound-key findings are said here for the address really used.
  const forFileHost = (w: string) => w.startsWith('server.host:') || w.startsWith('server.apiKeys');
  for (const warning of [...loaded.security.warnings.filter((w) => !forFileHost(w)), ...inbound.warnings]) opts.logger.warn(warning);
  for (const error of loaded.catalog.errors) opts.logger.error(error);
  for (const error of loaded.security.errors.filter((e) => !forFileHost(e))) opts.logger.error(`${error} (its requests will be refused)`);
  await app.listen({ host, port, backlog: LISTEN_BACKLOG });
  const address = app.server.address();
  const shown = typeof address === 'object' && address ? `http://${host.includes(':') ? `[${host}]` : host}:${address.port}` : String(address);
  opts.logger.info({ address: shown, config: loaded.source, models: loaded.catalog.list().length }, `lmrelay listening on ${shown}`);
  void noModelsWarning(app.relay.state).then((warning) => warning && opts.logger.warn(warning));
  const stopWatching = watchConfig(app, opts.configSource, opts.logger);
  installSignals(app, opts.logger, stopWatching);
  return app;
}

function warnIfExposed(loaded: LoadedConfig, host: string, logger: Logger): void {
  if (!isLoopbackHost(host) && !loaded.config.server.apiKeys?.length) {
    logger.warn({ host }, 'lmrelay listens beyond loopback with no server.apiKeys: anyone who can reach it can use your models and keys');
  }
}

function installSignals(app: FastifyInstance, logger: Logger, beforeClose: () => void): void {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    const graceMs = app.relay.state.config.server.shutdownGraceSeconds * 1000;
    logger.info({ signal, graceMs }, 'shutting down: finishing in-flight requests');
    beforeClose();
    const timer = setTimeout(() => {
      logger.warn('grace period over: closing remaining connections');
      app.server.closeAllConnections();
    }, graceMs);
    timer.unref();
    app.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
