/** The `openai-completions` transport: POST {baseUrl}/chat/completions, plain or SSE, Bearer auth. */
import type { DialectTransport } from '../types.js';
import { frameMatches } from '../frame-matches.js';
import { bearerHeaders } from '../bearer.js';

export const chatCompletionsTransport: DialectTransport = {
  path: () => '/chat/completions',
  headers: bearerHeaders,
  // A chat stream that ended without [DONE] still finished if a choice said why it stopped.
  streamFinished: (last) => last.some((f) => frameMatches(f, (_, json) => json?.choices?.some((c: any) => c?.finish_reason != null) ?? false)),
  invalidAnswer: (json) => (Array.isArray(json.choices) ? undefined : 'response is not a chat.completion (no choices)'),
};
