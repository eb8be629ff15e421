/**
 * `ollama`: Ollama's native API (/api/chat, /api/tags, /api/show), for what its OpenAI-compatible
 * /v1 cannot do: `num_ctx` from the model's window, tool calls as structured calls, thinking
 * kept apart from the answer, `keep_alive`.
 */
import type { Dialect } from '../types.js';
import { ollamaChatTransport } from './transport.js';
import { ollamaProbe } from './probe.js';
import { chatToOllama } from './request.js';
import { ollamaToChatCompletion } from './answer.js';
import { ollamaChunksToChatChunks } from './stream.js';
import { ollamaEmbeddingsTransport } from './embeddings.js';
import { ollamaTextCompletionsTransport } from './text-completions.js';

export const ollama: Dialect<'ollama'> = {
  name: 'ollama',
  // Every surface goes through Chat Completions and back.
  nativeSurfaces: [],
  transport: ollamaChatTransport,
  fromChat: (payload, target, served) => ({
    request: chatToOllama(payload, target, served),
    toChatCompletion: (answer) => ollamaToChatCompletion(answer, target.upstreamModel),
    toChatChunks: () => ollamaChunksToChatChunks(target.upstreamModel),
  }),
  // Thinking comes apart when `think` is sent; a model not known to think may still write think tags.
  repairs: { reasoning: true, toolText: false },
  // The request is built field by field (a client's `options`, `format`, `think`, `keep_alive` included).
  forwardsUnknownFields: false,
  probe: ollamaProbe,
  embeddings: ollamaEmbeddingsTransport,
  // Ollama has no rerank API.
  completions: ollamaTextCompletionsTransport,
};
