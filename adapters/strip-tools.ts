/**
 * `compat.supportsTools: false`: servers whose chat template breaks when `tools` is sent. Tools
 * are dropped, and earlier tool turns are rendered as plain text so the conversation still
 * makes sense to the model.
 */
import type { ChatRequest, Json } from './types.js';

export function stripTools(body: ChatRequest): ChatRequest {
  const { tools: _t, tool_choice: _c, parallel_tool_calls: _p, functions: _f, function_call: _fc, ...rest } = body;
  const names = new Map<string, string>();
  const messages = body.messages.map((m): Json => {
    if (m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length) {
      const calls = m.tool_calls.map((c: Json) => {
        names.set(c.id, c.function?.name);
        return `[called tool ${c.function?.name} with ${c.function?.arguments ?? '{}'}]`;
      });
      const text = [typeof m.content === 'string' ? m.content : '', ...calls].filter(Boolean).join('\n');
      const { tool_calls: _tc, ...msg } = m;
      return { ...msg, content: text };
    }
    if (m.role === 'tool' || m.role === 'function') {
      const name = names.get(m.tool_call_id) ?? m.name ?? 'tool';
      const content = typeof m.content === 'string' ? m.content : JSON.stringify(m.content);
      return { role: 'user', content: `[result of tool ${name}]\n${content}` };
    }
    return m;
  });
  return { ...rest, messages } as ChatRequest;
}
