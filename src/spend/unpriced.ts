/**
 * Hosted models (a provider on a public host) with no `cost`: their answers are not priced, so
 * no spend is counted for them and key budgets do not stop them. Doctor warns about them.
 */
import type { Catalog } from '../catalog.js';
import { isPrivateHostname } from '../net/policy.js';

export function unpricedHostedModels(catalog: Catalog): string[] {
  const warnings: string[] = [];
  for (const p of catalog.providers.values()) {
    if (p.builtin || isPrivateHostname(p.hostname)) continue;
    const unpriced = p.config.models.filter((m) => !m.cost).map((m) => `${p.id}/${m.id}`);
    if (unpriced.length) warnings.push(`hosted models with no cost (not priced, key budgets do not stop them): ${unpriced.join(', ')}; set models.providers.${p.id}.models[].cost`);
    if (p.open) warnings.push(`hosted provider ${p.id} serves models the config does not list: they have no cost; list them with their cost`);
  }
  return warnings;
}
