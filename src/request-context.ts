/** Builds the CallContext of one request: its abort signal follows the client's connection. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CallContext } from './context.js';
import type { RelayState } from './relay-state.js';
import { clientAbort } from './upstream/deadline.js';
import { ClientAbort } from './upstream/client-abort.js';

export function createCallContext(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, state: RelayState): CallContext {
  const controller = new ClientAbort();
  const res = reply.raw;
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(clientAbort());
  });
  return {
    id: String(request.id),
    route: request.routeOptions.url ?? request.url,
    signal: controller,
    log: request.log,
    metrics: app.relay.metrics,
    cooldowns: app.relay.cooldowns,
    pools: state.pools,
    startedAt: performance.now() - reply.elapsedTime,
    scrub: (text) => state.loaded.scrubber.scrub(text),
    onSuccess: (id) => app.relay.readiness.markOk(id),
    countUsage: (providerId, ref, usage) => {
      app.relay.metrics.countUsage(providerId, ref, usage);
      const key = request.rateKey;
      if (key && usage && typeof usage === 'object') {
        const u = usage as Record<string, number>;
        app.relay.limiter.addTokens(key, u.total_tokens ?? (u.prompt_tokens ?? u.input_tokens ?? 0) + (u.completion_tokens ?? u.output_tokens ?? 0));
      }
    },
    bodyBytes: Number(request.headers['content-length']) || undefined,
  };
}
