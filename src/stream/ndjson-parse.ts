/**
 * Upstream bytes -> one JSON text per line (Ollama's streams: newline-delimited JSON), in the
 * shape SSE events take (`data` only), with the same bounded buffer: a line that never ends is
 * cut off, not buffered.
 */
import { MAX_SSE_EVENT_CHARS, SseOverflowError, type SseEvent } from './sse-parse.js';

export class LineOverflowError extends SseOverflowError {
  constructor(limit: number) {
    super(limit);
    this.message = `a stream line exceeded ${limit} characters`;
  }
}

/** Yields the lines each network chunk completed, as one batch; blank lines are skipped. */
export async function* parseNdjson(body: AsyncIterable<Buffer>, onChunk: () => void, maxLineChars = MAX_SSE_EVENT_CHARS): AsyncGenerator<SseEvent[]> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of body) {
    onChunk();
    const text = pending + decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    pending = lines.pop()!;
    if (pending.length > maxLineChars) throw new LineOverflowError(maxLineChars);
    const batch: SseEvent[] = [];
    for (const line of lines) {
      if (line.length > maxLineChars) throw new LineOverflowError(maxLineChars);
      const data = line.trim();
      if (data) batch.push({ data });
    }
    if (batch.length) yield batch;
  }
  // A last line without its newline is whole when it parses; a cut one fails as invalid JSON.
  const last = (pending + decoder.decode()).trim();
  if (last) yield [{ data: last }];
}
