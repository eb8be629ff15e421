/** `anthropic-messages`: Anthropic's Messages API (Anthropic, llama.cpp's /v1/messages). */
import type { Dialect } from '../types.js';
import { messagesTransport } from './transport.js';
import { messagesProbe } from './probe.js';
import { chatToAnthropic } from './request.js';
import { answerToolFor } from './response-format.js';
import { anthropicToChatCompletion } from './answer.js';
import { anthropicEventsToChatChunks } from './stream.js';

export const anthropicMessages: Dialect<'anthropic-messages'> = {
  name: 'anthropic-messages',
  // /v1/messages passes through as the client wrote it (routes/messages/call-passthrough.ts).
  nativeSurfaces: ['messages'],
  transport: messagesTransport,
  fromChat: (payload, target) => {
    // A response_format becomes a forced tool; refused (before sending) when Anthropic cannot express it.
    const answerTool = answerToolFor(payload);
    return {
      request: chatToAnthropic(payload, { upstreamModel: target.upstreamModel, maxTokens: target.model?.maxTokens, reasoning: target.reasoning, answerTool }),
      toChatCompletion: (answer) => anthropicToChatCompletion(answer, answerTool?.name),
      toChatChunks: () => anthropicEventsToChatChunks(target.upstreamModel, answerTool?.name),
    };
  },
  // Thinking comes in blocks of its own, and tool calls as tool_use blocks.
  repairs: { reasoning: false, toolText: false },
  // The request is built field by field: nothing unknown reaches Anthropic.
  forwardsUnknownFields: false,
  probe: messagesProbe,
};
