/**
 * Per-key request and token budgets per minute (fixed one-minute windows). The in-process
 * counter is the single-box store and the fallback of the Redis one.
 */
export interface RateLimits {
  rpm?: number;
  tpm?: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the current window ends (for Retry-After). */
  retryAfterSeconds: number;
  reason?: 'rpm' | 'tpm';
}

export interface RateLimiter {
  /** Counts one request for `key` and says whether it may go on. */
  consume(key: string, limits: RateLimits): Promise<RateDecision>;
  /** Adds the tokens a request used to `key`'s current window. */
  addTokens(key: string, tokens: number): void;
}

export const WINDOW_MS = 60_000;

export const windowOf = (now: number) => Math.floor(now / WINDOW_MS);
export const secondsLeft = (now: number) => Math.max(1, Math.ceil((WINDOW_MS - (now % WINDOW_MS)) / 1000));

/**
 * Token counts come from upstream answers: anything but a finite positive number counts as
 * none (a NaN or a string would poison the counter, or the Redis command that carries it).
 */
export function countableTokens(tokens: number): number {
  return typeof tokens === 'number' && tokens > 0 && Number.isFinite(tokens) ? Math.min(Math.round(tokens), Number.MAX_SAFE_INTEGER) : 0;
}

export function decide(requests: number, tokens: number, limits: RateLimits, now: number): RateDecision {
  if (limits.rpm !== undefined && requests > limits.rpm) return { allowed: false, retryAfterSeconds: secondsLeft(now), reason: 'rpm' };
  if (limits.tpm !== undefined && tokens >= limits.tpm) return { allowed: false, retryAfterSeconds: secondsLeft(now), reason: 'tpm' };
  return { allowed: true, retryAfterSeconds: 0 };
}

export class LocalRateLimiter implements RateLimiter {
  private readonly counters = new Map<string, { window: number; requests: number; tokens: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  private counter(key: string) {
    const window = windowOf(this.now());
    let c = this.counters.get(key);
    if (!c || c.window !== window) {
      c = { window, requests: 0, tokens: 0 };
      this.counters.set(key, c);
    }
    return c;
  }

  async consume(key: string, limits: RateLimits): Promise<RateDecision> {
    return this.consumeSync(key, limits);
  }

  consumeSync(key: string, limits: RateLimits): RateDecision {
    const c = this.counter(key);
    c.requests += 1;
    return decide(c.requests, c.tokens, limits, this.now());
  }

  addTokens(key: string, tokens: number): void {
    const counted = countableTokens(tokens);
    if (counted > 0) this.counter(key).tokens += counted;
  }
}
