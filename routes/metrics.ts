/** GET /metrics: Prometheus text of the app's own metrics. */
import type { FastifyInstance } from 'fastify';

export default async function metricsRoute(app: FastifyInstance): Promise<void> {
  app.get('/metrics', async (_request, reply) => {
    const metrics = app.relay.metrics;
    reply.type(metrics.contentType);
    return metrics.exposition();
  });
}
