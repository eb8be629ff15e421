/** A Chat Completions request -> an Anthropic Messages request. */
import { RelayError } from '../../core/errors.js';
import type { ChatRequest, Json } from '../../adapters/types.js';
import { textOf } from '../../adapters/message-text.js';
import { addAnswerTool, type AnswerTool } from './response-format.js';

export const DEFAULT_MAX_TOKENS = 4096;

/** reasoning_effort -> extended-thinking budget. */
const THINKING_BUDGET: Record<string, number> = { minimal: 1024, low: 1024, medium: 4096, high: 16384 };

export interface AnthropicTarget {
  upstreamModel: string;
  maxTokens?: number;
  reasoning: boolean;
  /** The client's response_format, as a tool (./response-format.ts). */
  answerTool?: AnswerTool;
}

export function chatToAnthropic(body: ChatRequest, target: AnthropicTarget): Json {
  const system: string[] = [];
  const messages: Json[] = [];
  const push = (role: 'user' | 'assistant', blocks: Json[]) => {
    if (!blocks.length) return;
    const last = messages.at(-1);
    // Anthropic wants alternating turns: consecutive same-role turns are merged.
    if (last?.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  body.messages.forEach((m, i) => {
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(textOf(m.content, '\n'));
        return;
      case 'user':
        push('user', contentBlocks(m.content, i));
        return;
      case 'assistant': {
        const blocks = contentBlocks(m.content, i);
        for (const call of m.tool_calls ?? []) blocks.push({ type: 'tool_use', id: call.id, name: call.function?.name, input: parseArgs(call.function?.arguments) });
        push('assistant', blocks);
        return;
      }
      case 'tool':
      case 'function':
        push('user', [{ type: 'tool_result', tool_use_id: m.tool_call_id, content: textOf(m.content, '\n') }]);
        return;
    }
  });
  const out: Json = {
    model: target.upstreamModel,
    messages,
    max_tokens: body.max_tokens ?? body.max_completion_tokens ?? target.maxTokens ?? DEFAULT_MAX_TOKENS,
  };
  if (system.length) out.system = system.join('\n\n');
  if (body.stream) out.stream = true;
  if (body.temperature != null) out.temperature = Math.min(1, body.temperature);
  if (body.top_p != null) out.top_p = body.top_p;
  if (body.stop != null) out.stop_sequences = Array.isArray(body.stop) ? body.stop : [body.stop];
  if (body.user) out.metadata = { user_id: String(body.user) };
  if (Array.isArray(body.tools) && body.tools.length) {
    out.tools = body.tools
      .filter((t) => t?.type === 'function')
      .map((t) => ({ name: t.function.name, ...(t.function.description ? { description: t.function.description } : {}), input_schema: t.function.parameters ?? { type: 'object', properties: {} } }));
    const choice = toolChoice(body.tool_choice);
    if (choice) out.tool_choice = body.parallel_tool_calls === false ? { ...choice, disable_parallel_tool_use: true } : choice;
  }
  // Anthropic refuses forced tool use with thinking: an asked-for answer format wins over the budget.
  const budget = target.reasoning && !target.answerTool && typeof body.reasoning_effort === 'string' ? THINKING_BUDGET[body.reasoning_effort] : undefined;
  if (budget && budget < out.max_tokens) {
    out.thinking = { type: 'enabled', budget_tokens: budget };
    delete out.temperature; // Anthropic refuses temperature with thinking
  }
  if (target.answerTool) addAnswerTool(out, target.answerTool);
  return out;
}

function toolChoice(choice: unknown): Json | undefined {
  if (choice === undefined || choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  const c = choice as Json;
  if (c?.type === 'function' && c.function?.name) return { type: 'tool', name: c.function.name };
  return undefined;
}

function contentBlocks(content: unknown, index: number): Json[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  if (!Array.isArray(content)) return [];
  return content.map((part: Json, j) => {
    if (part?.type === 'text') return { type: 'text', text: part.text };
    if (part?.type === 'image_url') return imageBlock(String(part.image_url?.url ?? ''));
    throw new RelayError(`messages[${index}].content[${j}]: part type "${part?.type}" cannot be sent to an Anthropic model`, {
      code: 'unsupported_content',
      param: `messages[${index}].content[${j}].type`,
    });
  });
}

function imageBlock(url: string): Json {
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1], data: data[2] } };
  return { type: 'image', source: { type: 'url', url } };
}

function parseArgs(args: unknown): unknown {
  if (typeof args !== 'string' || !args) return {};
  try {
    return JSON.parse(args);
  } catch {
    return { _raw: args };
  }
}
