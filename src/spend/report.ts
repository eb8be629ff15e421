/** What `lmrelay spend` prints: this day's and month's spend by key, provider and model, beside their budgets. */
import { Redis } from 'ioredis';
import type { LoadedConfig } from '../config/load.js';
import { REDIS_DEFAULTS } from '../config/schema.js';
import { readSpendFile } from './file-spend.js';
import type { SpendTotals } from './ledger.js';
import { PERIODS, periodId, type PeriodKind } from './period.js';
import { spendFileOf } from './spend-file-path.js';

/** From Redis when replicas share it (`redisUrl`: REDIS_URL), else from the spend file. */
export async function readSpend(loaded: LoadedConfig, redisUrl: string | undefined, now = Date.now()): Promise<{ from: string; totals: SpendTotals }> {
  const url = redisUrl ?? loaded.config.state.redis?.url;
  if (url) {
    const prefix = loaded.config.state.redis?.keyPrefix ?? REDIS_DEFAULTS.keyPrefix;
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3000, retryStrategy: () => null });
    try {
      await redis.connect();
      const totals: SpendTotals = {};
      for (const kind of PERIODS) {
        const id = periodId(kind, now);
        totals[id] = Object.fromEntries(Object.entries(await redis.hgetall(`${prefix}spend:${id}`)).map(([scope, usd]) => [scope, Number(usd)]));
      }
      return { from: 'redis', totals };
    } finally {
      redis.disconnect();
    }
  }
  const file = spendFileOf(loaded);
  return { from: file ?? '(no spend file: the config was not read from a file)', totals: file ? readSpendFile(file) : {} };
}

export function formatSpend(loaded: LoadedConfig, totals: SpendTotals, now = Date.now()): string {
  const budgets = budgetsOf(loaded);
  const lines: string[] = [];
  for (const kind of PERIODS) {
    const id = periodId(kind, now);
    const scopes = Object.entries(totals[id] ?? {}).sort(([a], [b]) => a.localeCompare(b));
    lines.push(`${id.replace(':', ' ')}`);
    if (scopes.length === 0) lines.push('  no spend');
    for (const [scope, usd] of scopes) {
      const budget = budgets.get(`${kind} ${scope}`);
      lines.push(`  ${scope.padEnd(40)} $${Number(usd).toFixed(4)}${budget !== undefined ? ` of $${budget}` : ''}`);
    }
  }
  return lines.join('\n');
}

/** `<period> <scope>` -> dollars, for the budgets the config sets. */
function budgetsOf(loaded: LoadedConfig): Map<string, number> {
  const out = new Map<string, number>();
  const set = (period: PeriodKind, scope: string, usd: number) => out.set(`${period} ${scope}`, usd);
  for (const [id, p] of Object.entries(loaded.config.models.providers)) if (p.budget) set(p.budget.period, `provider:${id}`, p.budget.usd);
  (loaded.config.server.apiKeys ?? []).forEach((k, i) => {
    if (typeof k === 'object' && k.budget) set(k.budget.period, `key:${k.name ?? `key${i + 1}`}`, k.budget.usd);
  });
  return out;
}
