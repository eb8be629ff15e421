/** Responses stream events -> chat.completion.chunk frames (Chat route on a Responses upstream). */
import type { FrameTransform } from '../../core/frame.js';
import { upstreamStreamFailure } from '../../core/errors.js';
import { ChatChunks } from '../../adapters/chat-chunks.js';
import { finishReasonOf, responsesUsage } from './answer.js';

export function responsesEventsToChatChunks(model: string): FrameTransform {
  const chunks = new ChatChunks(model, Math.floor(Date.now() / 1000));
  const toolIndex = new Map<string, number>();

  return {
    transform(frame) {
      const e = frame.json;
      switch (e?.type) {
        case 'response.output_text.delta':
          return e.delta ? chunks.delta({ content: e.delta }) : null;
        case 'response.reasoning_text.delta':
        case 'response.reasoning_summary_text.delta':
          return e.delta ? chunks.delta({ reasoning_content: e.delta }) : null;
        case 'response.output_item.added':
          if (e.item?.type !== 'function_call') return null;
          toolIndex.set(e.item.id, toolIndex.size);
          return chunks.delta({ tool_calls: [{ index: toolIndex.size - 1, id: e.item.call_id, type: 'function', function: { name: e.item.name, arguments: e.item.arguments ?? '' } }] });
        case 'response.function_call_arguments.delta': {
          const index = toolIndex.get(e.item_id) ?? 0;
          return chunks.chunk({ tool_calls: [{ index, function: { arguments: e.delta } }] });
        }
        case 'response.completed':
        case 'response.incomplete': {
          const r = e.response ?? {};
          return [chunks.chunk({}, finishReasonOf(r, toolIndex.size > 0)), chunks.usage(responsesUsage(r.usage))];
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
