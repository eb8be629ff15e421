/** POST /v1/responses/compact: a conversation compacted into its user messages and one sealed summary. */
import type { FastifyInstance } from 'fastify';
import { compactRequest } from './request-schema.js';
import { relayHandler } from '../../src/pipeline/relay-route.js';
import { callCompact } from './call.js';
import { storedTurnLoader } from '../responses/call-stored.js';

export default async function responsesCompactRoute(app: FastifyInstance): Promise<void> {
  app.post(
    '/v1/responses/compact',
    relayHandler(app, {
      schema: compactRequest,
      // previous_response_id: the stored conversation is what gets compacted.
      prepare: storedTurnLoader(app),
      affinity: (turn) => turn?.previous?.provider,
      call: callCompact,
      // Never a stream: a compaction is one JSON object.
      errorFrames: (err) => [{ data: JSON.stringify(err.toJSON()) }],
    }),
  );
}
