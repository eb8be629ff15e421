/**
 * POST /v1/messages/count_tokens: the model server's own count where it has one (see
 * ./call-count-tokens.ts), else lmrelay's estimate (characters / 4), which the
 * `x-lmrelay-token-count` header names: `upstream` or `estimate`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { validateBody } from '../../src/requests/validate.js';
import { discoverModel, knownModel } from '../../src/pipeline/resolve-model.js';
import { createCallContext } from '../../src/request-context.js';
import { headerValue } from '../../src/header-value.js';
import { estimatePromptTokens } from '../../adapters/context-preflight.js';
import type { Json } from '../../adapters/types.js';
import { countTokensRequest } from './request-schema.js';
import { messagesToChat } from './request-to-chat.js';
import { upstreamTokenCount } from './call-count-tokens.js';

export function countTokensHandler(app: FastifyInstance) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const body = validateBody(countTokensRequest, request.body) as Json;
    const info = (request.relayInfo = { model: body.model as string | undefined, provider: undefined as string | undefined });
    const state = app.relay.state;
    const ctx = createCallContext(app, request, reply, state);
    const target = knownModel(state, body.model) ?? (await discoverModel(state, body.model));
    info.model = target.ref;
    info.provider = target.provider.id;
    const chat = messagesToChat(body, { reasoning: target.reasoning });
    const counted = await upstreamTokenCount(ctx, target, { messages: body, chat, clientHeaders: request.headers });
    reply.header('x-lmrelay-model', headerValue(target.ref)).header('x-lmrelay-token-count', counted === undefined ? 'estimate' : 'upstream');
    return { input_tokens: counted ?? estimatePromptTokens(chat) };
  };
}
