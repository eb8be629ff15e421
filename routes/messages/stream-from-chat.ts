/**
 * chat.completion.chunk frames -> Anthropic's event sequence: message_start, ping, then per
 * content block content_block_start / deltas / content_block_stop (thinking, text, tool_use with
 * input_json_delta), then message_delta (stop_reason, usage) and message_stop.
 *
 * As on Anthropic's own API one block is open at a time, and a block's index is announced by
 * its content_block_start before any delta names it (the SDKs look blocks up by index and take
 * a stop for the last one opened). The end (flush) closes whatever is still open, so a stream
 * is always whole; usage, which Chat sends after finish_reason, goes in message_delta.
 */
import { Frame, type FrameTransform } from '../../core/frame.js';
import { upstreamStreamFailure } from '../../core/errors.js';
import type { Json } from '../../adapters/types.js';
import { newId } from '../../adapters/ids.js';
import { messageIdFrom, stopReasonOf, usageFromChat } from './answer-from-chat.js';

interface ToolCall {
  id: string;
  name: string;
  /** Arguments that came before the name (the block opens once it is known). */
  pending: string;
  block?: number;
  closed: boolean;
}

interface OpenBlock {
  kind: 'text' | 'thinking' | 'tool_use';
  index: number;
  tool?: ToolCall;
}

const event = (type: string, body: Json = {}): Frame => Frame.of({ type, ...body }, type);

export function chatStreamToAnthropicEvents(requestedModel: string | undefined): FrameTransform {
  let started = false;
  let nextIndex = 0;
  let open: OpenBlock | undefined;
  const tools = new Map<number, ToolCall>();
  let finish: string | null = null;
  let usage: Json | undefined;
  let calledTools = false;

  function start(chunk: Json | undefined, out: Frame[]): void {
    if (started) return;
    started = true;
    const message = {
      id: messageIdFrom(chunk?.id),
      type: 'message',
      role: 'assistant',
      model: chunk?.model ?? requestedModel ?? '',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // Chat says its usage at the end: message_delta carries it.
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    out.push(event('message_start', { message }), event('ping'));
  }

  function closeOpen(out: Frame[]): void {
    if (!open) return;
    out.push(event('content_block_stop', { index: open.index }));
    if (open.tool) open.tool.closed = true;
    open = undefined;
  }

  function openBlock(kind: OpenBlock['kind'], contentBlock: Json, out: Frame[], tool?: ToolCall): number {
    closeOpen(out);
    const index = nextIndex++;
    out.push(event('content_block_start', { index, content_block: contentBlock }));
    open = { kind, index, tool };
    return index;
  }

  function textDelta(kind: 'text' | 'thinking', value: string, out: Frame[]): void {
    if (open?.kind !== kind) openBlock(kind, kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' }, out);
    const delta = kind === 'text' ? { type: 'text_delta', text: value } : { type: 'thinking_delta', thinking: value };
    out.push(event('content_block_delta', { index: open!.index, delta }));
  }

  function toolDelta(call: Json, out: Frame[]): void {
    const key = typeof call.index === 'number' ? call.index : 0;
    let tool = tools.get(key);
    if (!tool) tools.set(key, (tool = { id: call.id || newId('toolu'), name: '', pending: '', closed: false }));
    if (!tool.name && typeof call.function?.name === 'string') tool.name = call.function.name;
    let args: string = typeof call.function?.arguments === 'string' ? call.function.arguments : '';
    if (tool.closed) {
      // Anthropic's blocks do not interleave: a call that goes on after the next began cannot be told.
      if (args) throw upstreamStreamFailure(`the arguments of tool call ${key} went on after another content block began`);
      return;
    }
    if (tool.block === undefined) {
      if (!tool.name) {
        tool.pending += args;
        return;
      }
      tool.block = openBlock('tool_use', { type: 'tool_use', id: tool.id, name: tool.name, input: {} }, out, tool);
      calledTools = true;
      args = tool.pending + args;
      tool.pending = '';
    }
    if (args) out.push(event('content_block_delta', { index: tool.block, delta: { type: 'input_json_delta', partial_json: args } }));
  }

  return {
    transform(frame) {
      const chunk = frame.json;
      const out: Frame[] = [];
      start(chunk, out);
      if (chunk?.usage) usage = chunk.usage;
      const choice = chunk?.choices?.[0];
      if (!choice) return out;
      const delta = choice.delta ?? {};
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (typeof reasoning === 'string' && reasoning) textDelta('thinking', reasoning, out);
      if (typeof delta.content === 'string' && delta.content) textDelta('text', delta.content, out);
      if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) toolDelta(call ?? {}, out);
      if (choice.finish_reason != null) finish = choice.finish_reason;
      return out;
    },
    flush() {
      const out: Frame[] = [];
      start(undefined, out);
      // A call whose name never came still reaches the client, with what it sent.
      for (const tool of tools.values()) {
        if (tool.block !== undefined || !tool.pending) continue;
        tool.block = openBlock('tool_use', { type: 'tool_use', id: tool.id, name: tool.name, input: {} }, out, tool);
        calledTools = true;
        out.push(event('content_block_delta', { index: tool.block, delta: { type: 'input_json_delta', partial_json: tool.pending } }));
      }
      closeOpen(out);
      out.push(event('message_delta', { delta: { stop_reason: stopReasonOf(finish, calledTools), stop_sequence: null }, usage: usageFromChat(usage) }));
      out.push(event('message_stop'));
      return out;
    },
  };
}
