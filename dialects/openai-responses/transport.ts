/** The `openai-responses` transport: POST {baseUrl}/responses, plain or SSE, Bearer auth. */
import type { DialectTransport } from '../types.js';
import { frameMatches } from '../frame-matches.js';
import { bearerHeaders } from '../bearer.js';

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

export const responsesTransport: DialectTransport = {
  path: () => '/responses',
  headers: bearerHeaders,
  streamFinished: (last) => last.some((f) => frameMatches(f, (event, json) => TERMINAL.has(event ?? json?.type))),
  invalidAnswer: (json) => (Array.isArray(json.output) ? undefined : 'response is not a Response object (no output)'),
};
