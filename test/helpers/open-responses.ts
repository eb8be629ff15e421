/**
 * Checks Response objects and streamed events against the Open Responses OpenAPI document
 * (../shared/specs/open-responses), compiled once with ajv. Used by the relay helper's clients
 * and postJson, so every /v1/responses answer a test reads through them is checked: a
 * violation fails the test file when it ends (and a JSON answer's or a stream's reader raises
 * at once, so a test that expects an error cannot mistake one for it).
 *
 * Beside the document, where OpenAI's own API differs from it (README of the specs folder):
 * - reasoning text streams as `response.reasoning_text.delta/.done`: checked against the
 *   schemas of their twins `response.reasoning.delta/.done`;
 * - OpenAI types the document does not define (custom tools and their calls, namespace tools,
 *   hosted tools and a choice of one in a Response's `tools` and `tool_choice`) are checked against the shapes of OpenAI's API
 *   reference, written below;
 * - `JsonSchemaResponseFormat.schema` allows only null in the document, though a request's
 *   format carries an object there and the API echoes it: an object is allowed.
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import t from 'tap';

const SPEC = fileURLToPath(new URL('../../../shared/specs/open-responses/openapi-2026-04-24.json', import.meta.url));
const REF = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** OpenAI's shapes for what the document leaves out (platform.openai.com API reference). */
const OPENAI_SCHEMAS: Record<string, object> = {
  OpenAICustomToolCall: {
    type: 'object',
    properties: {
      type: { const: 'custom_tool_call' },
      id: { type: 'string' },
      call_id: { type: 'string' },
      name: { type: 'string' },
      namespace: { type: 'string' },
      input: { type: 'string' },
      status: { enum: ['in_progress', 'completed', 'incomplete'] },
    },
    required: ['type', 'id', 'call_id', 'name', 'input', 'status'],
  },
  OpenAICustomTool: {
    type: 'object',
    properties: {
      type: { const: 'custom' },
      name: { type: 'string' },
      description: { type: 'string' },
      format: {
        oneOf: [
          { type: 'object', properties: { type: { const: 'text' } }, required: ['type'] },
          { type: 'object', properties: { type: { const: 'grammar' }, syntax: { enum: ['lark', 'regex'] }, definition: { type: 'string' } }, required: ['type', 'syntax', 'definition'] },
        ],
      },
    },
    required: ['type', 'name'],
  },
  OpenAINamespaceTool: {
    type: 'object',
    properties: {
      type: { const: 'namespace' },
      name: { type: 'string' },
      description: { type: 'string' },
      tools: { type: 'array', items: { oneOf: [REF('FunctionTool'), REF('OpenAICustomTool')] } },
    },
    required: ['type', 'name', 'description', 'tools'],
  },
  // Tools OpenAI (or an upstream configured with compat.nativeToolTypes) runs itself, echoed as
  // the client sent them: web_search, file_search, mcp, ... each of its own shape.
  OpenAIHostedTool: {
    type: 'object',
    properties: { type: { type: 'string', not: { enum: ['function', 'custom', 'namespace'] } } },
    required: ['type'],
  },
  OpenAIHostedToolChoice: {
    type: 'object',
    properties: { type: { type: 'string', not: { enum: ['function', 'custom', 'allowed_tools'] } } },
    required: ['type'],
  },
  OpenAICustomToolChoice: {
    type: 'object',
    properties: { type: { const: 'custom' }, name: { type: 'string' } },
    required: ['type', 'name'],
  },
  OpenAICustomToolCallInputDeltaEvent: {
    type: 'object',
    properties: {
      type: { const: 'response.custom_tool_call_input.delta' },
      sequence_number: { type: 'integer' },
      output_index: { type: 'integer' },
      item_id: { type: 'string' },
      delta: { type: 'string' },
    },
    required: ['type', 'sequence_number', 'output_index', 'item_id', 'delta'],
  },
  OpenAICustomToolCallInputDoneEvent: {
    type: 'object',
    properties: {
      type: { const: 'response.custom_tool_call_input.done' },
      sequence_number: { type: 'integer' },
      output_index: { type: 'integer' },
      item_id: { type: 'string' },
      input: { type: 'string' },
    },
    required: ['type', 'sequence_number', 'output_index', 'item_id', 'input'],
  },
};

