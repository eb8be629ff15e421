/**
 * Providers that just failed to connect or timed out are skipped for a while, so the next
 * request goes straight to a model that works instead of waiting out the same timeout.
 * Backoff doubles from 5 s up to 5 min and resets on success; a 429 holds for its Retry-After.
 */
import type { FailureKind } from '../../core/errors.js';

export const COOLDOWN_BASE_MS = 5_000;
export const COOLDOWN_MAX_MS = 300_000;

const COOLING_KINDS = new Set<FailureKind>([
  'connect_refused',
  'connect_timeout',
  'dns',
  'reset',
  'first_token_timeout',
  'idle_timeout',
  'total_timeout',
]);

interface Entry {
  failures: number;
  until: number;
}

export interface CooldownState {
  provider: string;
  failures: number;
  remainingMs: number;
}

/** What the app asks of cooldowns; the local store and the Redis-backed one implement it. */
export interface CooldownStore {
  /** Milliseconds until the provider may be tried again; 0 when it is not cooling down. */
  remainingMs(provider: string): number;
  recordFailure(provider: string, kind: FailureKind, retryAfterSeconds?: number): void;
  recordSuccess(provider: string): void;
  snapshot(): CooldownState[];
}

/** The in-process store: the single-box one, and the cache under the Redis-backed one. */
export class Cooldowns implements CooldownStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now, readonly baseMs = COOLDOWN_BASE_MS) {}

  /** Milliseconds until the provider may be tried again; 0 when it is not cooling down. */
  remainingMs(provider: string): number {
    const entry = this.entries.get(provider);
    return entry ? Math.max(0, entry.until - this.now()) : 0;
  }

  recordFailure(provider: string, kind: FailureKind, retryAfterSeconds?: number): void {
    if (kind === 'http_429') {
      if (retryAfterSeconds === undefined) return;
      const entry = this.entries.get(provider) ?? { failures: 0, until: 0 };
      entry.until = Math.max(entry.until, this.now() + Math.min(retryAfterSeconds * 1000, COOLDOWN_MAX_MS));
      this.entries.set(provider, entry);
      return;
    }
    if (!COOLING_KINDS.has(kind)) return;
    const entry = this.entries.get(provider) ?? { failures: 0, until: 0 };
    entry.failures += 1;
    entry.until = this.now() + Math.min(this.baseMs * 2 ** (entry.failures - 1), COOLDOWN_MAX_MS);
    this.entries.set(provider, entry);
  }

  /** Whether recordSuccess would change anything (a shared store then tells the others). */
  has(provider: string): boolean {
    return this.entries.has(provider);
  }

  recordSuccess(provider: string): void {
    if (this.entries.size) this.entries.delete(provider);
  }

  /** The state another replica decided (shared store). */
  apply(provider: string, failures: number, until: number): void {
    if (until <= this.now()) this.entries.delete(provider);
    else this.entries.set(provider, { failures, until });
  }

  entry(provider: string): { failures: number; until: number } | undefined {
    return this.entries.get(provider);
  }

  snapshot(): CooldownState[] {
    return [...this.entries].map(([provider, e]) => ({ provider, failures: e.failures, remainingMs: Math.max(0, e.until - this.now()) }));
  }
}
