/** The `openai-completions` transport: POST {baseUrl}/chat/completions, plain or SSE. */
import type { ModelTarget } from '../catalog.js';
import type { CallContext } from '../context.js';
import type { ChatRequest } from '../../adapters/types.js';
import type { CallDeadline } from './deadline.js';
import { callUpstream, frameMatches, type ApiShape, type TransportResult } from './transport.js';

export type ChatResult = TransportResult;

const CHAT_COMPLETIONS: ApiShape = {
  path: '/chat/completions',
  // A chat stream that ended without [DONE] still finished if a choice said why it stopped.
  streamFinished: (last) => last.some((f) => frameMatches(f, (_, json) => json?.choices?.some((c: any) => c?.finish_reason != null) ?? false)),
  invalidAnswer: (json) => (Array.isArray(json.choices) ? undefined : 'response is not a chat.completion (no choices)'),
};

export function callChatCompletions(ctx: CallContext, target: ModelTarget, payload: ChatRequest, deadline: CallDeadline): Promise<ChatResult> {
  return callUpstream(ctx, target, CHAT_COMPLETIONS, payload, deadline);
}
