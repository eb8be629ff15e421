/**
 * Anthropic's Messages API for clients (Claude Code, the Anthropic SDKs): POST /v1/messages,
 * plain and streamed, over every upstream dialect, and POST /v1/messages/count_tokens. Errors,
 * including the guard's 401 and 429, are framed in Anthropic's shape.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RelayError } from '../../core/errors.js';
import { relayHandler } from '../../src/pipeline/relay-route.js';
import { messagesRequest } from './request-schema.js';
import { callMessages } from './call.js';
import { anthropicErrorBody, anthropicErrorFrames } from './errors.js';
import { countTokensHandler } from './route-count-tokens.js';

export default async function messagesRoute(app: FastifyInstance): Promise<void> {
  const config = { errorBody: (err: RelayError, message: string, request: FastifyRequest) => anthropicErrorBody(err, message, String(request.id)) };
  app.post('/v1/messages', { config }, relayHandler(app, { schema: messagesRequest, call: callMessages, errorFrames: anthropicErrorFrames }));
  app.post('/v1/messages/count_tokens', { config }, countTokensHandler(app));
}
