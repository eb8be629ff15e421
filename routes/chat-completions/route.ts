/** POST /v1/chat/completions: validate, walk the chain, answer JSON or a stream. */
import type { FastifyInstance } from 'fastify';
import { chatRequest } from './request-schema.js';
import { relayHandler } from '../../src/pipeline/relay-route.js';
import { callChat } from '../../src/pipeline/call-chat.js';
import type { ChatRequest } from '../../adapters/types.js';

export default async function chatCompletionsRoute(app: FastifyInstance): Promise<void> {
  app.post(
    '/v1/chat/completions',
    relayHandler(app, {
      schema: chatRequest,
      call: (ctx, target, body, deadline) => callChat(ctx, target, body as ChatRequest, deadline),
      // lmrelay asks for the usage chunk to count tokens; the client gets it only if it asked too.
      usageChunkWanted: (body) => body.stream_options?.include_usage === true,
      trailer: 'data: [DONE]\n\n',
      errorFrames: (err) => [{ data: JSON.stringify(err.toJSON()) }],
    }),
  );
}
