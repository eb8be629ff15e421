/**
 * One Chat Completions call to one target, whatever API that target speaks. The answer is
 * always Chat-shaped: a chat.completion object or chat.completion.chunk frames plus the
 * transforms that still have to run over them.
 */
import type { ModelTarget } from '../catalog.js';
import type { CallContext } from '../context.js';
import type { ChatRequest } from '../../adapters/types.js';
import { shapeChatRequest } from '../../adapters/chat-request.js';
import { separateReasoning, reasoningStream } from '../../adapters/reasoning.js';
import { chatRequestToResponses } from '../../adapters/responses/chat-request-to-responses.js';
import { responseToChatCompletion } from '../../adapters/responses/response-to-chat.js';
import { responsesEventsToChatChunks } from '../../adapters/responses/events-to-chat-stream.js';
import { stripOpenAIOnlyFields } from '../../adapters/proxy-shaping.js';
import type { Frame, FrameTransform } from '../stream/frame.js';
import type { CallDeadline } from './deadline.js';
import { callChatCompletions } from './chat-completions.js';
import { callResponsesApi } from './responses-api.js';

export type ChatAnswer =
  | { kind: 'json'; body: any; text?: string }
  | { kind: 'stream'; frames: AsyncIterable<Frame>; transforms: FrameTransform[] };

export async function callChat(ctx: CallContext, target: ModelTarget, client: ChatRequest, deadline: CallDeadline): Promise<ChatAnswer> {
  const payload = shapeChatRequest(client, { upstreamModel: target.upstreamModel, params: target.settings?.params, compat: target.compat });
  if (target.provider.api === 'openai-responses') return viaResponses(ctx, target, payload, deadline);
  const result = await callChatCompletions(ctx, target, stripOpenAIOnlyFields(payload), deadline);
  if (result.kind === 'json') {
    const changed = separateReasoning(result.body, target.reasoning);
    return changed ? { kind: 'json', body: result.body } : result;
  }
  return { kind: 'stream', frames: result.frames, transforms: [reasoningStream(target.reasoning)] };
}

async function viaResponses(ctx: CallContext, target: ModelTarget, payload: ChatRequest, deadline: CallDeadline): Promise<ChatAnswer> {
  const request = stripOpenAIOnlyFields(chatRequestToResponses(payload));
  const result = await callResponsesApi(ctx, target, request, deadline);
  if (result.kind === 'json') {
    const body = responseToChatCompletion(result.body, target.upstreamModel);
    separateReasoning(body, target.reasoning);
    return { kind: 'json', body };
  }
  return { kind: 'stream', frames: result.frames, transforms: [responsesEventsToChatChunks(target.upstreamModel), reasoningStream(target.reasoning)] };
}
