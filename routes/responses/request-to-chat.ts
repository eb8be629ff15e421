/**
 * A Responses API request -> a Chat Completions request, for upstreams that only speak Chat.
 * Its tools are plain functions by now (tool-plan.ts lowers the others).
 * Written as tables where the translation is a mapping of fields (Portkey-style), code where
 * it is a change of structure (input items -> messages).
 */
import { RelayError } from '../../core/errors.js';
import type { ChatRequest, Json } from '../../adapters/types.js';
import { copyFields } from '../../adapters/chat-responses-field-map.js';


/** Responses-only fields that have no meaning for a Chat upstream. */
const DROPPED = new Set(['model', 'input', 'instructions', 'tools', 'tool_choice', 'text', 'reasoning', 'store', 'include', 'service_tier', 'prompt_cache_key', 'prompt_cache_retention', 'previous_response_id', 'background', 'truncation', 'conversation', 'prompt', 'safety_identifier', 'stream_options', 'client_metadata', 'max_tool_calls']);

export interface RequestToChatOptions {
  /** The target model reasons: pass `reasoning.effort` on as `reasoning_effort`. */
  reasoning: boolean;
}

export function responsesRequestToChat(body: Json, opts: RequestToChatOptions): ChatRequest {
  const out: ChatRequest = { model: body.model, messages: [] };
  copyFields(body, out, 'responses', DROPPED);
  if (typeof body.instructions === 'string' && body.instructions) out.messages.push({ role: 'system', content: body.instructions });
  out.messages.push(...inputToMessages(body.input));
  const tools = Array.isArray(body.tools) ? body.tools.filter((t: Json) => t?.type === 'function') : [];
  if (tools.length) out.tools = tools.map(toolToChat);
  if (body.tool_choice !== undefined) out.tool_choice = toolChoiceToChat(body.tool_choice);
  const format = body.text?.format;
  if (format && format.type !== 'text') out.response_format = formatToChat(format);
  if (opts.reasoning && body.reasoning?.effort) out.reasoning_effort = body.reasoning.effort;
  return out;
}

function inputToMessages(input: unknown): Json[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (!Array.isArray(input)) return [];
  const messages: Json[] = [];
  input.forEach((item: Json, i) => {
    const type = item?.type ?? (item?.role ? 'message' : undefined);
    switch (type) {
      case 'message':
        messages.push({ role: item.role, content: contentToChat(item.content, i) });
        return;
      case 'function_call': {
        const call = { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments ?? '' } };
        const last = messages.at(-1);
        // Consecutive calls, and the text they follow (a replayed answer's message then its calls), are one assistant turn.
        if (last?.role === 'assistant') (last.tool_calls ??= []).push(call);
        else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
        return;
      }
      case 'function_call_output':
        messages.push({ role: 'tool', tool_call_id: item.call_id, content: typeof item.output === 'string' ? item.output : JSON.stringify(item.output) });
        return;
      case 'reasoning':
        return; // the model's own earlier reasoning is not sent back to a Chat upstream
      default:
        throw new RelayError(`input[${i}]: item type "${type}" cannot be sent to a Chat Completions model`, { code: 'unsupported_input', param: `input[${i}].type` });
    }
  });
  return messages;
}

function contentToChat(content: unknown, index: number): unknown {
  if (typeof content === 'string' || content == null) return content ?? '';
  if (!Array.isArray(content)) return content;
  return content.map((part: Json, j) => {
    switch (part?.type) {
      case 'input_text':
      case 'output_text':
      case 'text':
        return { type: 'text', text: part.text };
      case 'input_image': {
        const url = part.image_url ?? part.url;
        return { type: 'image_url', image_url: part.detail ? { url, detail: part.detail } : { url } };
      }
      case 'input_audio':
        return { type: 'input_audio', input_audio: part.input_audio };
      case 'input_file':
        return { type: 'file', file: { file_data: part.file_data, filename: part.filename, file_id: part.file_id } };
      case 'refusal':
        return { type: 'text', text: part.refusal };
      default:
        throw new RelayError(`input[${index}].content[${j}]: part type "${part?.type}" is not supported`, { code: 'unsupported_content', param: `input[${index}].content[${j}].type` });
    }
  });
}

function toolToChat(tool: Json): Json {
  const fn: Json = { name: tool.name, parameters: tool.parameters ?? { type: 'object', properties: {} } };
  if (tool.description !== undefined) fn.description = tool.description;
  if (tool.strict !== undefined && tool.strict !== null) fn.strict = tool.strict;
  return { type: 'function', function: fn };
}

function toolChoiceToChat(choice: unknown): unknown {
  if (typeof choice === 'string') return choice;
  const c = choice as Json;
  if (c?.type === 'function') return { type: 'function', function: { name: c.name } };
  return c;
}

function formatToChat(format: Json): Json {
  if (format.type === 'json_schema') {
    const { type: _type, ...schema } = format;
    return { type: 'json_schema', json_schema: schema };
  }
  return { type: format.type };
}
