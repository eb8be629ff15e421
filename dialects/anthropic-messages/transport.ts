/** The `anthropic-messages` transport: POST {baseUrl}/messages, plain or SSE, `x-api-key` auth. */
import type { DialectTransport } from '../types.js';
import { frameMatches } from '../frame-matches.js';

/** The API version every request names (a provider's own `headers` may pin another). */
export const ANTHROPIC_VERSION = '2023-06-01';

export const messagesTransport: DialectTransport = {
  path: () => '/messages',
  headers: (apiKey) => {
    const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION };
    if (apiKey) headers['x-api-key'] = apiKey;
    return headers;
  },
  streamFinished: (last) => last.some((f) => frameMatches(f, (event, json) => ['message_stop', 'message_delta'].includes(event ?? json?.type))),
  invalidAnswer: (json) => (json.type === 'message' && Array.isArray(json.content) ? undefined : 'response is not an Anthropic message'),
};
