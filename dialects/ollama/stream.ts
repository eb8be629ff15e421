/**
 * Ollama's NDJSON lines -> chat.completion.chunk frames. Each line carries a piece of the
 * message: `thinking` (reasoning), `content`, or whole `tool_calls` (Ollama parses a call
 * before it sends it); the `done: true` line gives the reason and the counts.
 */
import { Frame, type FrameTransform } from '../../core/frame.js';
import type { Json } from '../../adapters/types.js';
import { ChatChunks } from '../../adapters/chat-chunks.js';
import { createdOf, finishReasonOf, ollamaUsage, toolCallToChat } from './answer.js';

export function ollamaChunksToChatChunks(fallbackModel: string): FrameTransform {
  const chunks = new ChatChunks(fallbackModel);
  let calls = 0;

  return {
    transform(frame) {
      const line = frame.json;
      chunks.created ??= createdOf(line);
      if (typeof line.model === 'string') chunks.model = line.model;
      const m: Json = line.message ?? {};
      const out: Frame[] = [];
      // Reasoning, answer and calls each in a chunk of its own, in the order a client shows them.
      if (typeof m.thinking === 'string' && m.thinking) out.push(chunks.delta({ reasoning_content: m.thinking }));
      if (typeof m.content === 'string' && m.content) out.push(chunks.delta({ content: m.content }));
      if (Array.isArray(m.tool_calls) && m.tool_calls.length) {
        out.push(chunks.delta({ tool_calls: m.tool_calls.map((call: Json) => ({ index: calls++, ...toolCallToChat(call) })) }));
      }
      if (line.done === true) {
        if (!chunks.started) out.push(chunks.delta({ content: '' }));
        out.push(chunks.chunk({}, finishReasonOf(line.done_reason, calls > 0)));
        out.push(chunks.usage(ollamaUsage(line)));
      }
      return out.length ? out : null;
    },
  };
}
