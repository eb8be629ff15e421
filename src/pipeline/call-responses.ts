/**
 * One Responses API call to one target: passed through (shaped) to an upstream whose dialect
 * takes Responses as it is, or translated to Chat and back for any other. The answer is always
 * Responses-shaped.
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
import { checkContextWindow } from '../../adapters/context-preflight.js';
import type { CallDeadline } from '../upstream/deadline.js';
import { callUpstream } from '../upstream/transport.js';
import type { RelayAnswer } from './answer.js';
import { callChat } from './call-chat.js';

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
