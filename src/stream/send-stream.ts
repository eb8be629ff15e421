/**
 * Writes a committed stream to the client: headers once, frames with backpressure, and, if the
 * upstream fails mid-way, an error event and a clean end (never a hang or half a JSON line).
 */
import type { FastifyReply } from 'fastify';
import type { CallContext } from '../context.js';
import type { ModelTarget } from '../catalog.js';
import { RelayError } from '../errors.js';
import { internalFault, recordFailure } from '../upstream/chain.js';
import type { Frame } from './frame.js';
import { SSE_HEADERS, SseWriter } from './sse-write.js';

export interface StreamSendOptions {
  target: ModelTarget;
  attempts: number;
  /** Written after the last frame (`data: [DONE]` for Chat Completions). */
  trailer?: string;
  /** Formats a mid-stream failure as the frame the client's API expects. */
  errorFrames: (err: RelayError) => Array<{ data: string; event?: string }>;
}

export async function sendStream(ctx: CallContext, reply: FastifyReply, batches: AsyncIterable<Frame[]>, opts: StreamSendOptions): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    ...SSE_HEADERS,
    'x-request-id': ctx.id,
    'x-lmrelay-model': opts.target.ref,
    'x-lmrelay-attempts': String(opts.attempts),
  });
  const writer = new SseWriter(res, ctx.writeStallMs);
  let failure: RelayError | undefined;
  try {
    for await (const batch of batches) {
      if (writer.closed) break;
      await writer.writeFrames(batch);
    }
  } catch (err) {
    // The upstream's failures come as RelayErrors; an exception from a transform is lmrelay's own.
    failure = err instanceof RelayError ? err : internalFault(ctx, opts.target, err);
  }
  if (writer.closed && !failure) failure = ctx.signal.aborted ? (ctx.signal.reason as RelayError) : undefined;
  if (failure) {
    if (failure.failureKind !== undefined) recordFailure(ctx, opts.target, failure, opts.attempts);
    if (failure.failureKind !== 'client_abort' && !writer.closed) {
      const shown = new RelayError(ctx.scrub(failure.message), { status: failure.status, code: failure.code, type: failure.type, param: failure.param });
      for (const frame of opts.errorFrames(shown)) await writer.write(frame.data, frame.event);
    }
    writer.end();
  } else writer.end(opts.trailer);
  finishLog(ctx, reply, opts, failure);
}

function finishLog(ctx: CallContext, reply: FastifyReply, opts: StreamSendOptions, failure?: RelayError): void {
  const status = failure?.failureKind === 'client_abort' ? 499 : 200;
  const provider = opts.target.provider.id;
  const seconds = (performance.now() - ctx.startedAt) / 1000;
  ctx.metrics.countRequest(ctx.route, opts.target.ref, provider, status, seconds);
  reply.request.relayInfo = undefined; // logged here, not again by onResponse
  ctx.log.info(
    {
      route: ctx.route,
      model: opts.target.ref,
      provider,
      status,
      stream: true,
      attempts: opts.attempts,
      durationMs: Math.round(seconds * 1000),
      ...(failure ? { failureKind: failure.failureKind } : {}),
    },
    'request completed',
  );
}
