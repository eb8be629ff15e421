/** An Ollama /api/chat answer -> a chat.completion (its stream: ./stream.ts). */
import type { Json } from '../../adapters/types.js';
import { chatUsage } from '../../adapters/chat-usage.js';
import { newChatCompletionId, newId } from '../../adapters/ids.js';

/** `done_reason` -> finish_reason: `length` when num_predict cut it, `tool_calls` when it called tools, else `stop`. */
export function finishReasonOf(doneReason: unknown, calledTools: boolean): string {
  if (calledTools) return 'tool_calls';
  return doneReason === 'length' ? 'length' : 'stop';
}

/** `prompt_eval_count` / `eval_count` -> usage (Ollama leaves a zero count out). */
export function ollamaUsage(answer: Json): Json | undefined {
  if (answer.prompt_eval_count === undefined && answer.eval_count === undefined) return undefined;
  return chatUsage({ prompt: answer.prompt_eval_count ?? 0, completion: answer.eval_count ?? 0, cached: 0 });
}

/** One Ollama tool call -> Chat's: arguments come as an object and go on as JSON text; an id is made when the server gave none. */
export function toolCallToChat(call: Json): Json {
  const fn = call?.function ?? {};
  const args = fn.arguments;
  return {
    id: typeof call?.id === 'string' && call.id ? call.id : newId('call'),
    type: 'function',
    function: { name: String(fn.name ?? ''), arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) },
  };
}

/** Seconds since the epoch of Ollama's `created_at` (RFC 3339), else now. */
export function createdOf(answer: Json): number {
  const at = typeof answer.created_at === 'string' ? Date.parse(answer.created_at) : NaN;
  return Math.floor((Number.isNaN(at) ? Date.now() : at) / 1000);
}

export function ollamaToChatCompletion(answer: Json, fallbackModel: string): Json {
  const m = answer.message ?? {};
  const calls: Json[] = Array.isArray(m.tool_calls) ? m.tool_calls.map(toolCallToChat) : [];
  const content = typeof m.content === 'string' ? m.content : '';
  const message: Json = { role: 'assistant', content: content || (calls.length ? null : '') };
  if (typeof m.thinking === 'string' && m.thinking) message.reasoning_content = m.thinking;
  if (calls.length) message.tool_calls = calls;
  const completion: Json = {
    id: newChatCompletionId(),
    object: 'chat.completion',
    created: createdOf(answer),
    model: answer.model ?? fallbackModel,
    choices: [{ index: 0, message, finish_reason: finishReasonOf(answer.done_reason, calls.length > 0) }],
  };
  const usage = ollamaUsage(answer);
  if (usage) completion.usage = usage;
  return completion;
}
