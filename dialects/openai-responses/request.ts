/** A Chat Completions request -> a Responses request, for upstreams that speak Responses (LM Studio). */
import type { ChatRequest, Json } from '../../adapters/types.js';
import { textOf } from '../../adapters/message-text.js';
import { copyFields } from '../../adapters/chat-responses-field-map.js';

/** Chat-only fields with no Responses equivalent: dropped. */
const DROPPED = new Set(['messages', 'tools', 'tool_choice', 'response_format', 'reasoning_effort', 'stream_options', 'n', 'logprobs', 'functions', 'function_call', 'model']);

export function chatRequestToResponses(body: ChatRequest): Json {
  const out: Json = { model: body.model };
  copyFields(body, out, 'chat', DROPPED);
  const instructions: string[] = [];
  const input: Json[] = [];
  for (const m of body.messages) {
    if ((m.role === 'system' || m.role === 'developer') && input.length === 0) {
      instructions.push(textOf(m.content));
      continue;
    }
    if (m.role === 'tool') {
      input.push({ type: 'function_call_output', call_id: m.tool_call_id, output: textOf(m.content) });
      continue;
    }
    if (m.role === 'assistant') {
      const text = textOf(m.content);
      if (text) input.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] });
      for (const call of m.tool_calls ?? []) {
        input.push({ type: 'function_call', call_id: call.id, name: call.function?.name, arguments: call.function?.arguments ?? '' });
      }
      continue;
    }
    input.push({ type: 'message', role: m.role === 'function' ? 'user' : m.role, content: partsToResponses(m.content) });
  }
  if (instructions.length) out.instructions = instructions.join('\n\n');
  out.input = input;
  if (Array.isArray(body.tools) && body.tools.length) {
    out.tools = body.tools.filter((t) => t?.type === 'function').map((t) => ({ type: 'function', ...t.function }));
  }
  if (body.tool_choice !== undefined) {
    const c = body.tool_choice as Json;
    out.tool_choice = typeof c === 'object' && c?.type === 'function' ? { type: 'function', name: c.function?.name } : c;
  }
  const format = body.response_format as Json | undefined;
  if (format?.type === 'json_schema') out.text = { format: { type: 'json_schema', ...format.json_schema } };
  else if (format?.type === 'json_object') out.text = { format: { type: 'json_object' } };
  if (body.reasoning_effort) out.reasoning = { effort: body.reasoning_effort };
  return out;
}

function partsToResponses(content: unknown): unknown {
  if (!Array.isArray(content)) return typeof content === 'string' ? content : '';
  return content.map((p: Json) => {
    if (p?.type === 'text') return { type: 'input_text', text: p.text };
    if (p?.type === 'image_url') return { type: 'input_image', image_url: p.image_url?.url, detail: p.image_url?.detail ?? 'auto' };
    return p;
  });
}
