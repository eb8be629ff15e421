/** `openai-completions`: Chat Completions, lmrelay's canonical form (llama.cpp, vLLM, Ollama, SGLang, OpenAI, ...). */
import type { Dialect } from '../types.js';
import { chatCompletionsTransport } from './transport.js';
import { chatCompletionsProbe } from './probe.js';
import { embeddingsTransport } from './embeddings.js';
import { textCompletionsTransport } from './text-completions.js';
import { infillTransport } from './infill.js';
import { rerankTransport } from './rerank.js';

export const openaiCompletions: Dialect<'openai-completions'> = {
  name: 'openai-completions',
  nativeSurfaces: ['chat-completions'],
  transport: chatCompletionsTransport,
  // No fromChat: requests go as they are, and an answer no repair touches goes out byte for byte.
  repairs: { reasoning: true, toolText: true },
  forwardsUnknownFields: true,
  probe: chatCompletionsProbe,
  embeddings: embeddingsTransport,
  completions: textCompletionsTransport,
  infill: infillTransport,
  rerank: rerankTransport,
};
