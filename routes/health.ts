/**
 * GET /healthz: 200 once the server listens. GET /readyz: this instance can serve (config
 * loaded, listening; 503 once it is shutting down), so a load balancer keeps sending requests
 * that lmrelay answers, with an OpenAI-shaped 502 when the upstreams are down. GET /readyz?deep:
 * whether the primary's chain answers, for alerting.
 */
import type { FastifyInstance } from 'fastify';

export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    if (!Object.hasOwn((request.query as object | undefined) ?? {}, 'deep')) return { status: 'ready' };
    const report = app.relay.readiness.report();
    return reply.code(report.ready ? 200 : 503).send({ status: report.ready ? 'ready' : 'not_ready', ...report });
  });
}
