/** POST /v1/chat/completions: validate, walk the chain, answer JSON or a stream. */
import type { FastifyInstance } from 'fastify';
import { chatRequestSchema } from '../src/requests/chat-schema.js';
import { validateBody } from '../src/requests/validate.js';
import { chainFor, resolveModel } from '../src/resolve-model.js';
import { createCallContext } from '../src/request-context.js';
import { runChain } from '../src/upstream/chain.js';
import { callChat } from '../src/upstream/call-chat.js';
import { applyTransforms } from '../src/stream/frame.js';
import { sendStream } from '../src/stream/send-stream.js';
import { usageTap } from '../adapters/stream-usage.js';
import type { ChatRequest } from '../adapters/types.js';

export default async function chatCompletionsRoute(app: FastifyInstance): Promise<void> {
  app.post('/v1/chat/completions', async (request, reply) => {
    const body = validateBody(chatRequestSchema, request.body) as ChatRequest;
    const state = app.relay.state;
    const requested = await resolveModel(state, body.model);
    const ctx = createCallContext(app, request, reply, state);
    const outcome = await runChain(ctx, chainFor(state, requested, request.headers), (target, deadline) => callChat(ctx, target, body, deadline));
    const { target, attempts, value } = outcome;
    request.relayInfo = { model: target.ref, provider: target.provider.id, attempts, stream: value.kind === 'stream' };
    const countUsage = (usage: unknown) => ctx.countUsage(target.provider.id, target.ref, usage);

    if (value.kind === 'json') {
      countUsage(value.body.usage);
      reply.header('x-lmrelay-model', target.ref).header('x-lmrelay-attempts', String(attempts));
      return reply.type('application/json; charset=utf-8').send(value.text ?? JSON.stringify(value.body));
    }
    const clientWantsUsage = body.stream_options?.include_usage === true;
    const frames = applyTransforms(value.frames, [...value.transforms, usageTap(countUsage, !clientWantsUsage)]);
    await sendStream(ctx, reply, frames, {
      target,
      attempts,
      trailer: 'data: [DONE]\n\n',
      errorFrame: (err) => ({ data: JSON.stringify(err.toJSON()) }),
    });
  });
}
