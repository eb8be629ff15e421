/**
 * Writes a committed stream to the client: headers once, frames with backpressure, and, if the
 * upstream fails mid-way, an error event and a clean end (never a hang or half a JSON line).
 * The access line and the request count are written by the app when the response closes.
 */
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { CallContext } from '../context.js';
import type { ModelTarget } from '../catalog.js';
import { RelayError } from '../../core/errors.js';
import { internalFault, recordFailure } from './chain.js';
import { headerValue } from '../header-value.js';
import type { RelayInfo } from '../services.js';
import type { Frame } from '../../core/frame.js';
import { SSE_HEADERS, SseWriter } from '../stream/sse-write.js';

export interface StreamSendOptions {
  target: ModelTarget;
  attempts: number;
  /** Written after the last frame (`data: [DONE]` for Chat Completions); a function when it depends on the stream (its cost). */
  trailer?: string | (() => string | undefined);
  /** Formats a mid-stream failure as the frame the client's API expects. */
  errorFrames: (err: RelayError) => Array<{ data: string; event?: string }>;
}

/** Never throws: after `hijack()` nobody else would answer the client or release the upstream. */
export async function sendStream(ctx: CallContext, reply: FastifyReply, batches: AsyncIterable<Frame[]>, opts: StreamSendOptions): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  try {
    await writeStream(ctx, res, batches, opts, reply.request.relayInfo);
  } catch (err) {
    answerOwnFailure(ctx, res, err);
  }
}

/** Writes the stream; a failure that ends it early is recorded, and told to the access line (`info`). */
async function writeStream(ctx: CallContext, res: ServerResponse, batches: AsyncIterable<Frame[]>, opts: StreamSendOptions, info: RelayInfo | undefined): Promise<void> {
  res.writeHead(200, {
    ...SSE_HEADERS,
    'x-request-id': ctx.id,
    'x-lmrelay-model': headerValue(opts.target.ref),
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
    if (info) info.failureKind = failure.failureKind;
    if (failure.failureKind !== 'client_abort' && !writer.closed) {
      const shown = new RelayError(ctx.scrub(failure.message), { status: failure.status, code: failure.code, type: failure.type, param: failure.param });
      for (const frame of opts.errorFrames(shown)) await writer.write(frame.data, frame.event);
    }
    writer.end();
  } else writer.end(typeof opts.trailer === 'function' ? opts.trailer() : opts.trailer);
}

/**
 * A fault of lmrelay's own while streaming: a 500 when no byte went out yet, else the
 * connection is cut. The upstream call is cancelled either way (the abort signal it listens to).
 */
function answerOwnFailure(ctx: CallContext, res: ServerResponse, err: unknown): void {
  ctx.log.error({ err }, 'stream failed inside lmrelay');
  const internal = new RelayError('internal error in lmrelay (see its log)', { code: 'internal_error' });
  try {
    if (!res.headersSent && !res.destroyed) {
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': ctx.id });
      res.end(JSON.stringify(internal.toJSON()));
    } else res.destroy();
  } catch {
    res.destroy();
  }
  ctx.signal.abort(internal);
}
