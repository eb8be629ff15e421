/** buildApp(loaded, deps): services first, then hooks and error shape, then routes. Tests build the app through this. */
import Fastify, { LogController, type FastifyInstance, type FastifyError, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import type { LookupFunction } from 'node:net';
import type { LoadedConfig } from './config/load.js';
import { RelayServices, type RelayInfo } from './services.js';
import { RelayError } from '../core/errors.js';
import { createLogger } from './logger.js';
import type { RelayMetrics } from './metrics.js';
import type { Cooldowns } from './upstream/cooldown.js';
import { guardScope } from './guard-scope.js';
import websocket from '@fastify/websocket';
import { answered, isInjected, trackInjected } from './injected-requests.js';
import { handleClientError } from './client-errors.js';
import { drainRequestBody } from './body-drain.js';
import { parseJsonBody } from './requests/parse-json-body.js';
import { lazyChildLogger } from './lazy-logger.js';
import healthRoutes from '../routes/health.js';
import metricsRoute from '../routes/metrics.js';
import statusRoutes, { rootRedirect } from '../routes/status/route.js';
import { v1Surfaces } from '../routes/index.js';
import { startTracing } from './telemetry/start.js';

const NO_INFO: RelayInfo = {};

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The error body in the route's own API's shape, from the error and its scrubbed message;
     * OpenAI's when unset or when it gives undefined (a route that speaks both, by request).
     */
    errorBody?: (err: RelayError, message: string, request: FastifyRequest) => unknown;
  }
}

export interface AppDeps {
  logger?: Logger;
  metrics?: RelayMetrics;
  cooldowns?: Cooldowns;
  /** DNS for upstream connections (tests resolve made-up names without a network). */
  lookup?: LookupFunction;
  redisUrl?: string;
}

