/** Anthropic Messages answers -> Chat Completions: whole messages and stream events. */
import { Frame, type FrameTransform } from '../../core/frame.js';
import type { Json } from '../types.js';
import { newChatCompletionId } from '../ids.js';
import { upstreamStreamFailure } from '../../core/errors.js';

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
export function usageToChat(usage: Json | undefined): Json | undefined {
  if (!usage) return undefined;
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const prompt = (usage.input_tokens ?? 0) + cacheRead + cacheWrite;
  const completion = usage.output_tokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead, cache_creation_tokens: cacheWrite },
  };
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
    usage: usageToChat(message.usage),
  };
}

/**
 * message_start / content_block_* / message_delta / message_stop -> chat.completion.chunk frames.
 * @param answerTool the tool that carries a response_format answer: its input streams as content.
 */
export function anthropicEventsToChatChunks(fallbackModel: string, answerTool?: string): FrameTransform {
  let id = newChatCompletionId();
  let answerBlock: number | undefined;
  let model = fallbackModel;
  const created = Math.floor(Date.now() / 1000);
  let usage: Json = {};
  const toolIndexOf = new Map<number, number>();
  const chunk = (delta: Json, finish: string | null = null) => Frame.of({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] });

  return {
    transform(frame) {
      const e = frame.json;
      switch (e?.type) {
        case 'message_start':
          id = `chatcmpl-${String(e.message?.id ?? id).replace(/^msg_|^chatcmpl-/, '')}`;
          model = e.message?.model ?? model;
          usage = { ...e.message?.usage };
          return chunk({ role: 'assistant', content: '' });
        case 'content_block_start': {
          const block = e.content_block ?? {};
          if (block.type !== 'tool_use') return null;
          if (answerTool !== undefined && block.name === answerTool) {
            answerBlock = e.index;
            return null;
          }
          const index = toolIndexOf.size;
          toolIndexOf.set(e.index, index);
          return chunk({ tool_calls: [{ index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }] });
        }
        case 'content_block_delta': {
          const d = e.delta ?? {};
          if (d.type === 'input_json_delta' && e.index === answerBlock) return d.partial_json ? chunk({ content: d.partial_json }) : null;
          // With an answer tool, the content is its JSON alone.
          if (d.type === 'text_delta') return d.text && answerTool === undefined ? chunk({ content: d.text }) : null;
          if (d.type === 'thinking_delta') return d.thinking ? chunk({ reasoning_content: d.thinking }) : null;
          if (d.type === 'input_json_delta') return chunk({ tool_calls: [{ index: toolIndexOf.get(e.index) ?? 0, function: { arguments: d.partial_json ?? '' } }] });
          return null;
        }
        case 'message_delta':
          usage = { ...usage, ...e.usage };
          return [chunk({}, answerBlock !== undefined && !toolIndexOf.size ? 'stop' : (mapStopReason(e.delta?.stop_reason) ?? 'stop')), Frame.of({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: usageToChat(usage) })];
        case 'error':
          throw upstreamStreamFailure(e.error?.message ?? 'error event');
        default:
          return null; // ping, content_block_stop, message_stop
      }
    },
  };
}
