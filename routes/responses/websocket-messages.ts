/**
 * WebSocket mode of the Responses API, the parts that are plain data: reading a client's
 * `response.create` message, the error envelope, and the connection-local continuation
 * (the most recent response of the socket, so that `store:false` turns can continue).
 */
import { RelayError } from '../../core/errors.js';
import type { Json } from '../../adapters/types.js';
import { newId } from '../../adapters/ids.js';
import { responseSkeleton } from './response-shape.js';
import { completeResponse } from './complete-response.js';

/**
 * Fields of HTTP streaming. The spec says a WebSocket `response.create` must not carry them, but
 * real clients (Codex) send `stream: true`: the transport decides how a turn streams, so they are
 * dropped. Only `background: true` asks for something a socket cannot give, and is refused.
 */
const HTTP_STREAMING_FIELDS = ['stream', 'stream_options'] as const;

/** A client message -> the body of a streamed `POST /v1/responses`, or the reason it is refused. */
export function readCreateMessage(text: string): Json {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    throw new RelayError('a WebSocket message must be a JSON object, such as {"type":"response.create",...}', { code: 'invalid_json' });
  }
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    throw new RelayError('a WebSocket message must be a JSON object, such as {"type":"response.create",...}', { code: 'invalid_type' });
  }
  const body = message as Json;
  if (body.type !== 'response.create') {
    const given = typeof body.type === 'string' ? `"${body.type.slice(0, 64)}"` : 'missing';
    throw new RelayError(`unknown WebSocket message type ${given}: the only client message is "response.create"`, { code: 'invalid_value', param: 'type' });
  }
  if (body.background === true) throw new RelayError('background responses are not run on a WebSocket: a turn streams its events on the connection', { code: 'unsupported_parameter', param: 'background' });
  const { type: _type, background: _background, ...request } = body;
  for (const field of HTTP_STREAMING_FIELDS) delete request[field];
  return request;
}

/** The WebSocket error envelope: `{type:"error", status, error:{type, code, message, param}}`. */
export function errorEnvelope(err: RelayError, message = err.message): string {
  return JSON.stringify({ type: 'error', status: err.status, error: { type: err.type, code: err.code, message, param: err.param ?? null } });
}

/** An HTTP error answer of the pipeline (OpenAI's shape) as the WebSocket envelope. */
export function errorEnvelopeFromHttp(status: number, body: string): string {
  let error: Json | undefined;
  try {
    error = (JSON.parse(body) as Json).error;
  } catch {
    // Not OpenAI-shaped: described below.
  }
  if (!error || typeof error !== 'object') error = { type: 'server_error', code: 'internal_error', message: `HTTP ${status}`, param: null };
  return JSON.stringify({ type: 'error', status, error });
}

/** What a connection remembers of its last response: enough to send the next turn's whole input. */
export interface LastResponse {
  id: string;
  /** The input items the model saw on that turn, replayed ones included, then its output items. */
  items: Json[];
}

/** The items a `input` field stands for (a string is one user message). */
export function inputItems(input: unknown): Json[] {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  return Array.isArray(input) ? (input as Json[]) : [input as Json];
}

/**
 * A turn that continues the connection's last response: its stored items go in front of the new
 * input and `previous_response_id` is answered here (the pipeline sees a whole conversation).
 * Instructions are not carried over, as on OpenAI's API: each request gives its own.
 */
export function continueFrom(request: Json, last: LastResponse): Json {
  const { previous_response_id: _previous, ...rest } = request;
  return { ...rest, input: [...last.items, ...inputItems(request.input)] };
}

/** The connection's memory after a completed turn: what the model saw, then what it answered. */
export function rememberTurn(sent: Json, response: Json): LastResponse {
  const output = Array.isArray(response.output) ? (response.output as Json[]) : [];
  return { id: String(response.id), items: [...inputItems(sent.input), ...output] };
}

/** Stream events whose `response` is the Response object (its lifecycle), which echo previous_response_id. */
export function isLifecycleEvent(event: string | undefined): boolean {
  return event === 'response.created' || event === 'response.in_progress' || event === 'response.completed' || event === 'response.incomplete' || event === 'response.failed' || event === 'response.queued';
}

/** The events that end a turn, carrying the final Response. */
export function isTerminalEvent(event: string | undefined): boolean {
  return event === 'response.completed' || event === 'response.incomplete' || event === 'response.failed';
}

/**
 * A `generate: false` turn (Codex warms a connection with its instructions and tools this way):
 * no model runs; the turn completes with no output, and what it sent is remembered, so the next
 * turn continues from it. Its events: created, then completed.
 */
export function warmupTurn(request: Json): { events: string[]; response: Json } {
  const now = Math.floor(Date.now() / 1000);
  const { generate: _generate, ...echoed } = request;
  const env = { request: echoed, model: String(echoed.model ?? ''), stored: false };
  const usage = { input_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 0 };
  const response = completeResponse({ ...responseSkeleton(newId('resp'), now, 'completed'), completed_at: now, usage }, env);
  const created = { ...response, status: 'in_progress', completed_at: null, usage: null };
  return {
    response,
    events: [JSON.stringify({ type: 'response.created', sequence_number: 0, response: created }), JSON.stringify({ type: 'response.completed', sequence_number: 1, response })],
  };
}
