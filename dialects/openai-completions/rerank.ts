/** POST {baseUrl}/rerank: the Jina/Cohere rerank API that llama.cpp (`--reranking`), vLLM and LiteLLM serve. */
import type { DialectTransport } from '../types.js';
import { bearerHeaders } from '../bearer.js';

export const rerankTransport: DialectTransport = {
  path: () => '/rerank',
  headers: bearerHeaders,
  streamFinished: () => true, // never streamed
  invalidAnswer: (json) => (Array.isArray(json.results) ? undefined : 'response is not a rerank answer (no results)'),
};
