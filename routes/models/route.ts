/** GET /v1/models: configured models, what running servers report, and aliases. */
import type { FastifyInstance } from 'fastify';
import type { RelayState } from '../../src/relay-state.js';

interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  root?: string;
  context_window?: number;
}

export default async function modelsRoute(app: FastifyInstance): Promise<void> {
  const created = Math.floor(Date.now() / 1000);
  app.get('/v1/models', async () => {
    // Held while servers are asked, so that a reload meanwhile does not close their pools.
    const state = app.relay.state.hold();
    try {
      return await listModels(state, created);
    } finally {
      state.release();
    }
  });
}

/** Configured models, then what running servers report, then aliases; first of an id wins. */
async function listModels(state: RelayState, created: number): Promise<{ object: 'list'; data: ModelEntry[] }> {
  const { catalog, discovery } = state;
  const seen = new Set<string>();
  const data: ModelEntry[] = [];
  const add = (entry: ModelEntry) => {
    if (!seen.has(entry.id)) {
      seen.add(entry.id);
      data.push(entry);
    }
  };
  for (const target of catalog.list()) {
    add({ id: target.ref, object: 'model', created, owned_by: target.provider.id, root: target.upstreamModel, context_window: target.model?.contextWindow });
  }
  const discovered = await Promise.all(
    [...catalog.providers.values()].filter((p) => p.discover).map(async (p) => ({ provider: p, models: await discovery.models(p) })),
  );
  const fileNames = new Map<string, string | undefined>();
  for (const { provider, models } of discovered) {
    for (const m of models) {
      add({ id: `${provider.id}/${m.id}`, object: 'model', created, owned_by: provider.id, root: m.id, context_window: m.contextWindow });
      // A model reported by its file path is also listed by the file's name (when no other model has it).
      const name = m.aliases?.[0];
      if (name) fileNames.set(name, fileNames.has(name) ? undefined : `${provider.id}/${m.id}`);
    }
  }
  for (const [alias, ref] of catalog.aliasEntries()) add({ id: alias, object: 'model', created, owned_by: 'lmrelay', root: ref });
  for (const [name, ref] of fileNames) if (ref) add({ id: name, object: 'model', created, owned_by: 'lmrelay', root: ref });
  return { object: 'list', data };
}
