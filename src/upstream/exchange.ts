/**
 * One upstream HTTP exchange as an undici dispatch handler. The head (status, headers) arrives
 * as a promise; the body is read either whole (`text()`, for JSON answers) or chunk by chunk
 * (async iteration, for SSE) with backpressure: undici is paused while more than 64 KiB wait.
 * Cheaper than undici's `request()`, which builds a Readable stream and wires an abort signal
 * for every call; here a cancel is one direct call on undici's controller.
 */
import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';

const HIGH_WATER_BYTES = 64 * 1024;

export interface ExchangeHead {
  status: number;
  headers: IncomingHttpHeaders;
  body: ExchangeBody;
}

/** What the rest of lmrelay sees of a response body. */
export interface ExchangeBody extends AsyncIterable<Buffer> {
  /** The whole body as UTF-8; over `limit` bytes it fails, or with `truncate` it is cut there. */
  text(limit: number, truncate?: boolean): Promise<string>;
  /** Called for every chunk as it arrives (the idle clock). */
  onChunk?: () => void;
  /** Stops reading and closes the exchange (the connection is not reused). */
  destroy(): void;
}

export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`response larger than ${limit} bytes`);
  }
}

export class Exchange implements Dispatcher.DispatchHandler, ExchangeBody, AsyncIterator<Buffer> {
  readonly head: Promise<ExchangeHead>;
  onChunk?: () => void;
  private resolveHead!: (head: ExchangeHead) => void;
  private rejectHead!: (err: unknown) => void;
  private controller?: Dispatcher.DispatchController;
  private started = false;
  private ended = false;
  private failure: unknown;
  private cancelled?: unknown;
  private readonly chunks: Buffer[] = [];
  private queuedBytes = 0;
  /** A reader waiting for the next chunk, the end or a failure. */
  private wake?: () => void;
  /** Whole-body reads: collected without a queue or pauses. */
  private collect?: { limit: number; truncate: boolean; size: number; resolve: (text: string) => void; reject: (err: unknown) => void };

  constructor() {
    this.head = new Promise<ExchangeHead>((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
    });
  }

  /** Ends the exchange with `reason`, whatever state it is in (timeouts, client gone). */
  cancel(reason: unknown): void {
    if (this.ended || this.failure !== undefined) return;
    this.cancelled = reason;
    if (this.controller) this.controller.abort(reason as Error);
    this.fail(reason);
  }

  // --- undici's side ---------------------------------------------------------------------

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Cancelled while queued for a connection: never send it.
    if (this.cancelled !== undefined) controller.abort(this.cancelled as Error);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    this.started = true;
    this.resolveHead({ status, headers, body: this });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.onChunk?.();
    const collect = this.collect;
    if (collect) {
      if (collect.size + chunk.length > collect.limit) {
        if (!collect.truncate) return this.cancel(new BodyTooLargeError(collect.limit));
        this.chunks.push(chunk.subarray(0, collect.limit - collect.size));
        collect.size = collect.limit;
        const rest = this.chunks.splice(0);
        this.collect = undefined;
        collect.resolve(Buffer.concat(rest, collect.size).toString('utf8'));
        this.cancel(new Error('body cut off at its limit'));
        return;
      }
      collect.size += chunk.length;
      this.chunks.push(chunk);
      return;
    }
    this.chunks.push(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > HIGH_WATER_BYTES) controller.pause();
    this.wakeReader();
  }

  onResponseEnd(): void {
    this.ended = true;
    const collect = this.collect;
    if (collect) {
      this.collect = undefined;
      const parts = this.chunks.splice(0);
      collect.resolve(parts.length === 1 ? parts[0].toString('utf8') : Buffer.concat(parts, collect.size).toString('utf8'));
      return;
    }
    this.wakeReader();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.fail(this.cancelled ?? err);
  }

  private fail(err: unknown): void {
    if (this.ended || this.failure !== undefined) return;
    this.failure = err;
    if (!this.started) this.rejectHead(err);
    const collect = this.collect;
    if (collect) {
      this.collect = undefined;
      collect.reject(err);
    }
    this.wakeReader();
  }

  private wakeReader(): void {
    const wake = this.wake;
    if (wake) {
      this.wake = undefined;
      wake();
    }
  }

  // --- the reader's side -------------------------------------------------------------------

  text(limit: number, truncate = false): Promise<string> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    let size = 0;
    for (const chunk of this.chunks) size += chunk.length;
    if (size > limit || this.ended) {
      const whole = Buffer.concat(this.chunks.splice(0), size);
      if (size > limit) {
        if (!truncate) {
          const err = new BodyTooLargeError(limit);
          this.cancel(err);
          return Promise.reject(err);
        }
        this.cancel(new Error('body cut off at its limit'));
      }
      return Promise.resolve(whole.subarray(0, limit).toString('utf8'));
    }
    return new Promise<string>((resolve, reject) => {
      this.collect = { limit, truncate, size, resolve, reject };
      this.queuedBytes = 0;
      this.controller?.resume();
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this;
  }

  next(): Promise<IteratorResult<Buffer>> {
    const chunk = this.chunks.shift();
    if (chunk) {
      this.queuedBytes -= chunk.length;
      if (this.queuedBytes <= HIGH_WATER_BYTES) this.controller?.resume();
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise<void>((resolve) => (this.wake = resolve)).then(() => this.next());
  }

  return(): Promise<IteratorResult<Buffer>> {
    this.destroy();
    return Promise.resolve({ value: undefined, done: true });
  }

  destroy(): void {
    this.chunks.length = 0;
    this.cancel(new Error('response body closed by lmrelay'));
  }
}

/** Starts `request` on `dispatcher`; the exchange's head settles when the response starts. */
export function startExchange(dispatcher: Dispatcher, request: Dispatcher.DispatchOptions): Exchange {
  const exchange = new Exchange();
  dispatcher.dispatch(request, exchange);
  return exchange;
}
