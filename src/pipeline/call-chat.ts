/**
 * One Chat Completions call to one target, whatever API that target speaks. The request is
 * shaped for the model, sent in the target's dialect, and its answer comes back Chat-shaped: a
 * chat.completion, or frames plus the transforms that make them chat.completion.chunks and
 * repair them. What differs between APIs is the dialect's (provider.dialect, set at load).
 */
import type { ModelTarget } from '../catalog.js';
import type { CallContext } from '../context.js';
import type { ChatRequest } from '../../adapters/types.js';
import type { FrameTransform } from '../../core/frame.js';
import type { ChatExchange } from '../../dialects/types.js';
import { shapeChatRequest } from '../../adapters/chat-request.js';
import { separateReasoning, reasoningStream, reasoningMayApply } from '../../adapters/reasoning.js';
import type { UntaggedText } from '../../adapters/think-tags.js';
import type { LookAlike } from '../../adapters/lookalike-tools.js';
import { stripOpenAIOnlyFields } from '../../adapters/proxy-shaping.js';
import { checkContextWindow } from '../../adapters/context-preflight.js';
import { repairChatCompletion, repairChatStream, repairMayApply, type AnswerOptions } from '../../adapters/chat-answer.js';
import type { CallDeadline } from '../upstream/deadline.js';
import { callUpstream, type TransportResult } from '../upstream/transport.js';
import type { RelayAnswer } from './answer.js';

const warnedNoTools = new WeakSet<ModelTarget>();

export async function callChat(ctx: CallContext, target: ModelTarget, client: ChatRequest, deadline: CallDeadline): Promise<RelayAnswer> {
  const payload = shapeChatRequest(client, target);
  const known = ctx.servedModelOf(target);
  const served = known instanceof Promise ? await known : known;
  checkContextWindow(payload, target.ref, served.contextWindow, target.contextGuard, ctx.bodyBytes);
  if (target.compat.supportsTools === false && client.tools?.length && !warnedNoTools.has(target)) {
    warnedNoTools.add(target);
    ctx.log.warn({ model: target.ref }, `${target.ref} has compat.supportsTools: false: tools are dropped from its requests`);
  }
  const { dialect, nativeOpenAI } = target.provider;
  const exchange = dialect.fromChat?.(payload, target, served);
  const request = exchange ? exchange.request : payload;
  const sent = dialect.forwardsUnknownFields && !nativeOpenAI ? stripOpenAIOnlyFields(request) : request;
  const result = await callUpstream(ctx, target, dialect.transport, sent, payload.stream === true, deadline);
  if (result.kind === 'json') return chatJson(ctx, target, payload, result, exchange);
  return { kind: 'stream', frames: result.frames, transforms: chatTransforms(ctx, target, payload, exchange) };
}

function chatJson(ctx: CallContext, target: ModelTarget, payload: ChatRequest, result: TransportResult & { kind: 'json' }, exchange: ChatExchange | undefined): RelayAnswer {
  const { repairs } = target.provider.dialect;
  if (!exchange) {
    // Most Chat answers need no repair: they go out as the upstream wrote them, never re-serialised.
    const mayNeed = (repairs.reasoning && reasoningMayApply(result.text, target.reasoning)) || (repairs.toolText && repairMayApply(result.text, (payload.tools?.length ?? 0) > 0));
    if (!mayNeed) return result;
  }
  const body = exchange ? exchange.toChatCompletion(result.body) : result.body;
  const separated = repairs.reasoning && separateReasoning(body, target.reasoning, target.compat.thinkOpenedByTemplate ? 'reasoning' : 'decide');
  const repaired = repairs.toolText && repairChatCompletion(body, payload, answerOptions(ctx, target));
  return exchange || separated || repaired ? { kind: 'json', body } : result;
}

/** The dialect's frames -> chat chunks, then the repairs its answers may need, in that order. */
function chatTransforms(ctx: CallContext, target: ModelTarget, payload: ChatRequest, exchange: ChatExchange | undefined): FrameTransform[] {
  const { repairs } = target.provider.dialect;
  const transforms: FrameTransform[] = [];
  if (exchange) transforms.push(exchange.toChatChunks());
  if (repairs.reasoning) transforms.push(reasoningStream(target.reasoning, untaggedText(target)));
  if (repairs.toolText) transforms.push(repairChatStream(payload, answerOptions(ctx, target)));
  return transforms;
}

/** In a stream, text that does not open with `<think>` is the answer unless the template opened the tag. */
function untaggedText(target: ModelTarget): UntaggedText {
  return target.compat.thinkOpenedByTemplate ? 'reasoning' : 'answer';
}

/** The repairs' options and warnings: methods on one object, not closures made for every answer. */
class AnswerWarnings implements AnswerOptions {
  readonly bracketToolCalls: boolean;

  constructor(
    private readonly ctx: CallContext,
    private readonly target: ModelTarget,
  ) {
    this.bracketToolCalls = target.compat.bracketToolCalls !== false;
  }

  private get about() {
    return { runId: this.ctx.id, provider: this.target.provider.id, model: this.target.ref };
  }

  onLookAlike(found: LookAlike): void {
    this.ctx.log.warn({ ...this.about, pattern: found.pattern, tool: found.tool }, 'reply text looks like a tool call but the provider sent no structured call; left as text');
  }

  onDroppedBlock(name: string): void {
    this.ctx.log.warn({ ...this.about, tool: name }, 'removed a bracketed tool block that names no tool of the request');
  }
}

function answerOptions(ctx: CallContext, target: ModelTarget): AnswerOptions {
  return new AnswerWarnings(ctx, target);
}
