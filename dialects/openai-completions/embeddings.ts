/** POST {baseUrl}/embeddings: OpenAI's embeddings API, which OpenAI-style servers share whatever chat API they speak. */
import type { DialectTransport } from '../types.js';
import { bearerHeaders } from '../bearer.js';

export const embeddingsTransport: DialectTransport = {
  path: () => '/embeddings',
  headers: bearerHeaders,
  streamFinished: () => true, // never streamed
  invalidAnswer: (json) => (Array.isArray(json.data) ? undefined : 'response is not an embedding list (no data)'),
};
