/**
 * The registry: each upstream API name (config `api`) -> its dialect. The catalog looks the
 * dialect up once per provider at config load; requests read `provider.dialect`.
 *
 * Adding an API (say Google Gemini):
 *  1. `dialects/gemini/`: transport.ts (path as a function of model and stream:
 *     `/models/${target.upstreamModel}:generateContent` or `:streamGenerateContent?alt=sse`;
 *     headers: `x-goog-api-key`; how a stream ends; what a valid answer is), request.ts
 *     (Chat request -> generateContent body), answer.ts and stream.ts (its answers -> Chat),
 *     probe.ts (its `GET /models` list, doctor's one-token body), index.ts (the Dialect).
 *  2. Its name in ./names.ts and one line below (the type refuses a name without a dialect).
 *  3. Unit tests on recorded answers in test/dialects/gemini/; a fake server in test/upstreams/.
 * Nothing else changes: the config enum, the pipeline, discovery and doctor read the dialect.
 */
import type { ApiName } from './names.js';
import type { Dialect } from './types.js';
import { openaiCompletions } from './openai-completions/index.js';
import { openaiResponses } from './openai-responses/index.js';
import { anthropicMessages } from './anthropic-messages/index.js';
import { ollama } from './ollama/index.js';

export const DIALECTS: { readonly [Name in ApiName]: Dialect<Name> } = {
  'openai-completions': openaiCompletions,
  'openai-responses': openaiResponses,
  'anthropic-messages': anthropicMessages,
  ollama: ollama,
};

export type { Dialect, DialectTarget, Surface, DiscoveredModel } from './types.js';
export { API_NAMES, type ApiName } from './names.js';
