/**
 * Token usage is counted here and nowhere else, once per answer: from a JSON answer's `usage`,
 * or from the stream frame that carries it (a chat chunk's `usage`, a Responses event's
 * `response.usage`). It is priced here too, from the answering model's `cost`.
 * ctx.countUsage (token metrics, the inbound key's budgets, spend) reads either shape.
 */
import type { FrameTransform } from '../../core/frame.js';
import type { ModelTarget } from '../catalog.js';
import type { CallContext } from '../context.js';
import { priceUsage } from '../spend/price.js';

/** Counts a JSON answer's usage; answers what it cost (undefined when the model has no `cost`). */
export function countJsonUsage(ctx: CallContext, target: ModelTarget, body: any): number | undefined {
  const usd = body?.usage == null ? undefined : priceUsage(target.model?.cost, body.usage);
  ctx.countUsage(target.provider.id, target.ref, body?.usage, usd);
  return usd;
}

/** A stream's usage counter; `usd` is what the answer cost once the stream ended (if priced). */
export interface UsageCounter extends FrameTransform {
  readonly usd: number | undefined;
}

/**
 * Counts the usage a stream reports. `stripChunk`: lmrelay asked the upstream for a usage chunk
 * the client did not ask for (Chat's stream_options.include_usage): it is counted, then removed.
 */
export function usageCounter(ctx: CallContext, target: ModelTarget, stripChunk: boolean): UsageCounter {
  // A server may repeat running totals on many frames (vLLM's continuous_usage_stats): the last
  // one seen is the answer's usage, counted once at the end of the stream.
  let last: unknown;
  let usd: number | undefined;
  return {
    get usd() {
      return usd;
    },
    transform(frame) {
      // Parsed on arrival: a field lookup, cheaper than scanning the text for "usage".
      const json = frame.json;
      const usage = json?.usage ?? json?.response?.usage;
      if (usage == null) return frame;
      last = usage;
      if (!stripChunk || json.usage == null) return frame;
      if (Array.isArray(json.choices) && json.choices.length === 0) return null;
      const { usage: _usage, ...rest } = json;
      frame.json = rest;
      return frame;
    },
    flush() {
      if (last === undefined) return [];
      usd = priceUsage(target.model?.cost, last);
      ctx.countUsage(target.provider.id, target.ref, last, usd);
      return [];
    },
  };
}
