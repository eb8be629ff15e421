/**
 * Log lines gathered into batches of about 4 KiB (or whatever 200 ms brought) before they reach
 * sonic-boom, which does the writing. sonic-boom measures the UTF-8 length of its whole pending
 * buffer on every write (4.2.x), which made each request's log line cost ~1.5 µs here; handed
 * whole batches, it does that once per batch.
 */
export interface LineSink {
  write(data: string): unknown;
  flushSync?(): void;
}

export class LogBatch {
  private parts: string[] = [];
  private size = 0;

  private sink!: LineSink;

  constructor(
    private readonly batchChars = 4096,
    flushEveryMs = 200,
  ) {
    setInterval(() => this.flush(), flushEveryMs).unref();
    // Made before the sink, so this runs before the sink's own exit handler ends it.
    process.once('exit', () => {
      try {
        this.flush();
        this.sink.flushSync?.();
      } catch {
        // the sink is already closed (e.g. its pipe went away): nothing more can be written
      }
    });
  }

  /** Where batches go; set once, after the batch exists (see the exit handler). */
  to(sink: LineSink): this {
    this.sink = sink;
    return this;
  }

  write(line: string): boolean {
    this.parts.push(line);
    this.size += line.length;
    if (this.size >= this.batchChars) this.flush();
    return true;
  }

  /** Hands what is gathered to the sink now (pino's logger.flush(cb) lands here too). */
  flush(cb?: (err?: Error) => void): void {
    if (this.size === 0) return cb?.();
    const batch = this.parts.length === 1 ? this.parts[0] : this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.sink.write(batch);
    cb?.();
  }
}
