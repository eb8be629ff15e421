/** POST /v1/responses: the Responses API for every provider, plain and streamed. */
import type { FastifyInstance } from 'fastify';
import { responsesRequest } from './request-schema.js';
import { relayHandler } from '../../src/pipeline/relay-route.js';
import { callResponses } from './call.js';

export default async function responsesRoute(app: FastifyInstance): Promise<void> {
  app.post(
    '/v1/responses',
    relayHandler(app, {
      schema: responsesRequest,
      call: callResponses,
      // OpenAI's own ending of a failed stream: an error event, then response.failed. The event
      // also carries `error`, which makes the openai SDK raise instead of ending quietly.
      errorFrames: (err) => [
        { event: 'error', data: JSON.stringify({ type: 'error', code: err.code, message: err.message, param: err.param, error: err.toJSON().error }) },
        {
          event: 'response.failed',
          data: JSON.stringify({ type: 'response.failed', response: { object: 'response', status: 'failed', error: { code: err.code, message: err.message }, output: [] } }),
        },
      ],
    }),
  );
}
