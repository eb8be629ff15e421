/**
 * A Chat Completions request -> an Ollama /api/chat request. Sampling settings go in `options`,
 * with `num_ctx` set from the model's window (Ollama's own default is a few thousand tokens and
 * it cuts longer prompts silently); images as base64 `images`; tool calls with object arguments.
 */
import { RelayError } from '../../core/errors.js';
import type { ChatRequest, Json } from '../../adapters/types.js';
import { textOf } from '../../adapters/message-text.js';
import { argumentsObject } from '../../adapters/tool-arguments.js';
import type { DialectTarget, ServedModel } from '../types.js';

/** Refused before sending: the next model of the chain may take it; no failure is counted. */
const refuse = (message: string, code: 'unsupported_content' | 'unsupported_tool', param: string) => new RelayError(message, { code, param, preflight: true, retryable: true });

/** Chat's sampling fields -> Ollama's `options` (the same meaning under another name, or the same name). */
const OPTION_FIELDS: ReadonlyArray<[from: string, to: string]> = [
  ['temperature', 'temperature'],
  ['top_p', 'top_p'],
  ['top_k', 'top_k'],
  ['min_p', 'min_p'],
  ['seed', 'seed'],
  ['frequency_penalty', 'frequency_penalty'],
  ['presence_penalty', 'presence_penalty'],
  ['repeat_penalty', 'repeat_penalty'],
];

/** reasoning_effort -> `think`: a level where Ollama has one (gpt-oss), else on; `none` turns it off. */
const THINK: Record<string, boolean | string> = { none: false, minimal: 'low', low: 'low', medium: 'medium', high: 'high' };

export function chatToOllama(body: ChatRequest, target: DialectTarget, served: ServedModel): Json {
  const can = served.capabilities;
  const messages = toOllamaMessages(body.messages, target.upstreamModel, can?.vision === false);
  const out: Json = { model: target.upstreamModel, messages, stream: body.stream === true };

  const tools = body.tool_choice === 'none' || !Array.isArray(body.tools) ? [] : body.tools.filter((t) => t?.type === 'function' && t.function?.name);
  if (tools.length) {
    if (can?.tools === false) {
      throw refuse(`${target.upstreamModel} cannot call tools (its server does not list "tools" among its capabilities): send the request without tools, or use a model that has them`, 'unsupported_tool', 'tools');
    }
    out.tools = tools.map((t) => ({ type: 'function', function: { name: t.function.name, ...(t.function.description ? { description: t.function.description } : {}), parameters: t.function.parameters ?? { type: 'object', properties: {} } } }));
  }

  const options: Json = {};
  if (served.contextWindow) options.num_ctx = served.contextWindow;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (typeof maxTokens === 'number') options.num_predict = maxTokens;
  for (const [from, to] of OPTION_FIELDS) if (typeof body[from] === 'number') options[to] = body[from];
  if (body.stop != null) options.stop = Array.isArray(body.stop) ? body.stop : [body.stop];
  // A client's (or a model's params') own `options` win: `params: { options: { num_ctx: 8192 } }`.
  if (body.options && typeof body.options === 'object') Object.assign(options, body.options);
  if (Object.keys(options).length) out.options = options;

  const format = formatOf(body.response_format);
  if (format !== undefined) out.format = format;
  else if (body.format !== undefined) out.format = body.format;

  if (body.think !== undefined) out.think = body.think;
  else if (target.reasoning || can?.thinking) out.think = typeof body.reasoning_effort === 'string' ? (THINK[body.reasoning_effort] ?? true) : true;

  const keepAlive = body.keep_alive ?? target.provider?.config.keepAlive;
  if (keepAlive !== undefined) out.keep_alive = keepAlive;
  return out;
}

/** `json_object` -> "json"; `json_schema` -> its schema (Ollama constrains the output to it). */
function formatOf(format: Json | null | undefined): unknown {
  if (format == null || format.type === 'text') return undefined;
  if (format.type === 'json_schema') return format.json_schema?.schema ?? 'json';
  return 'json';
}

function toOllamaMessages(messages: Json[], model: string, noVision: boolean): Json[] {
  // Ollama names a tool result by its tool (`tool_name`): found from the call it answers.
  const toolNames = new Map<string, string>();
  return messages.map((m, i) => {
    switch (m.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: textOf(m.content, '\n') };
      case 'assistant': {
        const msg: Json = { role: 'assistant', content: textOf(m.content, '\n') };
        if (typeof m.reasoning_content === 'string' && m.reasoning_content) msg.thinking = m.reasoning_content;
        if (Array.isArray(m.tool_calls) && m.tool_calls.length) {
          msg.tool_calls = m.tool_calls.map((call: Json) => {
            if (call.id && call.function?.name) toolNames.set(call.id, call.function.name);
            return { ...(call.id ? { id: call.id } : {}), function: { name: call.function?.name, arguments: argumentsObject(call.function?.arguments) } };
          });
        }
        return msg;
      }
      case 'tool':
      case 'function': {
        const msg: Json = { role: 'tool', content: textOf(m.content, '\n') };
        const name = m.name ?? toolNames.get(m.tool_call_id);
        if (name) msg.tool_name = name;
        if (m.tool_call_id) msg.tool_call_id = m.tool_call_id;
        return msg;
      }
      default:
        return userMessage(m, i, model, noVision);
    }
  });
}

function userMessage(m: Json, index: number, model: string, noVision: boolean): Json {
  if (!Array.isArray(m.content)) return { role: 'user', content: textOf(m.content, '\n') };
  const text: string[] = [];
  const images: string[] = [];
  m.content.forEach((part: Json, j: number) => {
    const where = `messages[${index}].content[${j}]`;
    if (part?.type === 'text') text.push(String(part.text ?? ''));
    else if (part?.type === 'image_url') {
      if (noVision) throw refuse(`${model} takes no images (its server does not list "vision" among its capabilities)`, 'unsupported_content', where);
      const data = /^data:[^;,]+;base64,(.*)$/s.exec(String(part.image_url?.url ?? ''));
      // Ollama takes the image bytes, not a link; lmrelay does not fetch links for a server.
      if (!data) throw refuse(`${where}: an Ollama model takes images as base64 data URLs (data:image/png;base64,...), not links`, 'unsupported_content', `${where}.image_url.url`);
      images.push(data[1]);
    } else throw refuse(`${where}: part type "${part?.type}" cannot be sent to an Ollama model`, 'unsupported_content', `${where}.type`);
  });
  const msg: Json = { role: 'user', content: text.join('\n') };
  if (images.length) msg.images = images;
  return msg;
}

