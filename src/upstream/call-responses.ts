/**
 * One Responses API call to one target: passed through (shaped) to a Responses upstream, or
 * translated to Chat and back for a Chat upstream. The answer is always Responses-shaped.
 */
import type { ModelTarget } from '../catalog.js';
import type { CallContext } from '../context.js';
import type { Json } from '../../adapters/types.js';
import { applyParams } from '../../adapters/apply-params.js';
import { checkPreviousResponseId, stripOpenAIOnlyFields } from '../../adapters/proxy-shaping.js';
import { responsesRequestToChat } from '../../routes/responses/request-to-chat.js';
import { chatCompletionToResponse } from '../../routes/responses/chat-to-response.js';
import { chatStreamToResponsesEvents } from '../../routes/responses/chat-stream-to-events.js';
import { fillResponsesStreamFields } from '../../routes/responses/fill-stream-fields.js';
import { usageTap } from '../../adapters/stream-usage.js';
import { checkContextWindow } from '../../adapters/context-preflight.js';
import type { Frame, FrameTransform } from '../../core/frame.js';
import type { CallDeadline } from './deadline.js';
import { callResponsesApi } from './responses-api.js';
import { callChat } from './call-chat.js';

export type ResponsesAnswer =
  | { kind: 'json'; body: any; text?: string }
  | { kind: 'stream'; frames: AsyncIterable<Frame[]>; transforms: FrameTransform[] };

export async function callResponses(ctx: CallContext, target: ModelTarget, client: Json, deadline: CallDeadline): Promise<ResponsesAnswer> {
  const native = target.provider.api === 'openai-responses';
  const history = target.compat.supportsPreviousResponseId ?? target.provider.nativeOpenAI;
  checkPreviousResponseId(client, target.ref, native && history);
  const countUsage = (usage: unknown) => ctx.countUsage(target.provider.id, target.ref, usage);

  if (native) {
    const shaped = applyParams(client, target.params);
    shaped.model = target.upstreamModel;
    const payload = target.provider.nativeOpenAI ? shaped : stripOpenAIOnlyFields(shaped);
    const window = ctx.contextWindowOf(target);
    checkContextWindow(payload, target.ref, window instanceof Promise ? await window : window, target.contextGuard, ctx.bodyBytes);
    const result = await callResponsesApi(ctx, target, payload, deadline);
    if (result.kind === 'json') {
      countUsage(result.body.usage);
      return result;
    }
    return { kind: 'stream', frames: result.frames, transforms: [fillResponsesStreamFields(target.upstreamModel), responsesUsageTap(countUsage)] };
  }

  const echo = { model: target.upstreamModel, request: client };
  const answer = await callChat(ctx, target, responsesRequestToChat(client, { reasoning: target.reasoning }), deadline);
  if (answer.kind === 'json') {
    countUsage(answer.body.usage);
    return { kind: 'json', body: chatCompletionToResponse(answer.body, echo) };
  }
  return { kind: 'stream', frames: answer.frames, transforms: [...answer.transforms, usageTap(countUsage, false), chatStreamToResponsesEvents(echo)] };
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
