/**
 * One Responses API call to one target: passed through (shaped) to an upstream whose dialect
 * takes Responses as it is, or translated to Chat and back for any other. The answer is always
 * Responses-shaped and complete to the Open Responses schema, and speaks of tools as the client
 * declared them.
 */
import type { ModelTarget } from '../../src/catalog.js';
import type { CallContext } from '../../src/context.js';
import type { Json } from '../../adapters/types.js';
import { applyParams } from '../../adapters/apply-params.js';
import { stripOpenAIOnlyFields } from '../../adapters/proxy-shaping.js';
import { newId } from '../../adapters/ids.js';
import { applyTransforms, type Frame, type FrameTransform } from '../../core/frame.js';
import { keepResponse, keepStreamedResponse, requestForTarget, type StoredTurn } from './call-stored.js';
import { responsesRequestToChat } from './request-to-chat.js';
import { chatCompletionToResponse } from './chat-to-response.js';
import { chatStreamToResponsesEvents } from './chat-stream-to-events.js';
import { fillResponsesStreamFields } from './fill-stream-fields.js';
import { completeResponse, type Envelope } from './complete-response.js';
import { liftItem } from './lift-tool-calls.js';
import { lowerRequest, planTools, type ToolPlan } from './tool-plan.js';
import { checkContextWindow } from '../../adapters/context-preflight.js';
import type { CallDeadline } from '../../src/upstream/deadline.js';
import { callUpstream } from '../../src/upstream/transport.js';
import type { RelayAnswer, StreamErrorFrames } from '../../src/pipeline/answer.js';
import { callChat } from '../../src/pipeline/call-chat.js';
import { openCompactionItems } from '../../src/compaction/open-input.js';

/** Requests already warned about their hosted tools: one line per request, not per fallback attempt. */
const warnedHosted = new WeakSet<CallContext>();

/** `turn`: the stored conversation this request continues, when lmrelay keeps responses. */
export async function callResponses(ctx: CallContext, target: ModelTarget, client: Json, deadline: CallDeadline, _headers?: unknown, turn?: StoredTurn): Promise<RelayAnswer> {
  const { dialect, nativeOpenAI } = target.provider;
  const native = dialect.nativeSurfaces.includes('responses');
  const keepsItsOwn = native && (target.compat.supportsPreviousResponseId ?? nativeOpenAI);
  const continued = requestForTarget(client, turn, { ref: target.ref, provider: target.provider.id, keepsItsOwn, openAI: native && nativeOpenAI });
  // OpenAI's Responses API runs every tool type itself. Any other gets plain functions, and a
  // Responses upstream also the tool types it says it runs; Chat Completions has none of them.
  const plan = native && nativeOpenAI ? undefined : planTools(client, native ? target.compat.nativeToolTypes : []);
  if (plan?.hosted.length && !warnedHosted.has(ctx)) {
    warnedHosted.add(ctx);
    ctx.log.warn({ model: target.ref, tools: plan.hosted }, `hosted tools left out of the request to ${target.ref}, which cannot run them: ${plan.hosted.join(', ')}`);
  }
  // lmrelay's compaction items opened into summaries; OpenAI reads its own as they are.
  const request = openCompactionItems(plan ? lowerRequest(continued, plan) : continued, () => ctx.compactionSeal(), native && nativeOpenAI);
  const keep = turn?.keep ? (response: Json) => keepResponse(turn, response, target.provider.id, ctx.log) : undefined;
  const env: Envelope = {
    request: client,
    model: target.upstreamModel,
    tools: plan?.echo,
    toolChoice: plan?.echoChoice,
    passedThrough: native,
    stored: turn ? Boolean(keep) : undefined,
    // An upstream that keeps its own responses is continued by its own ids.
    responseId: keep && !keepsItsOwn ? newId('resp') : undefined,
  };

  // Usage is counted by the pipeline, from the answer's `usage` or the stream's final event.
  if (native) {
    const shaped = applyParams(request, target.params);
    shaped.model = target.upstreamModel;
    const payload = nativeOpenAI ? shaped : stripOpenAIOnlyFields(shaped);
    const window = ctx.contextWindowOf(target);
    checkContextWindow(payload, target.ref, window instanceof Promise ? await window : window, target.contextGuard, ctx.bodyBytes);
    const result = await callUpstream(ctx, target, dialect.transport, payload, payload.stream === true, deadline);
    if (result.kind === 'json') return jsonAnswer(completeResponse(liftOutput(result.body, plan), env), keep);
    const events = fillResponsesStreamFields(env, plan);
    return streamAnswer(result.frames, [events], events.failureEvents, keep);
  }

  const answer = await callChat(ctx, target, responsesRequestToChat(request, { reasoning: target.reasoning }), deadline);
  if (answer.kind === 'json') return jsonAnswer(chatCompletionToResponse(answer.body, env, plan), keep);
  const events = chatStreamToResponsesEvents(env, plan);
  return streamAnswer(answer.frames, [...answer.transforms, events], events.failureEvents, keep);
}

async function jsonAnswer(body: Json, keep: ((response: Json) => Promise<void>) | undefined): Promise<RelayAnswer> {
  await keep?.(body);
  return { kind: 'json', body };
}

/** A kept stream runs its transforms here, so the final Response is stored before it goes out. */
function streamAnswer(frames: AsyncIterable<Frame[]>, transforms: FrameTransform[], errorFrames: StreamErrorFrames, keep: ((response: Json) => Promise<void>) | undefined): RelayAnswer {
  if (!keep) return { kind: 'stream', frames, transforms, errorFrames };
  return { kind: 'stream', frames: keepStreamedResponse(applyTransforms(frames, transforms), keep), transforms: [], errorFrames };
}

function liftOutput(response: Json, plan: ToolPlan | undefined): Json {
  if (plan?.declared.size && Array.isArray(response.output)) response.output = response.output.map((item: Json) => liftItem(item, plan));
  return response;
}
