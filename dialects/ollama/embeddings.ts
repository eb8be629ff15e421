/** Embeddings from an Ollama server: its OpenAI-compatible POST /v1/embeddings, so the answer goes back as it came. */
import type { DialectTransport } from '../types.js';
import { bearerHeaders } from '../bearer.js';
import { ollamaErrorCode } from './errors.js';

export const ollamaEmbeddingsTransport: DialectTransport = {
  path: () => '/v1/embeddings',
  headers: bearerHeaders,
  streamFinished: () => true, // never streamed
  invalidAnswer: (json) => (Array.isArray(json.data) ? undefined : 'response is not an embedding list (no data)'),
  errorCode: ollamaErrorCode,
};
