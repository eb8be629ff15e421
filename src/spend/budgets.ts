/**
 * Whether a model of a chain may be tried under the budgets: its provider's (every answer it
 * gives counts), and the inbound key's (answers of priced models count; free local ones never
 * stop a key). Read from the ledger alone: no I/O while a chain is walked.
 */
import type { ModelTarget } from '../catalog.js';
import type { Budget, Config } from '../config/schema.js';
import type { SpendLedger } from './ledger.js';
import { isPriced } from './price.js';

export interface BudgetedKey {
  name: string;
  budget?: Budget;
}

export function overBudget(ledger: SpendLedger, target: ModelTarget, key: BudgetedKey | undefined, now = Date.now()): string | undefined {
  const provider = target.provider.config.budget;
  if (provider && ledger.spent(provider.period, `provider:${target.provider.id}`, now) >= provider.usd) {
    return `provider ${target.provider.id} spent its $${provider.usd} ${PER[provider.period]} budget`;
  }
  if (key?.budget && isPriced(target.model?.cost) && ledger.spent(key.budget.period, `key:${key.name}`, now) >= key.budget.usd) {
    return `key ${key.name} spent its $${key.budget.usd} ${PER[key.budget.period]} budget`;
  }
  return undefined;
}

const PER = { day: 'daily', month: 'monthly' } as const;

const hasBudgetsCache = new WeakMap<object, boolean>();

/** Whether the config sets any budget (then requests read shared spend before their chain). */
export function hasBudgets(config: Readonly<Config>): boolean {
  let known = hasBudgetsCache.get(config);
  if (known === undefined) {
    known =
      Object.values(config.models.providers).some((p) => p.budget) || (config.server.apiKeys ?? []).some((k) => typeof k === 'object' && k.budget !== undefined);
    hasBudgetsCache.set(config, known);
  }
  return known;
}