export async function buildApp(loaded: LoadedConfig, deps: AppDeps = {}): Promise<FastifyInstance> {
  const server = loaded.config.server;
  const idPrefix = randomBytes(4).toString('hex');
  let counter = 0;
  const requestTimeoutMs = server.requestTimeoutSeconds * 1000;
  const app = Fastify({
    loggerInstance: (deps.logger ?? createLogger()) as FastifyBaseLogger,
    // One line per request is written by lmrelay itself, with model and provider in it.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
    bodyLimit: server.bodyLimitBytes,
    // Slow or stalled uploads: the whole request (headers and body) must arrive in this time.
    requestTimeout: requestTimeoutMs,
    http: {
      // Node checks the deadline only while the headers deadline is no longer than it.
      headersTimeout: Math.min(60_000, requestTimeoutMs),
      // How often Node checks (its default, 30 s, would let a short deadline run long).
      connectionsCheckingInterval: Math.min(5000, Math.max(250, requestTimeoutMs / 4)),
    },
    return503OnClosing: true,
    // On close, idle keep-alive sockets go at once; requests and streams in flight finish.
    forceCloseConnections: 'idle',
    clientErrorHandler: handleClientError,
    // Errors of the router itself (a path such as `/v1/models/%zz`) are OpenAI-shaped too.
    frameworkErrors: answerRouterError,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : `${idPrefix}-${(++counter).toString(36)}`;
    },
  });

  app.decorate('relay', new RelayServices(loaded, { ...deps, logger: deps.logger ?? (app.log as unknown as Logger), redisUrl: deps.redisUrl ?? process.env.REDIS_URL }));
  app.addHook('onClose', async () => app.relay.close());
  // Decided once: with tracing off no hook is added and no request pays anything for it.
  const tracing = await startTracing(loaded.config, process.env);
  if (tracing) {
    const scrub = (text: string) => app.relay.state.loaded.scrubber.scrub(text);
    app.addHook('onRequest', (request, _reply, done) => {
      if (request.routeOptions.url?.startsWith('/v1/')) request.trace = tracing.startRequest(request, scrub);
      done();
    });
    app.addHook('onClose', () => tracing.shutdown());
  }
  app.addHook('onReady', async () => app.relay.start());

  // Before the guarded scopes' hooks, so that requests they answer themselves (401, 429) are counted too.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    reply.raw.on('close', () => logAndCount(request, reply));
    if (isInjected(reply.raw)) trackInjected(request.id, reply.raw);
    done();
  });

  // curl -d sends form-encoded by default: read any body as JSON rather than answer 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, text, done) => {
    try {
      done(null, parseJsonBody(text as string, request.headers['content-type']));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  /**
   * The one owner of the access line and the request count: the response's 'close', which comes
   * once for every request, answered (after 'finish', hijacked streams too) or cut by the client
   * at any point (reading the body, waiting on the upstream, mid-stream), where fastify's
   * onResponse never fires. A response that never finished was cut by the client: status 499.
   */
  function logAndCount(request: FastifyRequest, reply: FastifyReply): void {
    const route = request.routeOptions.url;
    if (!route?.startsWith('/v1/')) return;
    const info = request.relayInfo ?? NO_INFO;
    // An upgraded WebSocket is logged when it closes, as 101; each of its turns has its own line.
    const finished = request.ws || answered(reply.raw);
    const status = request.ws ? 101 : finished ? reply.statusCode : 499;
    const failureKind = finished ? info.failureKind : 'client_abort';
    const ms = reply.elapsedTime;
    app.relay.metrics.countRequest(route, info.model, info.provider ?? '', status, ms / 1000);
    app.relay.status.record(route, info, status, ms, failureKind);
    request.trace?.end(status, info, failureKind);
    // Through the app logger: the request's own child logger is then never made for most requests.
    app.log.info({ reqId: request.id, route, ...info, status, failureKind, durationMs: Math.round(ms) }, 'request completed');
  }

  app.setErrorHandler(async (error: FastifyError | RelayError, request, reply) => {
    const relayError = toRelayError(error);
    // A client still uploading a refused body must be able to read the answer.
    if (relayError.status === 413) await drainRequestBody(request.raw);
    if (relayError.status >= 500 && !(error instanceof RelayError)) request.log.error({ err: error }, 'unexpected error');
    request.relayInfo ??= {};
    if (relayError.retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.ceil(relayError.retryAfterSeconds)));
    const body = relayError.toJSON();
    body.error.message = app.relay.state.loaded.scrubber.scrub(body.error.message);
    const shaped = request.routeOptions.config?.errorBody?.(relayError, body.error.message, request) ?? body;
    return reply.code(relayError.status).type('application/json; charset=utf-8').send(shaped);
  });
  app.setNotFoundHandler((request, reply) => {
    const err = new RelayError(`no route for ${request.method} ${request.url.split('?')[0]}`, { code: 'unknown_url' });
    return reply.code(404).send(err.toJSON());
  });

  // Open: liveness and readiness probes.
  await app.register(healthRoutes);
  // Guarded when the operator asks for it.
  await app.register(async (scope) => {
    guardScope(app, scope, { enabled: () => app.relay.state.config.server.metricsRequireAuth });
    await scope.register(metricsRoute);
  });
  // WebSocket upgrades go through the router like any request (so the guarded scope checks them).
  await app.register(websocket, { options: { maxPayload: server.bodyLimitBytes } });
  // The status page and its feed: the same keys as /metrics, which a browser may give by its login prompt.
  if (loaded.config.diagnostics.statusPage) {
    await app.register(rootRedirect);
    await app.register(async (scope) => {
      guardScope(app, scope, { enabled: () => app.relay.state.config.server.metricsRequireAuth, browserLogin: true });
      await scope.register(statusRoutes);
    });
  }
  // Every /v1 route sits in the guarded scope: keys and limits follow the matched route.
  await app.register(async (v1) => {
    guardScope(app, v1);
    for (const surface of v1Surfaces) await v1.register(surface);
  });
  return app;
}

function answerRouterError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const err = toRelayError(error);
  reply.code(err.status).type('application/json; charset=utf-8').send(err.toJSON());
}

/** Maps Fastify's own errors (bad JSON, size, media type) to OpenAI-shaped ones; hides the rest. */
export function toRelayError(error: unknown): RelayError {
  if (error instanceof RelayError) return error;
  const e = error as FastifyError;
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new RelayError('request body is larger than server.bodyLimitBytes', { code: 'request_too_large' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new RelayError('request body is empty; send a JSON object', { code: 'invalid_json' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new RelayError('unsupported content type; send application/json', { code: 'unsupported_media_type' });
    case 'FST_ERR_BAD_URL':
      return new RelayError('the request path is not valid percent-encoding', { code: 'invalid_request' });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new RelayError('content-length does not match the body', { code: 'invalid_request_body' });
  }
  // Bodies are parsed by lmrelay's own parser (src/requests/parse-json-body.ts), which throws RelayErrors.
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) return new RelayError(e.message ?? 'bad request', { status, code: 'invalid_request' });
  return new RelayError('internal error in lmrelay (see its log)', { code: 'internal_error' });
}
