/**
 * The status page's data, worked out when a page asks (once a second per open page, never per
 * request): providers with their health, cooldown and failure kinds, the models under each, the
 * fallback chains as configured, the per-second series and the recent requests. No prompt or
 * answer is ever part of it; model names are the metrics' labels (a name no config or server
 * knows shows as `other`).
 */
import type { RelayServices } from '../services.js';
import type { Catalog, ModelTarget } from '../catalog.js';
import { WINDOW_SECONDS, type RecentRequest, type Series } from './recorder.js';

/** Requests shown in the table. */
const SHOWN_REQUESTS = 30;

export type Health = 'up' | 'down' | 'cooling' | 'idle';

export interface ProviderStatus {
  id: string;
  api: string;
  address: string;
  /** One of the local servers lmrelay looks for by itself (not in the config file). */
  builtin: boolean;
  health: Health;
  coolingDownMs: number;
  lastOkAgoMs: number | null;
  lastFailure: { kind: string; agoMs: number } | null;
  failures: Record<string, number>;
  models: ModelStatus[];
}

export interface ModelStatus {
  ref: string;
  kind: string;
  recent: { requests: number; errors: number; lastStatus: number | null };
}

export interface StatusSnapshot {
  at: number;
  startedAt: number;
  windowSeconds: number;
  totals: { requests: number; errors: number };
  providers: ProviderStatus[];
  chains: Array<{ model: string; kind: string; chain: string[] }>;
  series: Series;
  recent: RecentRequest[];
}

/** A failure that says the server has trouble (not the request: a 4xx passed back is the client's). */
const troubled = (kind: string) => kind !== '' && kind !== 'http_4xx';

export function statusSnapshot(services: RelayServices): StatusSnapshot {
  const { catalog } = services.state;
  const recorder = services.status;
  const now = Date.now();
  const labels = services.metrics.modelLabels;
  const recent = recorder.latest().map((r) => ({ ...r, model: labels.of(r.model) }));
  const byModel = summarizeByModel(recent);
  const providers: ProviderStatus[] = [];
  for (const provider of catalog.providers.values()) {
    const record = recorder.providerRecord(provider.id);
    const coolingDownMs = services.cooldowns.remainingMs(provider.id);
    const lastOkAt = Math.max(record?.lastOkAt ?? 0, services.readiness.lastOkAt(provider.id) ?? 0);
    const lastFailureAt = record && troubled(record.lastFailureKind) ? record.lastFailureAt : 0;
    const health: Health = coolingDownMs > 0 ? 'cooling' : lastFailureAt > lastOkAt ? 'down' : lastOkAt > 0 ? 'up' : 'idle';
    providers.push({
      id: provider.id,
      api: provider.api,
      address: `${provider.origin}${provider.basePath}`,
      builtin: provider.builtin,
      health,
      coolingDownMs,
      lastOkAgoMs: lastOkAt ? now - lastOkAt : null,
      lastFailure: record?.lastFailureAt ? { kind: record.lastFailureKind, agoMs: now - record.lastFailureAt } : null,
      failures: Object.fromEntries(record?.failures ?? []),
      models: catalog
        .list()
        .filter((t) => t.provider === provider)
        .map((t) => ({ ref: t.ref, kind: t.kind ?? 'chat', recent: byModel.get(t.ref) ?? { requests: 0, errors: 0, lastStatus: null } })),
    });
  }
  return {
    at: now,
    startedAt: recorder.startedAt,
    windowSeconds: WINDOW_SECONDS,
    totals: { requests: recorder.totalRequests, errors: recorder.totalErrors },
    providers,
    chains: configuredChains(catalog),
    series: recorder.series(),
    recent: recent.slice(0, SHOWN_REQUESTS),
  };
}

function summarizeByModel(recent: RecentRequest[]): Map<string, ModelStatus['recent']> {
  const byModel = new Map<string, ModelStatus['recent']>();
  for (const r of recent) {
    let entry = byModel.get(r.model);
    // Newest first: the first one seen is the last status.
    if (!entry) byModel.set(r.model, (entry = { requests: 0, errors: 0, lastStatus: r.status }));
    entry.requests++;
    if (r.status >= 500) entry.errors++;
  }
  return byModel;
}

const chainsOf = new WeakMap<Catalog, StatusSnapshot['chains']>();

/** Each configured model's chain (the primary's first), worked out once per config. */
function configuredChains(catalog: Catalog): StatusSnapshot['chains'] {
  let chains = chainsOf.get(catalog);
  if (chains) return chains;
  const targets = catalog.list();
  const primary = targets.find((t) => t.ref === catalog.primary);
  const ordered: ModelTarget[] = primary ? [primary, ...targets.filter((t) => t !== primary)] : targets;
  chains = ordered.map((t) => {
    const kind = t.kind === 'embedding' ? 'embedding' : 'chat';
    return { model: t.ref, kind, chain: catalog.chainFor(t, kind).map((c) => c.ref) };
  });
  chainsOf.set(catalog, chains);
  return chains;
}
