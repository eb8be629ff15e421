/** POST /v1/chat/completions: validate, walk the chain, answer JSON or a stream. */
import type { FastifyInstance } from 'fastify';
import { chatRequest } from './request-schema.js';
import { relayHandler } from '../../src/relay-route.js';
import { callChat } from '../../src/upstream/call-chat.js';
import { usageTap } from '../../adapters/stream-usage.js';
import type { ChatRequest } from '../../adapters/types.js';

export default async function chatCompletionsRoute(app: FastifyInstance): Promise<void> {
  app.post(
    '/v1/chat/completions',
    relayHandler(app, {
      schema: chatRequest,
      call: (ctx, target, body, deadline) => callChat(ctx, target, body as ChatRequest, deadline),
      onJson: (ctx, target, _body, answer) => ctx.countUsage(target.provider.id, target.ref, answer.body?.usage),
      // Usage is counted from the chunk lmrelay asked for, then stripped unless the client asked too.
      streamTransforms: (ctx, target, body) => [
        usageTap((usage) => ctx.countUsage(target.provider.id, target.ref, usage), body.stream_options?.include_usage !== true),
      ],
      trailer: 'data: [DONE]\n\n',
      errorFrames: (err) => [{ data: JSON.stringify(err.toJSON()) }],
    }),
  );
}
