/**
 * The client's side of one request: set once, when its connection goes away before the
 * answer ended. It has a single listener, the upstream call in flight (a chain makes one call
 * at a time), so it needs no EventEmitter or AbortController: both cost microseconds per request.
 */
import type { RelayError } from '../../core/errors.js';

export class ClientAbort {
  aborted = false;
  reason?: RelayError;
  private listener?: (reason: RelayError) => void;

  abort(reason: RelayError): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.listener?.(reason);
  }

  /** `listener` is told of the abort from now on (at once when it already happened). */
  listen(listener: (reason: RelayError) => void): void {
    this.listener = listener;
    if (this.aborted) listener(this.reason!);
  }

  unlisten(listener: (reason: RelayError) => void): void {
    if (this.listener === listener) this.listener = undefined;
  }
}
