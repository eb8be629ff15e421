/**
 * The clock of one upstream call, which cancels it at whichever comes first: the total
 * timeout, the first-token timeout (until the first body chunk), the idle timeout (gap between
 * chunks), or the client going away. The reason is the RelayError that explains it, so the
 * classifier never has to guess which timer fired.
 */
import { RelayError, type FailureKind } from '../../core/errors.js';
import type { ProviderTimeouts } from '../catalog.js';
import type { ClientAbort } from './client-abort.js';

/** What a deadline cancels: the upstream exchange in flight. */
export interface Cancellable {
  cancel(reason: RelayError): void;
}

export class CallDeadline {
  private cancelled?: RelayError;
  private target?: Cancellable;
  private total?: NodeJS.Timeout;
  private firstToken?: NodeJS.Timeout;
  private idle?: NodeJS.Timeout;
  private readonly onClientAbort = (reason: RelayError) => this.abort(reason);

  constructor(
    private readonly label: string,
    private readonly timeouts: ProviderTimeouts,
    private readonly client: ClientAbort,
  ) {
    if (Number.isFinite(timeouts.totalMs)) {
      this.total = setTimeout(() => this.expire('total_timeout', timeouts.totalMs), timeouts.totalMs);
    }
    client.listen(this.onClientAbort);
  }

  /** Whether gaps between body chunks are timed (then bodies must be read chunk by chunk). */
  get watchesIdle(): boolean {
    return Number.isFinite(this.timeouts.idleMs) && this.timeouts.idleMs < this.timeouts.totalMs;
  }

  /** The exchange this deadline cancels from now on (cancelled at once if the time is up). */
  watch(target: Cancellable): void {
    this.target = target;
    if (this.cancelled) target.cancel(this.cancelled);
  }

  /** Streams: start waiting for the first chunk (cold model loads). */
  armFirstToken(): void {
    const ms = this.timeouts.firstTokenMs;
    if (this.cancelled) return;
    if (Number.isFinite(ms) && ms < this.timeouts.totalMs) this.firstToken = setTimeout(() => this.expire('first_token_timeout', ms), ms);
  }

  /** A body chunk arrived: the first-token wait is over and the idle clock restarts. */
  touch(): void {
    if (this.firstToken) {
      clearTimeout(this.firstToken);
      this.firstToken = undefined;
    }
    const ms = this.timeouts.idleMs;
    if (this.cancelled || !Number.isFinite(ms) || ms >= this.timeouts.totalMs) return;
    if (this.idle) this.idle.refresh();
    else this.idle = setTimeout(() => this.expire('idle_timeout', ms), ms);
  }

  abort(reason: RelayError): void {
    if (this.cancelled) return;
    this.cancelled = reason;
    this.dispose();
    this.target?.cancel(reason);
  }

  /** The error the call was cancelled with, if any. */
  get reason(): RelayError | undefined {
    return this.cancelled;
  }

  dispose(): void {
    clearTimeout(this.total);
    clearTimeout(this.firstToken);
    clearTimeout(this.idle);
    this.client.unlisten(this.onClientAbort);
  }

  private expire(kind: FailureKind, ms: number): void {
    const what = kind === 'first_token_timeout' ? 'no first token' : kind === 'idle_timeout' ? 'stream idle' : 'timeout';
    this.abort(
      new RelayError(`${this.label}: ${what} after ${formatSeconds(ms)}`, { code: 'upstream_timeout', failureKind: kind, retryable: true }),
    );
  }
}

export function clientAbort(): RelayError {
  return new RelayError('client closed the request', { code: 'client_closed_request', failureKind: 'client_abort' });
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}
