/** POST /v1/embeddings: validate, walk the chain of embedding models, answer the upstream's JSON. */
import type { FastifyInstance } from 'fastify';
import { relayHandler } from '../../src/pipeline/relay-route.js';
import { embeddingsRequest } from './request-schema.js';
import { callEmbeddings } from './call.js';

export default async function embeddingsRoute(app: FastifyInstance): Promise<void> {
  app.post(
    '/v1/embeddings',
    relayHandler(app, {
      schema: embeddingsRequest,
      kind: 'embedding',
      call: (ctx, target, body, deadline) => callEmbeddings(ctx, target, body, deadline),
      errorFrames: (err) => [{ data: JSON.stringify(err.toJSON()) }],
    }),
  );
}
