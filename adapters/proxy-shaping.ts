/**
 * Requests to custom/local (proxy-style) providers carry no OpenAI-only fields: local servers
 * reject or misread them. (`previous_response_id` is answered from lmrelay's own store of
 * responses: routes/responses/call-stored.ts.)
 */
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
