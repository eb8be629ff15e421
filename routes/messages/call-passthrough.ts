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
import type { RelayAnswer } from '../../src/pipeline/answer.js';
import { callUpstream } from '../../src/upstream/transport.js';
import { checkContextWindow } from '../../adapters/context-preflight.js';
import type { Frame, FrameTransform } from '../../core/frame.js';
import type { Json } from '../../adapters/types.js';

/** Whether this target takes the Messages body as it is (its dialect says so). */
export function passesThrough(target: ModelTarget): boolean {
  return target.provider.dialect.nativeSurfaces.includes('messages');
}

export async function passThroughMessages(ctx: CallContext, target: ModelTarget, body: Json, clientHeaders: IncomingHttpHeaders, deadline: CallDeadline): Promise<RelayAnswer> {
  const payload = { ...body, model: target.upstreamModel };
  const window = ctx.contextWindowOf(target);
  checkContextWindow(payload, target.ref, window instanceof Promise ? await window : window, target.contextGuard, ctx.bodyBytes);
  const stream = body.stream === true;
  const result = await callUpstream(ctx, target, target.provider.dialect.transport, payload, stream, deadline, headersFor(target.provider, clientHeaders, stream));
  // The upstream's own text: an answer nothing changed goes out byte for byte (usage is counted by the pipeline).
  if (result.kind === 'json') return { kind: 'json', body: result.body, text: result.text };
  return { kind: 'stream', frames: result.frames, transforms: [completeDeltaUsage()] };
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

/**
 * A stream's usage is split: input in message_start, output in message_delta. The input counts
 * message_start gave are filled into message_delta's usage where it lacks them (newer Anthropic
 * servers send them there too), so the delta alone says the whole usage, as it does on the
 * translated path, and the pipeline counts it from there.
 */
function completeDeltaUsage(): FrameTransform {
  let started: Json = {};
  return {
    transform(frame: Frame) {
      const e = frame.json;
      if (e?.type === 'message_start') started = e.message?.usage ?? {};
      else if (e?.type === 'message_delta' && e.usage) {
        const missing = Object.keys(started).filter((k) => k !== 'output_tokens' && e.usage[k] === undefined);
        if (missing.length) frame.json = { ...e, usage: { ...Object.fromEntries(missing.map((k) => [k, started[k]])), ...e.usage } };
      }
      return frame;
    },
  };
}
