/**
 * Ollama's NDJSON lines -> chat.completion.chunk frames. Each line carries a piece of the
 * message: `thinking` (reasoning), `content`, or whole `tool_calls` (Ollama parses a call
 * before it sends it); the `done: true` line gives the reason and the counts.
 */
import { Frame, type FrameTransform } from '../../core/frame.js';
import type { Json } from '../../adapters/types.js';
import { newChatCompletionId } from '../../adapters/ids.js';
import { createdOf, finishReasonOf, ollamaUsage, toolCallToChat } from './answer.js';

export function ollamaChunksToChatChunks(fallbackModel: string): FrameTransform {
  const id = newChatCompletionId();
  let created: number | undefined;
  let model = fallbackModel;
  let roleSent = false;
  let calls = 0;
  const chunk = (delta: Json, finish: string | null = null) => Frame.of({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] });
  const withRole = (delta: Json) => {
    if (roleSent) return delta;
    roleSent = true;
    return { role: 'assistant', ...delta };
  };

  return {
    transform(frame) {
      const line = frame.json;
      created ??= createdOf(line);
      if (typeof line.model === 'string') model = line.model;
      const m: Json = line.message ?? {};
      const out: Frame[] = [];
      // Reasoning, answer and calls each in a chunk of its own, in the order a client shows them.
      if (typeof m.thinking === 'string' && m.thinking) out.push(chunk(withRole({ reasoning_content: m.thinking })));
      if (typeof m.content === 'string' && m.content) out.push(chunk(withRole({ content: m.content })));
      if (Array.isArray(m.tool_calls) && m.tool_calls.length) {
        out.push(chunk(withRole({ tool_calls: m.tool_calls.map((call: Json) => ({ index: calls++, ...toolCallToChat(call) })) })));
      }
      if (line.done === true) {
        if (!roleSent) out.push(chunk(withRole({ content: '' })));
        out.push(chunk({}, finishReasonOf(line.done_reason, calls > 0)));
        out.push(Frame.of({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: ollamaUsage(line) ?? null }));
      }
      return out.length ? out : null;
    },
  };
}
