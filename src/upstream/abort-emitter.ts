/**
 * A cheaper AbortSignal for the hot path: an EventEmitter with `aborted` and `reason`, which
 * undici accepts as a request signal. Node's AbortController/EventTarget pair costs several
 * microseconds per request to create and to listen on; we make two per request.
 */
import { EventEmitter } from 'node:events';

export class AbortEmitter extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}
