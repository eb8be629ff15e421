/**
 * What one answer cost, from its usage and the answering model's `cost` (dollars per million
 * tokens). Cached input is priced at `cacheRead` / `cacheWrite` where set, else as plain input.
 * Undefined when the model has no `cost` (its price is unknown, not zero).
 */
import type { ModelCost } from '../config/schema.js';
import { cachedTokens, tokenCounts } from '../usage-tokens.js';

export function priceUsage(cost: ModelCost | undefined, usage: unknown): number | undefined {
  if (!cost) return undefined;
  const tokens = tokenCounts(usage);
  if (!tokens) return undefined;
  const cached = cachedTokens(usage);
  const read = Math.min(cached.read, tokens.input);
  const write = Math.min(cached.write, tokens.input - read);
  const plain = tokens.input - read - write;
  const input = cost.input ?? 0;
  const perMillion = plain * input + read * (cost.cacheRead ?? input) + write * (cost.cacheWrite ?? input) + tokens.output * (cost.output ?? 0);
  return perMillion / 1e6;
}

/** A model whose answers cost something: key budgets apply to it. */
export function isPriced(cost: ModelCost | undefined): boolean {
  return !!cost && ((cost.input ?? 0) > 0 || (cost.output ?? 0) > 0 || (cost.cacheRead ?? 0) > 0 || (cost.cacheWrite ?? 0) > 0);
}

/** Dollars as the header and the SSE comment write them: fixed to a millionth of a dollar. */
export const formatUsd = (usd: number): string => usd.toFixed(6);
