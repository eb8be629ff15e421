/**
 * Opens an upstream SSE (or NDJSON) body as batches of frames (all the events one network chunk
 * completed): waits for the first event (so the chain can still fall back), then yields the
 * rest. Stops at `[DONE]`, turns an upstream error event or an event that is not a JSON object
 * into a RelayError, and classifies every failure (reset, idle timeout, overflow, truncation).
 */
import { RelayError } from '../../core/errors.js';
import { Frame } from '../../core/frame.js';
import { parseSse, SseOverflowError, type SseEvent } from '../stream/sse-parse.js';
import { parseNdjson } from '../stream/ndjson-parse.js';
import type { CallDeadline } from './deadline.js';
import type { UpstreamResponse } from './http.js';
import { badResponse, classifyError } from './classify.js';
import { errorInAnswer } from './error-body.js';

export interface OpenedStream {
  frames: AsyncIterable<Frame[]>;
  deadline: CallDeadline;
}

export interface StreamOptions {
  label: string;
  /** Decides whether a stream that ended without [DONE] still ended properly. */
  isComplete: (lastFrames: Frame[]) => boolean;
  /** Server-sent events (the default), or one JSON object a line. */
  framing?: 'sse' | 'ndjson';
}

export async function openSseStream(res: UpstreamResponse, deadline: CallDeadline, opts: StreamOptions): Promise<OpenedStream> {
  const parse = opts.framing === 'ndjson' ? parseNdjson : parseSse;
  const batches = parse(res.body, () => deadline.touch())[Symbol.asyncIterator]();
  for (;;) {
    const next = await nextBatch(batches, deadline, opts.label);
    if (next.done) throw badResponse(opts.label, 'stream ended before its first event');
    if (next.value.length === 0) continue;
    // Converted here, before the chain commits: an error as the first event still falls back.
    const first = toFrames(next.value, opts.label);
    return { frames: framesFrom(first, batches, deadline, opts), deadline };
  }
}

interface Converted {
  frames: Frame[];
  done: boolean;
}

async function* framesFrom(first: Converted, batches: AsyncIterator<SseEvent[]>, deadline: CallDeadline, opts: StreamOptions): AsyncGenerator<Frame[]> {
  // The last two frames, for isComplete: kept as two variables, no array per batch.
  let beforeLast: Frame | undefined;
  let last: Frame | undefined;
  let sawDone = false;
  try {
    let batch = first;
    for (;;) {
      const frames = batch.frames;
      if (frames.length) {
        beforeLast = frames.length >= 2 ? frames[frames.length - 2] : last;
        last = frames[frames.length - 1];
        yield frames;
      }
      if (batch.done) {
        sawDone = true;
        return;
      }
      const next = await nextBatch(batches, deadline, opts.label);
      if (next.done) {
        const recent = beforeLast ? [beforeLast, last!] : last ? [last] : [];
        if (!opts.isComplete(recent)) throw badResponse(opts.label, 'stream ended before it finished (truncated)');
        return;
      }
      batch = toFrames(next.value, opts.label);
    }
  } finally {
    deadline.dispose();
    // After [DONE] the body's last bytes are usually in flight: read them in the background so
    // the keep-alive socket is reused. Cutting the body off here would close the connection and
    // make the next request pay for a new one.
    if (sawDone) void drainAfterDone(batches);
    else await batches.return?.(undefined);
  }
}

const DRAIN_AFTER_DONE_MS = 1000;

async function drainAfterDone(batches: AsyncIterator<SseEvent[]>): Promise<void> {
  const timer = setTimeout(() => void batches.return?.(undefined), DRAIN_AFTER_DONE_MS);
  try {
    while (!(await batches.next()).done);
  } catch {
    // a server that resets after [DONE] changes nothing for the client
  } finally {
    clearTimeout(timer);
  }
}

async function nextBatch(batches: AsyncIterator<SseEvent[]>, deadline: CallDeadline, label: string) {
  try {
    return await batches.next();
  } catch (err) {
    if (err instanceof SseOverflowError) throw badResponse(label, err.message);
    throw classifyError(err, label, deadline.reason);
  }
}

/** The frames of one batch, up to `[DONE]` (anything after it is ignored). */
function toFrames(events: SseEvent[], label: string): Converted {
  const frames: Frame[] = [];
  for (const event of events) {
    const frame = toFrame(event, label);
    if (frame === null) return { frames, done: true };
    frames.push(frame);
  }
  return { frames, done: false };
}

/**
 * null for the `[DONE]` sentinel. Each event is parsed once, here: one that is not a JSON
 * object, or that carries an upstream error, never reaches the client as a chunk. The parsed
 * object rides along, so an adapter that reads it later does not parse again, and a frame no
 * adapter changes is still written as the upstream's own text.
 */
function toFrame(event: SseEvent, label: string): Frame | null {
  const data = event.data;
  if (data === '[DONE]') return null;
  let json: any;
  try {
    json = JSON.parse(data);
  } catch {
    throw badResponse(label, `invalid JSON in stream event: ${JSON.stringify(data.slice(0, 80))}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw badResponse(label, `stream event is not a JSON object: ${JSON.stringify(data.slice(0, 80))}`);
  }
  const error = event.event === 'error' ? (errorInAnswer(json) ?? data.slice(0, 200)) : errorInAnswer(json);
  if (error !== undefined) {
    throw new RelayError(`${label}: upstream stream error: ${error}`, {
      code: 'upstream_error',
      failureKind: 'bad_response',
      retryable: true,
    });
  }
  return new Frame(data, json, event.event);
}
