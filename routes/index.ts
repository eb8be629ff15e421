/**
 * The inbound APIs (surfaces) served under /v1, inside the scope that owns keys and limits.
 * Each is a folder: `route.ts` (the Fastify plugin: its request schema, and how its answers and
 * errors are framed: JSON, SSE frames and trailer, error frames), `request-schema.ts`, and the
 * converters between its API and Chat Completions, the pipeline's canonical form.
 *
 * Adding a surface: a folder `routes/<surface>/` with its
 * route plugin (on `relayHandler` of the shared pipeline for a model call), and one line here.
 */
import type { FastifyPluginAsync } from 'fastify';
import modelsRoute from './models/route.js';
import chatCompletionsRoute from './chat-completions/route.js';
import responsesRoute from './responses/route.js';
import responsesWebSocketRoute from './responses/route-websocket.js';
import responsesCompactRoute from './responses-compact/route.js';
import storedResponsesRoute from './responses/route-stored.js';
import embeddingsRoute from './embeddings/route.js';
import messagesRoute from './messages/route.js';
import completionsRoute from './completions/route.js';
import rerankRoute from './rerank/route.js';

export const v1Surfaces: readonly FastifyPluginAsync[] = [
  modelsRoute,
  chatCompletionsRoute,
  responsesRoute,
  responsesWebSocketRoute,
  storedResponsesRoute,
  responsesCompactRoute,
  embeddingsRoute,
  messagesRoute,
  completionsRoute,
  rerankRoute,
];
