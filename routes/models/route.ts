/**
 * GET /v1/models and GET /v1/models/{id}: configured models, what running servers report, and
 * aliases. A request with `anthropic-version` (an Anthropic SDK or Claude Code) gets Anthropic's
 * shapes: its paged list, its model object, its error body (the guard's 401 and 429 too).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RelayState } from '../../src/relay-state.js';
import { RelayError } from '../../core/errors.js';
import { MAX_MODEL_NAME_LENGTH } from '../../src/requests/common-fields.js';
import { anthropicErrorBody } from '../messages/errors.js';

interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  root?: string;
  context_window?: number;
}

interface Listed {
  data: ModelEntry[];
  /** Configured display names (`models[].name`) by id. */
  names: Map<string, string>;
}

interface AnthropicModel {
  type: 'model';
  id: string;
  display_name: string;
  created_at: string;
}

/** Anthropic's page size when the client names none, and its largest. */
const ANTHROPIC_PAGE = { default: 20, max: 1000 };

export default async function modelsRoute(app: FastifyInstance): Promise<void> {
  const created = Math.floor(Date.now() / 1000);
  const createdAt = new Date(created * 1000).toISOString();
  const anthropicModel = (entry: ModelEntry, names: Map<string, string>): AnthropicModel => ({
    type: 'model',
    id: entry.id,
    display_name: names.get(entry.id) ?? entry.id,
    created_at: createdAt,
  });

  const answerList = (request: FastifyRequest, reply: FastifyReply, { data, names }: Listed) => {
    if (!isAnthropic(request)) return { object: 'list', data };
    const page = anthropicPage(data, request.query as Record<string, unknown>);
    if (typeof page === 'string') throw new RelayError(page, { code: 'invalid_value' });
    return { ...page, data: page.data.map((m) => anthropicModel(m, names)) };
  };

  // Errors, the guard's too, in Anthropic's shape for an Anthropic client.
  const config = { errorBody: (err: RelayError, message: string, request: FastifyRequest) => (isAnthropic(request) ? anthropicErrorBody(err, message, String(request.id)) : undefined) };

  app.get('/v1/models', { config }, async (request, reply) => answerList(request, reply, await withState(app, (state) => listModels(state, created))));

  // The id may hold slashes (`mlx/mlx-community/Qwen3`), sent as they are or as %2F: the router decodes both.
  app.get('/v1/models/*', { config }, async (request, reply) => {
    const id = (request.params as { '*': string })['*'];
    const listed = await withState(app, (state) => listModels(state, created));
    // A trailing slash (`/v1/models/`) asks for the list.
    if (id === '') return answerList(request, reply, listed);
    const { data, names } = listed;
    const found = findModel(data, id);
    if (found) return isAnthropic(request) ? anthropicModel(found, names) : found;
    const message = `The model \`${shown(id)}\` does not exist or is not configured in lmrelay (GET /v1/models lists them)`;
    throw new RelayError(message, { code: 'model_not_found', param: 'model' });
  });
}

/** Held while servers are asked, so that a reload meanwhile does not close their pools. */
async function withState<T>(app: FastifyInstance, use: (state: RelayState) => Promise<T>): Promise<T> {
  const state = app.relay.state.hold();
  try {
    return await use(state);
  } finally {
    state.release();
  }
}

function isAnthropic(request: FastifyRequest): boolean {
  return request.headers['anthropic-version'] !== undefined;
}

/** The id as listed; else a bare model id (`tiny` for `llama/tiny`) that exactly one provider serves. */
function findModel(data: ModelEntry[], id: string): ModelEntry | undefined {
  const exact = data.find((m) => m.id === id);
  if (exact) return exact;
  const bare = data.filter((m) => m.owned_by !== 'lmrelay' && m.root === id);
  return bare.length === 1 ? bare[0] : undefined;
}

/** What a client sent as an id, cut to a length an error message can carry. */
function shown(id: string): string {
  return id.length > MAX_MODEL_NAME_LENGTH ? `${id.slice(0, MAX_MODEL_NAME_LENGTH)}…` : id;
}

interface AnthropicPage {
  data: ModelEntry[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

/** Anthropic's paging: `limit` (1 to 1000, default 20), then `after_id` or else `before_id`. */
function anthropicPage(data: ModelEntry[], query: Record<string, unknown>): AnthropicPage | string {
  const limit = query.limit === undefined ? ANTHROPIC_PAGE.default : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > ANTHROPIC_PAGE.max) return `limit: must be an integer from 1 to ${ANTHROPIC_PAGE.max}`;
  const cursor = (name: string) => (typeof query[name] === 'string' ? data.findIndex((m) => m.id === query[name]) : undefined);
  const after = cursor('after_id');
  const before = after === undefined ? cursor('before_id') : undefined;
  let from = 0;
  let to = Math.min(data.length, limit);
  // A cursor no longer listed (its server went away) ends the paging with an empty page.
  if (after === -1 || before === -1) to = 0;
  else if (after !== undefined) {
    from = after + 1;
    to = Math.min(data.length, from + limit);
  } else if (before !== undefined) {
    to = before;
    from = Math.max(0, to - limit);
  }
  const page = data.slice(from, to);
  const hasMore = page.length > 0 && (before !== undefined ? from > 0 : to < data.length);
  return { data: page, has_more: hasMore, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null };
}

/** Configured models, then what running servers report, then aliases; first of an id wins. */
async function listModels(state: RelayState, created: number): Promise<Listed> {
  const { catalog, discovery } = state;
  const seen = new Set<string>();
  const data: ModelEntry[] = [];
  const names = new Map<string, string>();
  const add = (entry: ModelEntry) => {
    if (!seen.has(entry.id)) {
      seen.add(entry.id);
      data.push(entry);
    }
  };
  for (const target of catalog.list()) {
    // A model with deployments is lmrelay's own name over several servers.
    const owner = target.deployments ? 'lmrelay' : target.provider.id;
    add({ id: target.ref, object: 'model', created, owned_by: owner, root: target.upstreamModel, context_window: target.model?.contextWindow });
    if (target.model?.name) names.set(target.ref, target.model.name);
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
  return { data, names };
}
