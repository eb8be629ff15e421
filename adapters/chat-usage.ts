/**
 * The `usage` of a chat.completion, built in one place from the counts each dialect reads out of
 * its own API's usage (which names and splits them differently).
 */
import type { Json } from './types.js';

export interface TokenCounts {
  /** Every input token, cached ones included (Chat counts them inside prompt_tokens). */
  prompt: number;
  completion: number;
  /** As the upstream said it, when it did; else prompt + completion. */
  total?: number;
  cached: number;
  /** Tokens written to a prompt cache, where the API says (Anthropic). */
  cacheWrite?: number;
  /** Reasoning tokens, where the API says (Responses). */
  reasoning?: number;
}

export function chatUsage(counts: TokenCounts): Json {
  const usage: Json = {
    prompt_tokens: counts.prompt,
    completion_tokens: counts.completion,
    total_tokens: counts.total ?? counts.prompt + counts.completion,
    prompt_tokens_details: counts.cacheWrite === undefined ? { cached_tokens: counts.cached } : { cached_tokens: counts.cached, cache_creation_tokens: counts.cacheWrite },
  };
  if (counts.reasoning !== undefined) usage.completion_tokens_details = { reasoning_tokens: counts.reasoning };
  return usage;
}
