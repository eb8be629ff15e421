/** POST /v1/responses: the Responses API for every provider, plain and streamed. */
import type { FastifyInstance } from 'fastify';
import { responsesRequest } from './request-schema.js';
import { relayHandler } from '../../src/pipeline/relay-route.js';
import { callResponses } from './call.js';
import { failureEvents } from './failure-events.js';
import { storedTurnLoader } from './call-stored.js';

export default async function responsesRoute(app: FastifyInstance): Promise<void> {
  app.post(
    '/v1/responses',
    relayHandler(app, {
      schema: responsesRequest,
      prepare: storedTurnLoader(app),
      // The server that answered the previous response holds the conversation's prompt cache.
      affinity: (turn) => turn?.previous?.provider,
      call: callResponses,
      // Each stream ends its own failure (it knows its sequence and output so far); this is
      // the ending of one that does not.
      errorFrames: (err) => failureEvents(err, {}, { request: {}, model: 'unknown' }, 0),
    }),
  );
}
