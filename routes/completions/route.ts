/** POST /v1/completions: legacy text completions (editor autocomplete, fill-in-the-middle), plain or streamed. */
import type { FastifyInstance } from 'fastify';
import { relayHandler } from '../../src/pipeline/relay-route.js';
import { completionsRequest } from './request-schema.js';
import { callCompletions } from './call.js';

export default async function completionsRoute(app: FastifyInstance): Promise<void> {
  app.post(
    '/v1/completions',
    relayHandler(app, {
      schema: completionsRequest,
      call: (ctx, target, body, deadline) => callCompletions(ctx, target, body, deadline),
      usageChunkWanted: (body) => body.stream_options?.include_usage === true,
      trailer: 'data: [DONE]\n\n',
      errorFrames: (err) => [{ data: JSON.stringify(err.toJSON()) }],
    }),
  );
}
