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
import { checkPreviousResponseId, stripOpenAIOnlyFields } from '../../adapters/proxy-shaping.js';
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
import type { RelayAnswer } from '../../src/pipeline/answer.js';
import { callChat } from '../../src/pipeline/call-chat.js';
import { openCompactionItems } from '../../src/compaction/open-input.js';

/** Requests already warned about their hosted tools: one line per request, not per fallback attempt. */
const warnedHosted = new WeakSet<CallContext>();

export async function callResponses(ctx: CallContext, target: ModelTarget, client: Json, deadline: CallDeadline): Promise<RelayAnswer> {
  const { dialect, nativeOpenAI } = target.provider;
  const native = dialect.nativeSurfaces.includes('responses');
  const history = target.compat.supportsPreviousResponseId ?? nativeOpenAI;
  checkPreviousResponseId(client, target.ref, native && history);
  // OpenAI's Responses API runs every tool type itself. Any other gets plain functions, and a
  // Responses upstream also the tool types it says it runs; Chat Completions has none of them.
  const plan = native && nativeOpenAI ? undefined : planTools(client, native ? target.compat.nativeToolTypes : []);
  if (plan?.hosted.length && !warnedHosted.has(ctx)) {
    warnedHosted.add(ctx);
    ctx.log.warn({ model: target.ref, tools: plan.hosted }, `hosted tools left out of the request to ${target.ref}, which cannot run them: ${plan.hosted.join(', ')}`);
  }
  // lmrelay's compaction items opened into summaries; OpenAI reads its own as they are.
  const request = openCompactionItems(plan ? lowerRequest(client, plan) : client, () => ctx.compactionSeal(), native && nativeOpenAI);
  const env: Envelope = { request: client, model: target.upstreamModel, tools: plan?.echo, toolChoice: plan?.echoChoice, passedThrough: native };

  // Usage is counted by the pipeline, from the answer's `usage` or the stream's final event.
  if (native) {
    const shaped = applyParams(request, target.params);
    shaped.model = target.upstreamModel;
    const payload = nativeOpenAI ? shaped : stripOpenAIOnlyFields(shaped);
    const window = ctx.contextWindowOf(target);
    checkContextWindow(payload, target.ref, window instanceof Promise ? await window : window, target.contextGuard, ctx.bodyBytes);
    const result = await callUpstream(ctx, target, dialect.transport, payload, payload.stream === true, deadline);
    if (result.kind === 'json') return { kind: 'json', body: completeResponse(liftOutput(result.body, plan), env) };
    const events = fillResponsesStreamFields(env, plan);
    return { kind: 'stream', frames: result.frames, transforms: [events], errorFrames: events.failureEvents };
  }

  const answer = await callChat(ctx, target, responsesRequestToChat(request, { reasoning: target.reasoning }), deadline);
  if (answer.kind === 'json') return { kind: 'json', body: chatCompletionToResponse(answer.body, env, plan) };
  const events = chatStreamToResponsesEvents(env, plan);
  return { kind: 'stream', frames: answer.frames, transforms: [...answer.transforms, events], errorFrames: events.failureEvents };
}

function liftOutput(response: Json, plan: ToolPlan | undefined): Json {
  if (plan?.declared.size && Array.isArray(response.output)) response.output = response.output.map((item: Json) => liftItem(item, plan));
  return response;
}
