/** `openai-responses`: OpenAI's Responses API (LM Studio, llama.cpp, OpenAI). */
import type { Dialect } from '../types.js';
import { responsesTransport } from './transport.js';
import { responsesProbe } from './probe.js';
import { chatRequestToResponses } from './request.js';
import { responseToChatCompletion } from './answer.js';
import { responsesEventsToChatChunks } from './stream.js';
import { embeddingsTransport } from '../openai-completions/embeddings.js';
import { textCompletionsTransport } from '../openai-completions/text-completions.js';
import { rerankTransport } from '../openai-completions/rerank.js';

export const openaiResponses: Dialect<'openai-responses'> = {
  name: 'openai-responses',
  nativeSurfaces: ['responses'],
  transport: responsesTransport,
  fromChat: (payload, target) => ({
    request: chatRequestToResponses(payload),
    toChatCompletion: (answer) => responseToChatCompletion(answer, target.upstreamModel),
    toChatChunks: () => responsesEventsToChatChunks(target.upstreamModel),
  }),
  // Local servers may still answer with think tags in the text.
  repairs: { reasoning: true, toolText: false },
  forwardsUnknownFields: true,
  probe: responsesProbe,
  // The same servers (LM Studio, vLLM) serve these OpenAI-style routes beside Responses.
  embeddings: embeddingsTransport,
  completions: textCompletionsTransport,
  rerank: rerankTransport,
};
