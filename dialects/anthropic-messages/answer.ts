/** An Anthropic message -> a chat.completion (its stream: ./stream.ts). */
import type { Json } from '../../adapters/types.js';
import { chatUsage } from '../../adapters/chat-usage.js';
import { newChatCompletionId } from '../../adapters/ids.js';

export function mapStopReason(reason: string | null | undefined): string | null {
  switch (reason) {
    case null:
    case undefined:
      return null;
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop'; // end_turn, stop_sequence, pause_turn
  }
}

/** Anthropic counts cached tokens apart from input_tokens; Chat counts them inside prompt_tokens. */
export function anthropicUsage(usage: Json | undefined): Json | undefined {
  if (!usage) return undefined;
  const cached = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  return chatUsage({ prompt: (usage.input_tokens ?? 0) + cached + cacheWrite, completion: usage.output_tokens ?? 0, cached, cacheWrite });
}

/** @param answerTool the tool that carries a response_format answer: its input is the text. */
export function anthropicToChatCompletion(message: Json, answerTool?: string): Json {
  let text = '';
  let reasoning = '';
  let answer: string | undefined;
  const toolCalls: Json[] = [];
  for (const block of message.content ?? []) {
    if (block?.type === 'text') text += block.text ?? '';
    else if (block?.type === 'thinking') reasoning += block.thinking ?? '';
    else if (block?.type === 'tool_use' && answerTool !== undefined && block.name === answerTool) answer = JSON.stringify(block.input ?? {});
    else if (block?.type === 'tool_use') toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
  }
  // With an answer tool, the content is its JSON alone (no stray text around it).
  const content = answerTool !== undefined ? answer : text;
  const msg: Json = { role: 'assistant', content: content || (toolCalls.length ? null : '') };
  if (reasoning) msg.reasoning_content = reasoning;
  if (toolCalls.length) msg.tool_calls = toolCalls;
  const finish = answer !== undefined && !toolCalls.length ? 'stop' : (mapStopReason(message.stop_reason) ?? 'stop');
  return {
    id: message.id ? `chatcmpl-${String(message.id).replace(/^msg_/, '')}` : newChatCompletionId(),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: message.model,
    choices: [{ index: 0, message: msg, finish_reason: finish }],
    usage: anthropicUsage(message.usage),
  };
}
