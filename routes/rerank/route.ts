/** POST /v1/rerank: validate, walk the chain of rerank models, answer results best first. */
import type { FastifyInstance } from 'fastify';
import { relayHandler } from '../../src/pipeline/relay-route.js';
import { rerankRequest } from './request-schema.js';
import { callRerank } from './call.js';

export default async function rerankRoute(app: FastifyInstance): Promise<void> {
  app.post(
    '/v1/rerank',
    relayHandler(app, {
      schema: rerankRequest,
      kind: 'rerank',
      call: (ctx, target, body, deadline) => callRerank(ctx, target, body, deadline),
      errorFrames: (err) => [{ data: JSON.stringify(err.toJSON()) }],
    }),
  );
}
