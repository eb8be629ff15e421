/** GET /metrics: Prometheus text from the app's own registry. */
import type { FastifyInstance } from 'fastify';

export default async function metricsRoute(app: FastifyInstance): Promise<void> {
  app.get('/metrics', async (_request, reply) => {
    const registry = app.relay.metrics.registry;
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
