/** A hosted model with a cost (a public-looking name resolved to a local mock) and a free local model in one chain. */
import { staticLookup } from '../helpers/relay.js';

// Dollars per million tokens: big enough that one mock answer costs cents.
export const COST = { input: 3000, output: 15000, cacheRead: 300 };
export const KEY = 'sk-client-alice-0123456789';
export const lookup = staticLookup({ 'api.hosted-llm.example': '127.0.0.1' });

export function spendConfig(mockPort: number, localBaseUrl: string, extra: { state?: Record<string, unknown>; keyBudgetUsd?: number; providerBudgetUsd?: number } = {}) {
  return {
    server: { apiKeys: [{ key: KEY, name: 'alice', ...(extra.keyBudgetUsd ? { budget: { usd: extra.keyBudgetUsd, period: 'day' } } : {}) }] },
    models: {
      providers: {
        hosted: {
          baseUrl: `http://api.hosted-llm.example:${mockPort}/v1`,
          apiKey: 'sk-hosted-0123456789abcdef',
          models: [{ id: 'big', cost: COST }],
          ...(extra.providerBudgetUsd ? { budget: { usd: extra.providerBudgetUsd, period: 'month' } } : {}),
        },
        local: { baseUrl: localBaseUrl, models: [{ id: 'small' }] },
      },
    },
    agents: { defaults: { model: { primary: 'hosted/big', fallbacks: ['local/small'] } } },
    state: extra.state ?? {},
  };
}

