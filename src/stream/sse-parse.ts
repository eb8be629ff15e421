/**
 * Upstream bytes -> SSE events, with eventsource-parser doing the framing and a bounded buffer
 * (an upstream that sends a 10 MB line gets cut off, not buffered).
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseEvent {
  event?: string;
  data: string;
}

/** Largest single SSE event we buffer (characters). Real chunks are a few hundred bytes. */
export const MAX_SSE_EVENT_CHARS = 4 * 1024 * 1024;

export class SseOverflowError extends Error {
  constructor(limit: number) {
    super(`an SSE event exceeded ${limit} characters`);
  }
}

/** One options object for every decode call, not one per network chunk. */
const STREAMING = { stream: true } as const;

/** Yields the events each network chunk completed, as one batch (one await per chunk, not per event). */
export async function* parseSse(
  body: AsyncIterable<Buffer>,
  onChunk: () => void,
  maxEventChars = MAX_SSE_EVENT_CHARS,
): AsyncGenerator<SseEvent[]> {
  let ready: EventSourceMessage[] = [];
  let overflow = false;
  const parser = createParser({
    maxBufferSize: maxEventChars,
    onEvent: (e) => void ready.push(e),
    onError: (e) => {
      if (e.type === 'max-buffer-size-exceeded') overflow = true;
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    onChunk();
    parser.feed(decoder.decode(chunk, STREAMING));
    if (overflow) throw new SseOverflowError(maxEventChars);
    if (ready.length) {
      const batch = ready;
      ready = [];
      yield batch;
    }
  }
  const rest = decoder.decode();
  if (rest) parser.feed(rest);
  // An event whose blank line never came is dropped: it may be half a JSON object.
  if (ready.length) yield ready;
}
