/** Responses stream events -> chat.completion.chunk frames (Chat route on a Responses upstream). */
import { Frame, type FrameTransform } from '../../core/frame.js';
import { upstreamStreamFailure } from '../../core/errors.js';
import type { Json } from '../../adapters/types.js';
import { newChatCompletionId } from '../../adapters/ids.js';
import { finishReasonOf, responsesUsage } from './answer.js';

export function responsesEventsToChatChunks(model: string): FrameTransform {
  const id = newChatCompletionId();
  const created = Math.floor(Date.now() / 1000);
  const toolIndex = new Map<string, number>();
  let roleSent = false;
  const chunk = (delta: Json, finish: string | null = null, extra: Json = {}) =>
    Frame.of({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra });
  const withRole = (delta: Json) => {
    if (roleSent) return delta;
    roleSent = true;
    return { role: 'assistant', ...delta };
  };

  return {
    transform(frame) {
      const e = frame.json;
      switch (e?.type) {
        case 'response.output_text.delta':
          return e.delta ? chunk(withRole({ content: e.delta })) : null;
        case 'response.reasoning_text.delta':
        case 'response.reasoning_summary_text.delta':
          return e.delta ? chunk(withRole({ reasoning_content: e.delta })) : null;
        case 'response.output_item.added':
          if (e.item?.type !== 'function_call') return null;
          toolIndex.set(e.item.id, toolIndex.size);
          return chunk(withRole({ tool_calls: [{ index: toolIndex.size - 1, id: e.item.call_id, type: 'function', function: { name: e.item.name, arguments: e.item.arguments ?? '' } }] }));
        case 'response.function_call_arguments.delta': {
          const index = toolIndex.get(e.item_id) ?? 0;
          return chunk({ tool_calls: [{ index, function: { arguments: e.delta } }] });
        }
        case 'response.completed':
        case 'response.incomplete': {
          const r = e.response ?? {};
          return [chunk({}, finishReasonOf(r, toolIndex.size > 0)), Frame.of({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: responsesUsage(r.usage) ?? null })];
        }
        case 'response.failed':
        case 'error':
          throw upstreamStreamFailure(e.response?.error?.message ?? e.message ?? 'response failed');
        default:
          return null;
      }
    },
  };
}
