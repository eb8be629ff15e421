/**
 * Completes a Response object to the Open Responses schema, whatever built it: the Chat
 * translators, or a Responses upstream whose answer lacks fields (llama.cpp leaves out
 * `tools`, `text`, `usage.output_tokens_details`, ...). Missing fields echo the request, as
 * OpenAI's API does; a `completed` status that the upstream's own usage or stop reason
 * contradicts becomes `incomplete`. Used by the JSON, SSE and WebSocket paths alike.
 */
import type { Json } from '../../adapters/types.js';
import { newId } from '../../adapters/ids.js';
import { completeItem } from './complete-item.js';

export interface Envelope {
  /** The client's request: the Response echoes its settings. */
  request: Json;
  /** The model named where the answer names none. */
  model: string;
  /**
   * The tools as the client declared them, less those the model did not get (hosted tools on
   * a server that cannot run them). Set, they replace the upstream's own echo, which names the
   * tools as the upstream saw them; unset, the request's tools fill a missing echo.
   */
  tools?: Json[];
  /** The tool_choice the model was given, in the client's terms (with `tools`). */
  toolChoice?: unknown;
  /** Whether lmrelay keeps this response (`store` of the Response); unset, the upstream's word or false. */
  stored?: boolean;
  /**
   * The Response's id, where lmrelay keeps it and the upstream's own id would not do: it may be
   * guessable, repeat, or name nothing lmrelay has (random, as OpenAI's).
   */
  responseId?: string;
  /**
   * The Response comes from a Responses upstream, whose `completed` may hide a cut answer: its
   * usage and stop reason decide. (A translated one knows its finish reason.)
   */
  passedThrough?: boolean;
}

