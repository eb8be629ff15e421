/**
 * Spend shared by a fleet through Redis: one hash per period (`<prefix>spend:day:2026-11-25`,
 * scope -> dollars), expiring a day after its period ends. Each answer is one pipelined write
 * (HINCRBYFLOAT per scope and period); a request that has budgets to check reads both hashes
 * in one round trip. While Redis is away the local ledger answers alone.
 */
import type { RedisState } from '../state/redis-store.js';
import { SpendLedger, scopesOf, type SpendEntry } from './ledger.js';
import { PERIODS, periodEnd, periodId } from './period.js';
import type { SpendStore } from './store.js';

const KEEP_AFTER_END_MS = 24 * 60 * 60 * 1000;

export class RedisSpend implements SpendStore {
  readonly ledger = new SpendLedger();

  constructor(private readonly state: RedisState) {}

  record(entry: SpendEntry): void {
    const now = Date.now();
    this.ledger.add(entry, now);
    void this.state.attempt((r) => {
      const batch = r.pipeline();
      for (const kind of PERIODS) {
        const key = this.state.key('spend', periodId(kind, now));
        for (const scope of scopesOf(entry)) batch.hincrbyfloat(key, scope, entry.usd);
        batch.pexpireat(key, periodEnd(kind, now) + KEEP_AFTER_END_MS);
      }
      return batch.exec();
    });
  }

  refresh(): Promise<void> | undefined {
    if (!this.state.isUp) return undefined;
    const now = Date.now();
    const ids = PERIODS.map((kind) => periodId(kind, now));
    return this.state
      .attempt((r) => {
        const batch = r.pipeline();
        for (const id of ids) batch.hgetall(this.state.key('spend', id));
        return batch.exec();
      })
      .then((results) => {
        results?.forEach(([err, scopes], i) => {
          if (!err && scopes) this.ledger.replace(ids[i], scopes as Record<string, number>);
        });
      });
  }

  async start(): Promise<void> {}

  async close(): Promise<void> {}
}
