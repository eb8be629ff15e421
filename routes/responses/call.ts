/**
 * One Responses API call to one target: passed through (shaped) to an upstream whose dialect
 * takes Responses as it is, or translated to Chat and back for any other. The answer is always
 * Responses-shaped.
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
import { checkContextWindow } from '../../adapters/context-preflight.js';
import type { CallDeadline } from '../../src/upstream/deadline.js';
import { callUpstream } from '../../src/upstream/transport.js';
import type { RelayAnswer } from '../../src/pipeline/answer.js';
import { callChat } from '../../src/pipeline/call-chat.js';

export async function callResponses(ctx: CallContext, target: ModelTarget, client: Json, deadline: CallDeadline): Promise<RelayAnswer> {
  const { dialect, nativeOpenAI } = target.provider;
  const native = dialect.nativeSurfaces.includes('responses');
  const history = target.compat.supportsPreviousResponseId ?? nativeOpenAI;
  checkPreviousResponseId(client, target.ref, native && history);

  if (native) {
    const shaped = applyParams(client, target.params);
    shaped.model = target.upstreamModel;
    const payload = nativeOpenAI ? shaped : stripOpenAIOnlyFields(shaped);
    const window = ctx.contextWindowOf(target);
    checkContextWindow(payload, target.ref, window instanceof Promise ? await window : window, target.contextGuard, ctx.bodyBytes);
    const result = await callUpstream(ctx, target, dialect.transport, payload, payload.stream === true, deadline);
    if (result.kind === 'json') return result;
    return { kind: 'stream', frames: result.frames, transforms: [fillResponsesStreamFields(target.upstreamModel)] };
  }

  const echo = { model: target.upstreamModel, request: client };
  const answer = await callChat(ctx, target, responsesRequestToChat(client, { reasoning: target.reasoning }), deadline);
  if (answer.kind === 'json') return { kind: 'json', body: chatCompletionToResponse(answer.body, echo) };
  return { kind: 'stream', frames: answer.frames, transforms: [...answer.transforms, chatStreamToResponsesEvents(echo)] };
}
