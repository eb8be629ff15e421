/**
 * Rate-limit counters shared by a fleet through Redis, at one Redis command per limited
 * request: the check counts the request, adds the tokens of this replica's answers since its
 * last check of the key, and reads both totals of the window (see RedisState.countInWindow).
 * Tokens with no check to ride on are flushed after TOKEN_FLUSH_MS. While Redis is away the
 * in-process counter answers instead.
 */
import { PendingTokens } from './pending-tokens.js';
import { LocalRateLimiter, countableTokens, decide, windowOf, type RateDecision, type RateLimiter, type RateLimits } from './rate-limit.js';

/** Longest a token count waits in a replica for the key's next check before it is sent alone. */
export const TOKEN_FLUSH_MS = 1000;

/** The part of RedisState the limiter uses. */
export interface WindowCounters {
  readonly isUp: boolean;
  /** Adds to the window's counts and answers [requests, tokens] after; undefined when Redis failed. */
  countInWindow(key: string, window: number, requests: 0 | 1, tokens: number): Promise<[number, number] | undefined>;
  /** Bounds the life of a window's counts (sent by whichever call created them). */
  expireWindow(key: string, window: number): void;
}

export class SharedRateLimiter implements RateLimiter {
  private readonly pending = new PendingTokens();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly local: LocalRateLimiter,
    private readonly counters: WindowCounters,
    private readonly flushMs = TOKEN_FLUSH_MS,
  ) {}

  async consume(key: string, limits: RateLimits): Promise<RateDecision> {
    const now = Date.now();
    const window = windowOf(now);
    const carried = this.pending.take(key, window);
    const counts = await this.counters.countInWindow(key, window, 1, carried);
    if (!counts) {
      this.local.addTokens(key, carried);
      return this.local.consumeSync(key, limits);
    }
    if (counts[0] === 1) this.counters.expireWindow(key, window);
    return decide(counts[0], counts[1], limits, now);
  }

  addTokens(key: string, tokens: number): void {
    const counted = countableTokens(tokens);
    if (counted <= 0) return;
    if (!this.counters.isUp) return this.local.addTokens(key, counted);
    const now = Date.now();
    this.pending.add(key, windowOf(now), counted, now);
    this.schedule();
  }

  /** Sends every count still held (on close). */
  async flushAll(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.send(Infinity);
  }

  private schedule(): void {
    if (this.timer) return;
    const oldest = this.pending.oldest();
    if (oldest === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.send(Date.now() - this.flushMs).then(() => this.schedule());
    }, Math.max(0, oldest + this.flushMs - Date.now()));
    this.timer.unref();
  }

  /** Sends the counts that arrived at or before `before`. */
  private async send(before: number): Promise<void> {
    const due = this.pending.takeDue(before, windowOf(Date.now()));
    await Promise.all(
      due.map(async ({ key, window, tokens }) => {
        const counts = await this.counters.countInWindow(key, window, 0, tokens);
        if (!counts) this.local.addTokens(key, tokens);
        // No check has created this window's counts yet: this call did.
        else if (counts[0] === 0) this.counters.expireWindow(key, window);
      }),
    );
  }
}
