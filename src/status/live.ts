/**
 * The status page's live feed: one snapshot a second, as SSE, to every open page. The timer runs
 * only while a page is connected, and one snapshot is shared by all of them. A page that stops
 * reading is dropped rather than buffered for.
 */
import type { ServerResponse } from 'node:http';
import { SSE_HEADERS } from '../stream/sse-write.js';

/** A page further behind than this is cut (it reconnects, EventSource does so by itself). */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Open pages at once; past that a page gets 503 rather than costing a snapshot share. */
export const MAX_PAGES = 32;

export class LiveFeed {
  private readonly pages = new Set<ServerResponse>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly snapshot: () => unknown,
    /** A snapshot that failed (a fault of lmrelay's own): logged; the pages keep the last one. */
    private readonly onError: (err: unknown) => void,
    private readonly intervalMs = 1000,
  ) {}

  get open(): number {
    return this.pages.size;
  }

  /** Starts the feed on a response the caller has taken over (hijacked). False when full. */
  add(res: ServerResponse, headers: Record<string, string>): boolean {
    if (this.pages.size >= MAX_PAGES) return false;
    res.writeHead(200, { ...SSE_HEADERS, ...headers });
    this.pages.add(res);
    res.once('close', () => {
      this.pages.delete(res);
      if (this.pages.size === 0) this.stop();
    });
    res.write(`retry: 2000\n\n`);
    const frame = this.frame();
    if (frame) this.send([res], frame);
    this.timer ??= setInterval(() => this.tick(), this.intervalMs);
    return true;
  }

  /** Ends every feed (the server is closing: open pages must not hold it up). */
  close(): void {
    this.stop();
    for (const res of this.pages) res.end();
    this.pages.clear();
  }

  private tick(): void {
    if (this.pages.size === 0) return this.stop();
    const frame = this.frame();
    if (frame) this.send(this.pages, frame);
  }

  private frame(): string | undefined {
    try {
      return `data: ${JSON.stringify(this.snapshot())}\n\n`;
    } catch (err) {
      this.onError(err);
      return undefined;
    }
  }

  private send(pages: Iterable<ServerResponse>, frame: string): void {
    for (const res of pages) {
      if (res.destroyed || res.writableEnded) continue;
      if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
      else res.write(frame);
    }
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
