/** GET /healthz: 200 once the server listens. GET /metrics: Prometheus text. */
import type { FastifyInstance } from 'fastify';

export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const report = app.relay.readiness.report();
    return reply.code(report.ready ? 200 : 503).send({ status: report.ready ? 'ready' : 'not_ready', ...report });
  });
  app.get('/metrics', async (_request, reply) => {
    const registry = app.relay.metrics.registry;
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