/** OpenAI's event names whose schema is the document's twin of another name. */
const TWINS: Record<string, string> = {
  'response.reasoning_text.delta': 'response.reasoning.delta',
  'response.reasoning_text.done': 'response.reasoning.done',
};

export interface OpenResponsesChecker {
  /** Problems with one Response object, or [] when it conforms. */
  checkResponse(value: unknown): string[];
  /** Problems with one streamed event (`data:` JSON), or [] when it conforms. */
  checkEvent(value: unknown): string[];
  /** Problems with one `response.compaction` object (POST /responses/compact), or [] when it conforms. */
  checkCompaction(value: unknown): string[];
  /** Problems with one WebSocket error envelope, or [] when it conforms. */
  checkWebSocketError(value: unknown): string[];
}

let checker: OpenResponsesChecker | undefined | null;

/** The compiled checker, or undefined where the document is not beside the checkout. */
export function openResponsesChecker(): OpenResponsesChecker | undefined {
  if (checker === undefined) checker = existsSync(SPEC) ? compile(JSON.parse(readFileSync(SPEC, 'utf8'))) : null;
  return checker ?? undefined;
}

function compile(doc: any): OpenResponsesChecker {
  const schemas = doc.components.schemas;
  Object.assign(schemas, OPENAI_SCHEMAS);
  schemas.ItemField.oneOf.push(REF('OpenAICustomToolCall'));
  schemas.Tool.oneOf.push(REF('OpenAICustomTool'), REF('OpenAINamespaceTool'), REF('OpenAIHostedTool'));
  schemas.ResponseResource.properties.tool_choice.oneOf.push(REF('OpenAICustomToolChoice'), REF('OpenAIHostedToolChoice'));
  schemas.AllowedToolChoice.properties.tools.items.oneOf.push(REF('OpenAICustomToolChoice'));
  schemas.JsonSchemaResponseFormat.properties.schema = { anyOf: [{ type: 'object' }, { type: 'null' }] };
  // OpenAPI's `discriminator` only names the property oneOf already tells apart by its enums.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(doc, 'open-responses');
  const get = (name: string) => ajv.getSchema(`open-responses#/components/schemas/${name}`) as ValidateFunction;
  const response = get('ResponseResource');
  const compaction = get('CompactResource');
  const events = new Map<string, ValidateFunction>();
  const streamed = doc.paths['/responses'].post.responses['200'].content['text/event-stream'].schema.oneOf as Array<{ $ref: string }>;
  for (const { $ref } of streamed) {
    const name = $ref.split('/').at(-1)!;
    events.set(schemas[name].properties.type.enum[0], get(name));
  }
  events.set('response.custom_tool_call_input.delta', get('OpenAICustomToolCallInputDeltaEvent'));
  events.set('response.custom_tool_call_input.done', get('OpenAICustomToolCallInputDoneEvent'));
  const problems = (validate: ValidateFunction, value: unknown) =>
    validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
  const webSocketError = get('WebSocketErrorEvent');
  return {
    checkResponse: (value) => problems(response, value),
    checkCompaction: (value) => problems(compaction, value),
    checkWebSocketError: (value) => problems(webSocketError, value),
    checkEvent(value) {
      const type = (value as any)?.type;
      const twin = TWINS[type];
      const validate = events.get(twin ?? type);
      if (!validate) return [`unknown event type ${JSON.stringify(type)}`];
      return problems(validate, twin ? { ...(value as object), type: twin } : value);
    },
  };
}

/** Every violation seen by the checking clients of this process, as text. */
const violations: string[] = [];

