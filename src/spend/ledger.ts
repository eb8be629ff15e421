/**
 * Spend of the current day and month, in dollars, by scope: `key:<name>`, `provider:<id>`,
 * `model:<ref>`. Only the current periods are kept; a new day or month starts from zero.
 */
import { PERIODS, periodId, type PeriodKind } from './period.js';

export interface SpendEntry {
  /** The inbound key's name; unset without server.apiKeys. */
  key?: string;
  provider: string;
  model: string;
  usd: number;
}

/** Totals by period id, then scope. */
export type SpendTotals = Record<string, Record<string, number>>;

export const scopesOf = (entry: SpendEntry): string[] => {
  const scopes = [`provider:${entry.provider}`, `model:${entry.model}`];
  if (entry.key) scopes.push(`key:${entry.key}`);
  return scopes;
};

export class SpendLedger {
  private readonly totals = new Map<string, Map<string, number>>();

  add(entry: SpendEntry, now = Date.now()): void {
    for (const kind of PERIODS) {
      const scopes = this.period(periodId(kind, now));
      for (const scope of scopesOf(entry)) scopes.set(scope, (scopes.get(scope) ?? 0) + entry.usd);
    }
    this.prune(now);
  }

  spent(kind: PeriodKind, scope: string, now = Date.now()): number {
    return this.totals.get(periodId(kind, now))?.get(scope) ?? 0;
  }

  /** Takes another store's totals of a period as they are (Redis, the file). */
  replace(id: string, scopes: Record<string, number>): void {
    const map = new Map<string, number>();
    for (const [scope, usd] of Object.entries(scopes)) {
      const n = Number(usd);
      if (Number.isFinite(n) && n > 0) map.set(scope, n);
    }
    this.totals.set(id, map);
  }

  /** The current periods' totals. */
  snapshot(now = Date.now()): SpendTotals {
    this.prune(now);
    const out: SpendTotals = {};
    for (const [id, scopes] of this.totals) out[id] = Object.fromEntries(scopes);
    return out;
  }

  private period(id: string): Map<string, number> {
    let scopes = this.totals.get(id);
    if (!scopes) this.totals.set(id, (scopes = new Map()));
    return scopes;
  }

  private prune(now: number): void {
    if (this.totals.size <= PERIODS.length) return;
    const current = new Set(PERIODS.map((kind) => periodId(kind, now)));
    for (const id of this.totals.keys()) if (!current.has(id)) this.totals.delete(id);
  }
}
