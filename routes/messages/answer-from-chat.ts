/** A chat.completion -> an Anthropic message: blocks in Anthropic's order (thinking, text, tool_use). */
import { argumentsObject } from '../../adapters/tool-arguments.js';
import type { Json } from '../../adapters/types.js';
import { newId } from '../../adapters/ids.js';

/** Chat's finish_reason -> Anthropic's stop_reason; a turn with tool calls stops for them (some servers say "stop"). */
export function stopReasonOf(finish: string | null | undefined, calledTools: boolean): string {
  if (calledTools && finish !== 'length') return 'tool_use';
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/** Chat counts cached tokens inside prompt_tokens; Anthropic's input_tokens leaves them out. */
export function usageFromChat(usage: Json | undefined): Json {
  const details = usage?.prompt_tokens_details ?? {};
  const cacheRead = numberOr0(details.cached_tokens);
  const cacheWrite = numberOr0(details.cache_creation_tokens);
  return {
    input_tokens: Math.max(0, numberOr0(usage?.prompt_tokens) - cacheRead - cacheWrite),
    output_tokens: numberOr0(usage?.completion_tokens),
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
}

const numberOr0 = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** `chatcmpl-abc` -> `msg_abc`, so the log of either side finds the other. */
export function messageIdFrom(chatId: unknown): string {
  return typeof chatId === 'string' && chatId ? `msg_${chatId.replace(/^chatcmpl-/, '')}` : newId('msg');
}


export function chatToAnthropicMessage(completion: Json, requestedModel: string | undefined): Json {
  const choice = completion.choices?.[0] ?? {};
  const message = choice.message ?? {};
  const content: Json[] = [];
  const reasoning = message.reasoning_content ?? message.reasoning;
  if (typeof reasoning === 'string' && reasoning) content.push({ type: 'thinking', thinking: reasoning, signature: '' });
  if (typeof message.content === 'string' && message.content) content.push({ type: 'text', text: message.content });
  for (const call of message.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: call.id || newId('toolu'), name: call.function?.name ?? '', input: argumentsObject(call.function?.arguments) });
  }
  return {
    id: messageIdFrom(completion.id),
    type: 'message',
    role: 'assistant',
    model: completion.model ?? requestedModel ?? '',
    content,
    stop_reason: stopReasonOf(choice.finish_reason, (message.tool_calls?.length ?? 0) > 0),
    stop_sequence: null,
    usage: usageFromChat(completion.usage),
  };
}