// Registered before any teardown of the test file, so it runs after them (tap runs the last
// registered first) and its failure never keeps a mock server running.
t.teardown(() => {
  if (violations.length) throw new Error(`${violations.length} answer(s) of /v1/responses broke the Open Responses schemas:\n${violations.join('\n')}`);
});

function record(what: string, value: unknown, found: string[]): string | undefined {
  if (found.length === 0) return undefined;
  // Only the start of the object: enough to recognise it, short enough to read.
  const text = `${what} violates the Open Responses schema: ${found.slice(0, 6).join('; ')} in ${JSON.stringify(value).slice(0, 600)}`;
  violations.push(text);
  return text;
}

/** Checks a whole /v1/responses body as a client received it (JSON or SSE text). */
export function checkResponsesBody(contentType: string | null, text: string): string[] {
  const check = openResponsesChecker();
  if (!check) return [];
  const found: string[] = [];
  if (contentType?.includes('text/event-stream')) {
    for (const block of text.split(/\r?\n\r?\n/)) {
      const problem = checkSseBlock(check, block);
      if (problem) found.push(problem);
    }
  } else {
    const value = JSON.parse(text);
    const problem = record('Response', value, check.checkResponse(value));
    if (problem) found.push(problem);
  }
  return found;
}

function checkSseBlock(check: OpenResponsesChecker, block: string): string | undefined {
  const data = block
    .split(/\r?\n/)
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).replace(/^ /, ''))
    .join('\n');
  if (!data || data === '[DONE]') return undefined;
  const value = JSON.parse(data);
  return record(`event ${value?.type}`, value, check.checkEvent(value));
}

const RESPONSES_PATH = /\/v1\/responses(\?|$)/;
const COMPACT_PATH = /\/v1\/responses\/compact(\?|$)/;

/** Checks a POST /v1/responses/compact answer as a client received it. */
export function checkCompactionBody(text: string): string[] {
  const check = openResponsesChecker();
  if (!check) return [];
  const value = JSON.parse(text);
  const problem = record('response.compaction', value, check.checkCompaction(value));
  return problem ? [problem] : [];
}

/**
 * A fetch for the openai SDK and the Vercel AI SDK that checks what POST /v1/responses answers
 * with: the JSON object, or each event of a stream as it passes (a violation errors the stream).
 */
export const checkedFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const check = openResponsesChecker();
  if (check && res.ok && res.body && init?.method === 'POST' && COMPACT_PATH.test(new URL(url).pathname)) {
    const text = await res.text();
    const [problem] = checkCompactionBody(text);
    if (problem) throw new Error(problem);
    return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
  }
  if (!check || !res.ok || !res.body || (init?.method ?? 'GET') !== 'POST' || !RESPONSES_PATH.test(new URL(url).pathname)) return res;
  if (!res.headers.get('content-type')?.includes('text/event-stream')) {
    const text = await res.text();
    const problem = record('Response', JSON.parse(text), check.checkResponse(JSON.parse(text)));
    if (problem) throw new Error(problem);
    return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
  }
  let pending = '';
  const decoder = new TextDecoder();
  const checking = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      pending += decoder.decode(chunk, { stream: true });
      const blocks = pending.split(/\r?\n\r?\n/);
      pending = blocks.pop()!;
      for (const block of blocks) {
        const problem = checkSseBlock(check, block);
        if (problem) return controller.error(new Error(problem));
      }
      controller.enqueue(chunk);
    },
    flush(controller) {
      const problem = pending.trim() ? checkSseBlock(check, pending) : undefined;
      if (problem) controller.error(new Error(problem));
    },
  });
  return new Response(res.body.pipeThrough(checking), { status: res.status, statusText: res.statusText, headers: res.headers });
};

/** Checks one message a Responses WebSocket sent: a stream event, or the WebSocket error envelope. */
export function checkWebSocketMessage(value: any): string | undefined {
  const check = openResponsesChecker();
  if (!check) return undefined;
  if (value?.type === 'error' && 'status' in value) return record('WebSocket error', value, check.checkWebSocketError(value));
  return record(`event ${value?.type}`, value, check.checkEvent(value));
}
