/**
 * `response_format` on an Anthropic model, by Anthropic's documented JSON pattern: one tool whose
 * input_schema is the wanted schema, use of it forced, and its input returned as the message
 * text. A format this cannot express is refused (400), never dropped.
 */
import { RelayError } from '../../core/errors.js';
import type { ChatRequest, Json } from '../../adapters/types.js';

/** The answer tool when the schema has no name of its own. */
export const JSON_ANSWER_TOOL = 'json_answer';

export interface AnswerTool {
  name: string;
  description: string;
  input_schema: Json;
}

/** Refused before sending: the next model of the chain may take it; no failure is counted. */
const refuse = (message: string, param: string) => new RelayError(message, { code: 'unsupported_response_format', param, preflight: true, retryable: true });

/** The tool that carries the answer, or undefined when plain text was asked for. */
export function answerToolFor(body: ChatRequest): AnswerTool | undefined {
  const format = body.response_format as Json | null | undefined;
  if (format == null || format.type === 'text') return undefined;
  if (format.type === 'json_object') {
    return { name: uniqueName(JSON_ANSWER_TOOL, body), description: 'Give the answer as a JSON object.', input_schema: { type: 'object' } };
  }
  if (format.type !== 'json_schema') throw refuse(`response_format.type "${String(format.type)}" is not supported for an Anthropic model (use text, json_object or json_schema)`, 'response_format.type');
  const spec = format.json_schema as Json | undefined;
  const schema = spec?.schema ?? { type: 'object' };
  if (schema?.type !== 'object') {
    throw refuse('response_format.json_schema.schema: an Anthropic model answers JSON through a tool, whose input must be a schema of "type": "object"', 'response_format.json_schema.schema');
  }
  const name = typeof spec?.name === 'string' && /^[\w-]{1,64}$/.test(spec.name) ? spec.name : JSON_ANSWER_TOOL;
  const description = typeof spec?.description === 'string' && spec.description ? spec.description : `Give the answer as JSON matching the ${name} schema.`;
  return { name: uniqueName(name, body), description, input_schema: schema };
}

function uniqueName(name: string, body: ChatRequest): string {
  if (body.tools?.some((t) => t?.function?.name === name)) {
    throw refuse(`response_format names "${name}", which is also a tool of the request; rename one of them`, 'response_format.json_schema.name');
  }
  return name;
}

/**
 * Adds the answer tool to an Anthropic request. Alone, its use is forced; beside the client's
 * tools, some tool must be used (the model either calls one of them or answers), unless the
 * client forced one of its own.
 */
export function addAnswerTool(request: Json, tool: AnswerTool): void {
  const choice = request.tool_choice as Json | undefined;
  const clientTools: Json[] = request.tools ?? [];
  request.tools = [...clientTools, tool];
  if (choice?.type === 'tool') return;
  const disableParallel = choice?.disable_parallel_tool_use ? { disable_parallel_tool_use: true } : {};
  request.tool_choice = clientTools.length && choice?.type !== 'none' ? { type: 'any', ...disableParallel } : { type: 'tool', name: tool.name };
}
