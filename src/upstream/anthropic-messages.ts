/** The `anthropic-messages` transport: POST {baseUrl}/messages, plain or SSE. */
import type { ModelTarget } from '../catalog.js';
import type { CallContext } from '../context.js';
import type { Json } from '../../adapters/types.js';
import type { CallDeadline } from './deadline.js';
import { callUpstream, frameMatches, type ApiShape, type TransportResult } from './transport.js';

export type AnthropicResult = TransportResult;

const MESSAGES: ApiShape = {
  path: '/messages',
  streamFinished: (last) => last.some((f) => frameMatches(f, (event, json) => ['message_stop', 'message_delta'].includes(event ?? json?.type))),
  invalidAnswer: (json) => (json.type === 'message' && Array.isArray(json.content) ? undefined : 'response is not an Anthropic message'),
};

/** `headers`: this call's own (a client's anthropic-beta), in place of the provider's set. */
export function callAnthropicMessages(ctx: CallContext, target: ModelTarget, payload: Json, deadline: CallDeadline, headers?: Record<string, string>): Promise<AnthropicResult> {
  return callUpstream(ctx, target, MESSAGES, payload, deadline, headers);
}
