/**
 * Token counts of one answer, whatever API wrote its usage: Chat/OpenAI (`prompt_tokens`,
 * `completion_tokens`, cached tokens inside the prompt), Responses (`input_tokens`,
 * `output_tokens`) and Anthropic (`input_tokens` WITHOUT the cached ones, which it reports apart
 * as `cache_read_input_tokens` / `cache_creation_input_tokens`). Metrics and token budgets both
 * read usage through this one rule.
 */
export interface TokenCounts {
  input: number;
  output: number;
}

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);

export function tokenCounts(usage: unknown): TokenCounts | undefined {
  if (!usage || typeof usage !== 'object') return undefined;
  const u = usage as Record<string, unknown>;
  const input =
    u.prompt_tokens !== undefined ? count(u.prompt_tokens) : count(u.input_tokens) + count(u.cache_read_input_tokens) + count(u.cache_creation_input_tokens);
  const output = count(u.completion_tokens ?? u.output_tokens);
  return { input, output };
}

/** Of the input tokens, those read from and written to a prompt cache (priced apart). */
export interface CachedTokens {
  read: number;
  write: number;
}

export function cachedTokens(usage: unknown): CachedTokens {
  const u = usage as Record<string, any>;
  if (u.prompt_tokens !== undefined) return { read: count(u.prompt_tokens_details?.cached_tokens), write: 0 };
  if (u.cache_read_input_tokens !== undefined || u.cache_creation_input_tokens !== undefined) {
    return { read: count(u.cache_read_input_tokens), write: count(u.cache_creation_input_tokens) };
  }
  return { read: count(u.input_tokens_details?.cached_tokens), write: 0 };
}
