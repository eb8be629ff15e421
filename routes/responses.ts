/** POST /v1/responses: the Responses API for every provider, plain and streamed. */
import type { FastifyInstance } from 'fastify';
import { responsesRequestSchema } from '../src/requests/responses-schema.js';
import { validateBody } from '../src/requests/validate.js';
import { chainFor, resolveModel } from '../src/resolve-model.js';
import { createCallContext } from '../src/request-context.js';
import { runChain } from '../src/upstream/chain.js';
import { callResponses } from '../src/upstream/call-responses.js';
import { applyTransforms } from '../src/stream/frame.js';
import { sendStream } from '../src/stream/send-stream.js';
import type { Json } from '../adapters/types.js';

export default async function responsesRoute(app: FastifyInstance): Promise<void> {
  app.post('/v1/responses', async (request, reply) => {
    const body = validateBody(responsesRequestSchema, request.body) as Json;
    const state = app.relay.state;
    const requested = await resolveModel(state, body.model);
    const ctx = createCallContext(app, request, reply, state);
    const { target, attempts, value } = await runChain(ctx, chainFor(state, requested, request.headers), (t, deadline) => callResponses(ctx, t, body, deadline));
    request.relayInfo = { model: target.ref, provider: target.provider.id, attempts, stream: value.kind === 'stream' };
    if (value.kind === 'json') {
      reply.header('x-lmrelay-model', target.ref).header('x-lmrelay-attempts', String(attempts));
      return reply.type('application/json; charset=utf-8').send(value.text ?? JSON.stringify(value.body));
    }
    await sendStream(ctx, reply, applyTransforms(value.frames, value.transforms), {
      target,
      attempts,
      errorFrame: (err) => ({
        event: 'error',
        data: JSON.stringify({ type: 'error', code: err.code, message: err.message, param: err.param }),
      }),
    });
  });
}
