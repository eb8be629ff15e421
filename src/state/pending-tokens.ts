/**
 * Token counts a replica has seen but not yet sent to Redis, per rate key. They ride on the
 * key's next check (one command instead of two) or are flushed once they have waited too long.
 * Counts belong to the one-minute window in which the answer finished; once that window is
 * over they decide nothing and are dropped, as they would have counted only in a closed window.
 */
interface Entry {
  window: number;
  tokens: number;
  /** When the first of these tokens arrived (ms). */
  since: number;
}

export interface DueTokens {
  key: string;
  window: number;
  tokens: number;
}

export class PendingTokens {
  private readonly entries = new Map<string, Entry>();

  get size(): number {
    return this.entries.size;
  }

  add(key: string, window: number, tokens: number, now: number): void {
    const entry = this.entries.get(key);
    if (entry && entry.window === window) entry.tokens = Math.min(entry.tokens + tokens, Number.MAX_SAFE_INTEGER);
    else this.entries.set(key, { window, tokens, since: now });
  }

  /** Takes what `key` holds for `window` (0 when nothing, or only a closed window's count). */
  take(key: string, window: number): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    this.entries.delete(key);
    return entry.window === window ? entry.tokens : 0;
  }

  /** Takes every count that arrived at or before `before`, dropping those of windows before `window`. */
  takeDue(before: number, window: number): DueTokens[] {
    const due: DueTokens[] = [];
    for (const [key, entry] of this.entries) {
      if (entry.since > before) continue;
      this.entries.delete(key);
      if (entry.window >= window) due.push({ key, window: entry.window, tokens: entry.tokens });
    }
    return due;
  }

  /** When the oldest count still held arrived, if any is. */
  oldest(): number | undefined {
    let oldest: number | undefined;
    for (const entry of this.entries.values()) if (oldest === undefined || entry.since < oldest) oldest = entry.since;
    return oldest;
  }
}
