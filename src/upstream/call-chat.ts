/**
 * One Chat Completions call to one target, whatever API that target speaks. The answer is
 * always Chat-shaped: a chat.completion object or chat.completion.chunk frames plus the
 * transforms that still have to run over them.
 */
import type { ModelTarget } from '../catalog.js';
import type { CallContext } from '../context.js';
import type { ChatRequest } from '../../adapters/types.js';
import { shapeChatRequest } from '../../adapters/chat-request.js';
import { separateReasoning, reasoningStream, reasoningMayApply } from '../../adapters/reasoning.js';
import type { UntaggedText } from '../../adapters/think-tags.js';
import { chatRequestToResponses } from '../../adapters/responses/chat-request-to-responses.js';
import { responseToChatCompletion } from '../../adapters/responses/response-to-chat.js';
import { responsesEventsToChatChunks } from '../../adapters/responses/events-to-chat-stream.js';
import { stripOpenAIOnlyFields } from '../../adapters/proxy-shaping.js';
import { checkContextWindow } from '../../adapters/context-preflight.js';
import { repairChatCompletion, repairChatStream, repairMayApply, type AnswerOptions } from '../../adapters/chat-answer.js';
import type { Frame, FrameTransform } from '../../core/frame.js';
import type { CallDeadline } from './deadline.js';
import { callChatCompletions } from './chat-completions.js';
import { callResponsesApi } from './responses-api.js';
import { callAnthropicMessages } from './anthropic-messages.js';
import { chatToAnthropic } from '../../adapters/anthropic/request.js';
import { answerToolFor } from '../../adapters/anthropic/response-format.js';
import { anthropicEventsToChatChunks, anthropicToChatCompletion } from '../../adapters/anthropic/response.js';

export type ChatAnswer =
  | { kind: 'json'; body: any; text?: string }
  | { kind: 'stream'; frames: AsyncIterable<Frame[]>; transforms: FrameTransform[] };

const warnedNoTools = new WeakSet<ModelTarget>();

export async function callChat(ctx: CallContext, target: ModelTarget, client: ChatRequest, deadline: CallDeadline): Promise<ChatAnswer> {
  const payload = shapeChatRequest(client, target);
  const window = ctx.contextWindowOf(target);
  checkContextWindow(payload, target.ref, window instanceof Promise ? await window : window, target.contextGuard, ctx.bodyBytes);
  if (target.compat.supportsTools === false && client.tools?.length && !warnedNoTools.has(target)) {
    warnedNoTools.add(target);
    ctx.log.warn({ model: target.ref }, `${target.ref} has compat.supportsTools: false: tools are dropped from its requests`);
  }
  if (target.provider.api === 'openai-responses') return viaResponses(ctx, target, payload, deadline);
  if (target.provider.api === 'anthropic-messages') return viaAnthropic(ctx, target, payload, deadline);
  const result = await callChatCompletions(ctx, target, target.provider.nativeOpenAI ? payload : stripOpenAIOnlyFields(payload), deadline);
  if (result.kind === 'json') {
    // Most answers need no repair: they go out as the upstream wrote them, never parsed.
    if (!reasoningMayApply(result, target.reasoning) && !repairMayApply(result, (payload.tools?.length ?? 0) > 0)) return result;
    const separated = separateReasoning(result.body, target.reasoning, target.compat.thinkOpenedByTemplate ? 'reasoning' : 'decide');
    const repaired = repairChatCompletion(result.body, payload, answerOptions(ctx, target));
    return separated || repaired ? { kind: 'json', body: result.body } : result;
  }
  return { kind: 'stream', frames: result.frames, transforms: [reasoningStream(target.reasoning, untaggedText(target)), repairChatStream(payload, answerOptions(ctx, target))] };
}

/** In a stream, text that does not open with `<think>` is the answer unless the template opened the tag. */
function untaggedText(target: ModelTarget): UntaggedText {
  return target.compat.thinkOpenedByTemplate ? 'reasoning' : 'answer';
}

function answerOptions(ctx: CallContext, target: ModelTarget): AnswerOptions {
  const about = { runId: ctx.id, provider: target.provider.id, model: target.ref };
  return {
    bracketToolCalls: target.compat.bracketToolCalls !== false,
    onLookAlike: (found) =>
      ctx.log.warn({ ...about, pattern: found.pattern, tool: found.tool }, 'reply text looks like a tool call but the provider sent no structured call; left as text'),
    onDroppedBlock: (name) => ctx.log.warn({ ...about, tool: name }, 'removed a bracketed tool block that names no tool of the request'),
  };
}

async function viaAnthropic(ctx: CallContext, target: ModelTarget, payload: ChatRequest, deadline: CallDeadline): Promise<ChatAnswer> {
  const answerTool = answerToolFor(payload);
  const request = chatToAnthropic(payload, { upstreamModel: target.upstreamModel, maxTokens: target.model?.maxTokens, reasoning: target.reasoning, answerTool });
  const result = await callAnthropicMessages(ctx, target, request, deadline);
  if (result.kind === 'json') return { kind: 'json', body: anthropicToChatCompletion(result.body, answerTool?.name) };
  return { kind: 'stream', frames: result.frames, transforms: [anthropicEventsToChatChunks(target.upstreamModel, answerTool?.name)] };
}

async function viaResponses(ctx: CallContext, target: ModelTarget, payload: ChatRequest, deadline: CallDeadline): Promise<ChatAnswer> {
  const raw = chatRequestToResponses(payload);
  const request = target.provider.nativeOpenAI ? raw : stripOpenAIOnlyFields(raw);
  const result = await callResponsesApi(ctx, target, request, deadline);
  if (result.kind === 'json') {
    const body = responseToChatCompletion(result.body, target.upstreamModel);
    separateReasoning(body, target.reasoning, target.compat.thinkOpenedByTemplate ? 'reasoning' : 'decide');
    return { kind: 'json', body };
  }
  return { kind: 'stream', frames: result.frames, transforms: [responsesEventsToChatChunks(target.upstreamModel), reasoningStream(target.reasoning, untaggedText(target))] };
}
