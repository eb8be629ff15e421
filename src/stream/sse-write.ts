/** Events -> SSE frames on a Node response, honouring backpressure. */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { closeIfStalled } from './write-stall.js';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

export class SseWriter {
  constructor(
    private readonly res: ServerResponse,
    /** A write held back longer than this closes the connection (a client that stopped reading). */
    private readonly stallMs: number,
  ) {}

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  /** Writes one frame; resolves once the socket can take more. */
  async write(data: string, event?: string): Promise<void> {
    return this.writeRaw(event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`);
  }

  private async writeRaw(frame: string): Promise<void> {
    if (this.closed) return;
    // Frames arrive in batches (one per network chunk) and each batch is one write: no corking.
    if (!this.res.write(frame)) await waitDrain(this.res, this.stallMs);
  }

  /** A batch of frames as one write. */
  async writeFrames(frames: ReadonlyArray<{ data: string; event?: string }>): Promise<void> {
    if (frames.length === 1) return this.write(frames[0].data, frames[0].event);
    let text = '';
    for (const f of frames) text += f.event ? `event: ${f.event}\ndata: ${f.data}\n\n` : `data: ${f.data}\n\n`;
    return this.writeRaw(text);
  }

  end(trailer?: string): void {
    if (this.closed) return;
    this.res.end(trailer);
    closeIfStalled(this.res, this.stallMs);
  }
}

async function waitDrain(res: ServerResponse, stallMs: number): Promise<void> {
  closeIfStalled(res, stallMs);
  // 'close' as well, so a client that disconnects while we wait does not leave us hanging.
  const ac = new AbortController();
  await Promise.race([once(res, 'drain', { signal: ac.signal }), once(res, 'close', { signal: ac.signal })]).catch(() => {});
  ac.abort();
}
