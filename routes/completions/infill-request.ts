/**
 * A text completion request -> llama.cpp's /infill body: the prompt (the text before the cursor)
 * is `input_prefix`, the suffix `input_suffix`, max_tokens `n_predict`. Sampling fields llama.cpp
 * reads under the same names, and its own (`input_extra`, `n_indent`, `t_max_predict_ms`), pass as
 * they are. /infill completes one text: what it cannot honour is refused, not dropped.
 */
import type { Json } from '../../adapters/types.js';

/** OpenAI fields with no /infill meaning, removed from the body. */
const DROPPED = ['prompt', 'suffix', 'max_tokens', 'stream_options', 'n', 'echo', 'logprobs', 'best_of', 'user'] as const;

/** The /infill body, or why this request cannot go to /infill. */
export function completionToInfill(body: Json, upstreamModel: string): { request: Json } | { problem: string } {
  const prefix = Array.isArray(body.prompt) ? (body.prompt.length === 1 ? body.prompt[0] : undefined) : body.prompt;
  if (typeof prefix !== 'string') return { problem: '/infill completes one text prompt (not several, nor token ids)' };
  if (body.n != null && body.n !== 1) return { problem: '/infill gives one completion (n: 1)' };
  if (body.echo === true) return { problem: '/infill cannot echo the prompt' };
  if (body.logprobs != null && body.logprobs > 0) return { problem: '/infill gives no logprobs' };
  const request: Json = { ...body };
  for (const field of DROPPED) delete request[field];
  request.model = upstreamModel;
  request.input_prefix = prefix;
  request.input_suffix = typeof body.suffix === 'string' ? body.suffix : '';
  if (body.max_tokens != null) request.n_predict = body.max_tokens;
  return { request };
}