interface Field {
  name: string;
  value: (env: Envelope, r: Json) => unknown;
  /** null is a valid value (the schema allows it), so only a missing field is filled. */
  nullable?: boolean;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const req = (key: string, fallback: unknown) => (env: Envelope) => env.request[key] ?? fallback;

/** Every field the schema requires, and what it is when the answer lacks it (OpenAI's defaults). */
const FIELDS: readonly Field[] = [
  { name: 'id', value: () => newId('resp') },
  { name: 'object', value: () => 'response' },
  { name: 'created_at', value: () => nowSeconds() },
  { name: 'completed_at', value: (_env, r) => (r.status === 'completed' ? nowSeconds() : null), nullable: true },
  { name: 'status', value: () => 'completed' },
  { name: 'incomplete_details', value: () => null, nullable: true },
  { name: 'model', value: (env) => env.model },
  { name: 'previous_response_id', value: req('previous_response_id', null), nullable: true },
  { name: 'instructions', value: (env) => (typeof env.request.instructions === 'string' ? env.request.instructions : null), nullable: true },
  { name: 'output', value: () => [] },
  { name: 'error', value: () => null, nullable: true },
  { name: 'tools', value: (env) => echoTools(env.request.tools) },
  { name: 'tool_choice', value: req('tool_choice', 'auto') },
  { name: 'truncation', value: req('truncation', 'disabled') },
  { name: 'parallel_tool_calls', value: req('parallel_tool_calls', true) },
  { name: 'text', value: (env) => echoText(env.request.text) },
  { name: 'top_p', value: req('top_p', 1) },
  { name: 'presence_penalty', value: req('presence_penalty', 0) },
  { name: 'frequency_penalty', value: req('frequency_penalty', 0) },
  { name: 'top_logprobs', value: req('top_logprobs', 0) },
  { name: 'temperature', value: req('temperature', 1) },
  { name: 'reasoning', value: (env) => echoReasoning(env.request.reasoning), nullable: true },
  { name: 'usage', value: () => null, nullable: true },
  { name: 'max_output_tokens', value: req('max_output_tokens', null), nullable: true },
  { name: 'max_tool_calls', value: req('max_tool_calls', null), nullable: true },
  { name: 'store', value: (env) => env.stored ?? false },
  { name: 'background', value: () => false },
  { name: 'service_tier', value: () => 'default' },
  { name: 'metadata', value: req('metadata', {}) },
  { name: 'safety_identifier', value: req('safety_identifier', null), nullable: true },
  { name: 'prompt_cache_key', value: req('prompt_cache_key', null), nullable: true },
];

/** Completes `response` in place (and returns it). */
export function completeResponse(response: Json, env: Envelope): Json {
  if (env.passedThrough) correctStatus(response, env.request);
  if (env.responseId) response.id = env.responseId;
  if (env.stored !== undefined) response.store = env.stored;
  // The upstream may have been sent the conversation instead: the Response still names what the client continued.
  if (typeof env.request.previous_response_id === 'string') response.previous_response_id = env.request.previous_response_id;
  if (env.tools) {
    response.tools = env.tools;
    response.tool_choice = env.toolChoice ?? 'auto';
  }
  for (const field of FIELDS) {
    const value = response[field.name];
    if (value === undefined || (value === null && !field.nullable)) response[field.name] = field.value(env, response);
  }
  if (response.status !== 'completed' && response.completed_at !== null) response.completed_at = null;
  if (response.reasoning) response.reasoning = echoReasoning(response.reasoning);
  response.text = echoText(response.text);
  response.tools = echoTools(response.tools);
  if (response.usage) response.usage = completeUsage(response.usage);
  const itemStatus = response.status === 'in_progress' ? 'in_progress' : 'completed';
  for (let i = 0; i < response.output.length; i++) response.output[i] = completeItem(response.output[i], itemStatus);
  return response;
}

/** Stop reasons that mean the output limit cut the answer, as Responses servers spell them. */
const CUT_AT_LIMIT = new Set(['length', 'max_tokens', 'max_output_tokens']);

/**
 * An upstream may call `completed` an answer that its own usage shows hit `max_output_tokens`
 * (llama.cpp does), or that its stop reason says was cut: then it is `incomplete`, and clients
 * report the right finish reason.
 */
function correctStatus(r: Json, request: Json): void {
  if (r.status === 'incomplete' && !r.incomplete_details) r.incomplete_details = { reason: 'max_output_tokens' };
  if (r.status !== 'completed') return;
  const stop = r.incomplete_details?.reason ?? r.stop_reason ?? r.finish_reason;
  const limit = request.max_output_tokens;
  const atLimit = typeof limit === 'number' && typeof r.usage?.output_tokens === 'number' && r.usage.output_tokens >= limit;
  if (r.incomplete_details?.reason || CUT_AT_LIMIT.has(stop) || atLimit) {
    r.status = 'incomplete';
    r.incomplete_details = { reason: r.incomplete_details?.reason ?? (stop === 'content_filter' ? 'content_filter' : 'max_output_tokens') };
  }
}

export function completeUsage(usage: Json): Json {
  const input = usage.input_tokens ?? 0;
  const output = usage.output_tokens ?? 0;
  if (usage.input_tokens_details?.cached_tokens !== undefined && usage.output_tokens_details?.reasoning_tokens !== undefined && usage.total_tokens !== undefined) return usage;
  return {
    ...usage,
    input_tokens: input,
    input_tokens_details: { ...usage.input_tokens_details, cached_tokens: usage.input_tokens_details?.cached_tokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { ...usage.output_tokens_details, reasoning_tokens: usage.output_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: usage.total_tokens ?? input + output,
  };
}

/** Tools as the Response lists them: a function tool names all its fields, null where unset. */
export function echoTools(tools: unknown): Json[] {
  if (!Array.isArray(tools)) return [];
  return tools.map(echoTool);
}

function echoTool(tool: Json): Json {
  if (tool?.type === 'namespace' && Array.isArray(tool.tools)) {
    return { ...tool, description: tool.description ?? '', tools: tool.tools.map(echoTool) };
  }
  if (tool?.type !== 'function') return tool;
  if ('description' in tool && 'parameters' in tool && 'strict' in tool) return tool;
  return { ...tool, description: tool.description ?? null, parameters: tool.parameters ?? null, strict: tool.strict ?? null };
}

function echoText(text: Json | undefined | null): Json {
  const format = text?.format;
  if (!format?.type) return { ...text, format: { type: 'text' } };
  if (format.type !== 'json_schema') return text!;
  if ('description' in format && typeof format.strict === 'boolean' && 'schema' in format && typeof format.name === 'string') return text!;
  return { ...text, format: { ...format, name: format.name ?? 'response', description: format.description ?? null, schema: format.schema ?? null, strict: format.strict ?? false } };
}

function echoReasoning(reasoning: Json | undefined | null): Json | null {
  if (!reasoning || typeof reasoning !== 'object') return null;
  if ('effort' in reasoning && 'summary' in reasoning) return reasoning;
  return { ...reasoning, effort: reasoning.effort ?? null, summary: reasoning.summary ?? null };
}
