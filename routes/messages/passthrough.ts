/**
 * Anthropic upstreams get the client's own Messages body (only `model` becomes the upstream's
 * id), so nothing is lost in translation: cache_control, citations, signatures, server tools,
 * betas. The provider's key and anthropic-version are sent, as on every call to it; the
 * client's anthropic-beta passes on. Kept apart so it can become a capability of the dialect.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ModelTarget, ResolvedProvider } from '../../src/catalog.js';
import type { CallContext } from '../../src/context.js';
import type { CallDeadline } from '../../src/upstream/deadline.js';
import type { RelayAnswer } from '../../src/relay-route.js';
import { callAnthropicMessages } from '../../src/upstream/anthropic-messages.js';
import { checkContextWindow } from '../../adapters/context-preflight.js';
import type { Frame, FrameTransform } from '../../core/frame.js';
import type { Json } from '../../adapters/types.js';

/** Whether this target takes the Messages body as it is. */
export function passesThrough(target: ModelTarget): boolean {
  return target.provider.api === 'anthropic-messages';
}

export async function passThroughMessages(ctx: CallContext, target: ModelTarget, body: Json, clientHeaders: IncomingHttpHeaders, deadline: CallDeadline): Promise<RelayAnswer> {
  const payload = { ...body, model: target.upstreamModel };
  const window = ctx.contextWindowOf(target);
  checkContextWindow(payload, target.ref, window instanceof Promise ? await window : window, target.contextGuard, ctx.bodyBytes);
  const countUsage = (usage: unknown) => ctx.countUsage(target.provider.id, target.ref, usage);
  const result = await callAnthropicMessages(ctx, target, payload, deadline, headersFor(target.provider, clientHeaders, body.stream === true));
  if (result.kind === 'json') {
    countUsage(result.body.usage);
    // The upstream's own text: an answer nothing changed goes out byte for byte.
    return { kind: 'json', body: result.body, text: result.text };
  }
  return { kind: 'stream', frames: result.frames, transforms: [anthropicUsageTap(countUsage)] };
}

/** The provider's headers, plus the client's anthropic-beta (after any the provider pins). */
export function headersFor(provider: ResolvedProvider, clientHeaders: IncomingHttpHeaders, stream: boolean): Record<string, string> | undefined {
  const base = stream ? provider.callHeaders.stream : provider.callHeaders.json;
  const asked = clientHeaders['anthropic-beta'];
  const beta = Array.isArray(asked) ? asked.join(',') : asked;
  if (!beta) return undefined;
  const pinned = base['anthropic-beta'];
  return { ...base, 'anthropic-beta': pinned ? `${pinned},${beta}` : beta };
}

/** Usage from the stream: input in message_start, the totals in message_delta. */
function anthropicUsageTap(onUsage: (usage: unknown) => void): FrameTransform {
  let started: Json = {};
  return {
    transform(frame: Frame) {
      if (!frame.mayContain('"usage"')) return frame;
      const e = frame.json;
      if (e?.type === 'message_start') started = e.message?.usage ?? {};
      else if (e?.type === 'message_delta' && e.usage) onUsage({ ...started, ...e.usage });
      return frame;
    },
  };
}
