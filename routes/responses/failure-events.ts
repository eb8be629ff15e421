/**
 * How a Responses stream that fails after it started ends, as OpenAI ends one: an `error`
 * event, then `response.failed` carrying the Response so far. The error event also has the
 * fields at its top level (OpenAI's own shape), which makes the openai SDK raise.
 */
import { Frame } from '../../core/frame.js';
import type { RelayError } from '../../core/errors.js';
import type { Json } from '../../adapters/types.js';
import { completeResponse, type Envelope } from './complete-response.js';

/** `response` is the Response as the stream built it so far; `sequence` the next event's number. */
export function failureEvents(err: RelayError, response: Json, env: Envelope, sequence: number): Frame[] {
  const error = { type: err.type, code: err.code, message: err.message, param: err.param };
  const failed = completeResponse({ ...response, status: 'failed', incomplete_details: null, completed_at: null, error: { code: err.code, message: err.message } }, env);
  return [
    Frame.of({ type: 'error', sequence_number: sequence, code: err.code, message: err.message, param: err.param, error }, 'error'),
    Frame.of({ type: 'response.failed', sequence_number: sequence + 1, response: failed }, 'response.failed'),
  ];
}

/** A Responses event stream that can end itself properly when its source fails. */
export interface ResponsesEventStream {
  transform(frame: Frame): Frame[] | Frame | null;
  flush?(): Frame[];
  failureEvents(err: RelayError): Frame[];
}
