/** A Response object -> a chat.completion (Chat route on a Responses upstream; its stream: ./stream.ts). */
import type { Json } from '../../adapters/types.js';
import { chatUsage } from '../../adapters/chat-usage.js';
import { newChatCompletionId } from '../../adapters/ids.js';

export function responseToChatCompletion(response: Json, model: string): Json {
  let content = '';
  let reasoning = '';
  const toolCalls: Json[] = [];
  for (const item of response.output ?? []) {
    if (item?.type === 'message') {
      for (const part of item.content ?? []) if (part?.type === 'output_text') content += part.text ?? '';
    } else if (item?.type === 'reasoning') {
      for (const part of [...(item.content ?? []), ...(item.summary ?? [])]) if (typeof part?.text === 'string') reasoning += part.text;
    } else if (item?.type === 'function_call') {
      toolCalls.push({ id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments ?? '' } });
    }
  }
  const message: Json = { role: 'assistant', content: content || (toolCalls.length ? null : '') };
  if (reasoning) message.reasoning_content = reasoning;
  if (toolCalls.length) message.tool_calls = toolCalls;
  return {
    id: response.id ? `chatcmpl-${String(response.id).replace(/^resp_/, '')}` : newChatCompletionId(),
    object: 'chat.completion',
    created: response.created_at ?? Math.floor(Date.now() / 1000),
    model: response.model ?? model,
    choices: [{ index: 0, message, finish_reason: finishReasonOf(response, toolCalls.length > 0) }],
    usage: responsesUsage(response.usage),
  };
}

export function finishReasonOf(response: Json, hasToolCalls: boolean): string {
  if (response.status === 'incomplete') {
    return response.incomplete_details?.reason === 'content_filter' ? 'content_filter' : 'length';
  }
  return hasToolCalls ? 'tool_calls' : 'stop';
}

/** Responses counts cached tokens inside input_tokens, as Chat does. */
export function responsesUsage(usage: Json | null | undefined): Json | undefined {
  if (!usage) return undefined;
  return chatUsage({
    prompt: usage.input_tokens ?? 0,
    completion: usage.output_tokens ?? 0,
    total: usage.total_tokens,
    cached: usage.input_tokens_details?.cached_tokens ?? 0,
    reasoning: usage.output_tokens_details?.reasoning_tokens ?? 0,
  });
}
