/** Anthropic stream events -> chat.completion.chunk frames. */
import { Frame, type FrameTransform } from '../../core/frame.js';
import { upstreamStreamFailure } from '../../core/errors.js';
import type { Json } from '../../adapters/types.js';
import { newChatCompletionId } from '../../adapters/ids.js';
import { anthropicUsage, mapStopReason } from './answer.js';

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
          return [chunk({}, answerBlock !== undefined && !toolIndexOf.size ? 'stop' : (mapStopReason(e.delta?.stop_reason) ?? 'stop')), Frame.of({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: anthropicUsage(usage) })];
        case 'error':
          throw upstreamStreamFailure(e.error?.message ?? 'error event');
        default:
          return null; // ping, content_block_stop, message_stop
      }
    },
  };
}
