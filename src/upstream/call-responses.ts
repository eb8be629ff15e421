/**
 * One Responses API call to one target: passed through (shaped) to a Responses upstream, or
 * translated to Chat and back for a Chat upstream. The answer is always Responses-shaped and
 * complete to the Open Responses schema, and speaks of tools as the client declared them.
 */
import type { ModelTarget } from '../catalog.js';
import type { CallContext } from '../context.js';
import type { Json } from '../../adapters/types.js';
import { applyParams } from '../../adapters/apply-params.js';
import { checkPreviousResponseId, stripOpenAIOnlyFields } from '../../adapters/proxy-shaping.js';
import { responsesRequestToChat } from '../../adapters/responses/request-to-chat.js';
import { chatCompletionToResponse } from '../../adapters/responses/chat-to-response.js';
import { chatStreamToResponsesEvents } from '../../adapters/responses/chat-stream-to-events.js';
import { fillResponsesStreamFields } from '../../adapters/responses/fill-stream-fields.js';
import { completeResponse, type Envelope } from '../../adapters/responses/complete-response.js';
import { liftItem } from '../../adapters/responses/lift-tool-calls.js';
import { lowerRequest, planTools, type ToolPlan } from '../../adapters/responses/tool-plan.js';
import { usageTap } from '../../adapters/stream-usage.js';
import { checkContextWindow } from '../../adapters/context-preflight.js';
import type { Frame, FrameTransform } from '../../core/frame.js';
import type { StreamErrorFrames } from '../relay-route.js';
import type { CallDeadline } from './deadline.js';
import { callResponsesApi } from './responses-api.js';
import { callChat } from './call-chat.js';

export type ResponsesAnswer =
  | { kind: 'json'; body: any; text?: string }
  | { kind: 'stream'; frames: AsyncIterable<Frame[]>; transforms: FrameTransform[]; errorFrames?: StreamErrorFrames };

/** Requests already warned about their hosted tools: one line per request, not per fallback attempt. */
const warnedHosted = new WeakSet<CallContext>();

export async function callResponses(ctx: CallContext, target: ModelTarget, client: Json, deadline: CallDeadline): Promise<ResponsesAnswer> {
  const native = target.provider.api === 'openai-responses';
  const history = target.compat.supportsPreviousResponseId ?? target.provider.nativeOpenAI;
  checkPreviousResponseId(client, target.ref, native && history);
  const countUsage = (usage: unknown) => ctx.countUsage(target.provider.id, target.ref, usage);
  // OpenAI's Responses API runs every tool type itself. Any other gets plain functions, and a
  // Responses upstream also the tool types it says it runs; Chat Completions has none of them.
  const plan = native && target.provider.nativeOpenAI ? undefined : planTools(client, native ? target.compat.nativeToolTypes : []);
  if (plan?.hosted.length && !warnedHosted.has(ctx)) {
    warnedHosted.add(ctx);
    ctx.log.warn({ model: target.ref, tools: plan.hosted }, `hosted tools left out of the request to ${target.ref}, which cannot run them: ${plan.hosted.join(', ')}`);
  }
  const request = plan ? lowerRequest(client, plan) : client;
  const env: Envelope = { request: client, model: target.upstreamModel, tools: plan?.echo, toolChoice: plan?.echoChoice, passedThrough: native };

  if (native) {
    const shaped = applyParams(request, target.params);
    shaped.model = target.upstreamModel;
    const payload = target.provider.nativeOpenAI ? shaped : stripOpenAIOnlyFields(shaped);
    const window = ctx.contextWindowOf(target);
    checkContextWindow(payload, target.ref, window instanceof Promise ? await window : window, target.contextGuard, ctx.bodyBytes);
    const result = await callResponsesApi(ctx, target, payload, deadline);
    if (result.kind === 'json') {
      countUsage(result.body.usage);
      return { kind: 'json', body: completeResponse(liftOutput(result.body, plan), env) };
    }
    const events = fillResponsesStreamFields(env, plan);
    return { kind: 'stream', frames: result.frames, transforms: [events, responsesUsageTap(countUsage)], errorFrames: events.failureEvents };
  }

  const answer = await callChat(ctx, target, responsesRequestToChat(request, { reasoning: target.reasoning }), deadline);
  if (answer.kind === 'json') {
    countUsage(answer.body.usage);
    return { kind: 'json', body: chatCompletionToResponse(answer.body, env, plan) };
  }
  const events = chatStreamToResponsesEvents(env, plan);
  return { kind: 'stream', frames: answer.frames, transforms: [...answer.transforms, usageTap(countUsage, false), events], errorFrames: events.failureEvents };
}

function liftOutput(response: Json, plan: ToolPlan | undefined): Json {
  if (plan?.declared.size && Array.isArray(response.output)) response.output = response.output.map((item: Json) => liftItem(item, plan));
  return response;
}

function responsesUsageTap(onUsage: (usage: unknown) => void): FrameTransform {
  return {
    transform(frame) {
      if (frame.mayContain('"usage"')) {
        const usage = frame.json?.response?.usage;
        if (usage) onUsage(usage);
      }
      return frame;
    },
  };
}
