/**
 * Which deployment a client's conversation is on, bounded in size and age: a Map kept in
 * least-recently-used order (a hit moves its key to the end; the first key is the oldest).
 */
export class StickyMap {
  private readonly entries = new Map<string, { ref: string; until: number }>();

  constructor(
    readonly maxEntries: number,
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    const now = this.now();
    if (entry.until <= now) return undefined;
    entry.until = now + this.ttlMs;
    this.entries.set(key, entry);
    return entry.ref;
  }

  set(key: string, ref: string): void {
    this.entries.delete(key);
    this.entries.set(key, { ref, until: this.now() + this.ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
