/**
 * lmrelay's errors in Anthropic's shape: `{"type":"error","error":{"type","message"}}`, as a JSON
 * body and as the `event: error` of a stream that fails mid-way. The type follows the status,
 * the way Anthropic's API (and its SDKs' error classes) pair them.
 */
import type { RelayError } from '../../core/errors.js';

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error';

export function anthropicErrorType(status: number): AnthropicErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 503 || status === 529) return 'overloaded_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
  request_id?: string;
}

/** `message`: the text to show (already scrubbed of secrets by the caller). */
export function anthropicErrorBody(err: RelayError, message: string = err.message, requestId?: string): AnthropicErrorBody {
  const body: AnthropicErrorBody = { type: 'error', error: { type: anthropicErrorType(err.status), message } };
  if (requestId) body.request_id = requestId;
  return body;
}

/** The end of a stream that failed after it started: Anthropic's error event, which the SDKs raise. */
export function anthropicErrorFrames(err: RelayError): Array<{ event: string; data: string }> {
  return [{ event: 'error', data: JSON.stringify(anthropicErrorBody(err)) }];
}
