/** The `ollama` transport: POST {baseUrl}/api/chat, one JSON answer or NDJSON lines; baseUrl is the server's root (no /v1). */
import type { DialectTransport } from '../types.js';
import { frameMatches } from '../frame-matches.js';
import { bearerHeaders } from '../bearer.js';
import { ollamaErrorCode } from './errors.js';

export const ollamaChatTransport: DialectTransport = {
  path: () => '/api/chat',
  // Ollama itself takes no key; a proxy in front of it (or ollama.com) takes a Bearer one.
  headers: bearerHeaders,
  framing: 'ndjson',
  // Every line says `done`; the last one says `done: true` with the counts.
  streamFinished: (last) => last.some((f) => frameMatches(f, (_, json) => json?.done === true)),
  invalidAnswer: (json) => (json.message !== null && typeof json.message === 'object' ? undefined : 'response is not an Ollama chat answer (no message)'),
  errorCode: ollamaErrorCode,
};
