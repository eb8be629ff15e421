/**
 * Requests to custom/local (proxy-style) providers carry no OpenAI-only fields: local servers
 * reject or misread them. `previous_response_id` needs server-side history that only an
 * upstream which says so can honour; anywhere else it is a clear 400, not lost history.
 */
import { RelayError } from '../core/errors.js';
import type { Json } from './types.js';

/** Settings of OpenAI's own service, and identifiers of the client's users and installs (Codex's `client_metadata`). */
export const OPENAI_ONLY_FIELDS = ['store', 'service_tier', 'prompt_cache_key', 'prompt_cache_retention', 'include', 'safety_identifier', 'background', 'conversation', 'client_metadata', 'user'];

export function stripOpenAIOnlyFields<T extends Json>(body: T): T {
  let out: Json | undefined;
  for (const field of OPENAI_ONLY_FIELDS) {
    if (body[field] === undefined) continue;
    out ??= { ...body };
    delete out[field];
  }
  return (out ?? body) as T;
}

export function checkPreviousResponseId(body: Json, ref: string, supported: boolean): void {
  if (body.previous_response_id == null || supported) return;
  throw new RelayError(
    `previous_response_id cannot be honoured by ${ref}: lmrelay keeps no response history and this upstream does not say it can (compat.supportsPreviousResponseId). Send the whole conversation in input instead.`,
    { code: 'unsupported_parameter', param: 'previous_response_id' },
  );
}
