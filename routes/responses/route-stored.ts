/**
 * The stored responses, as OpenAI serves them: GET /v1/responses/{id}, DELETE it, GET its input
 * items (paged), and POST .../cancel (which only a background response could be, and lmrelay
 * runs none). Only the inbound key that made a response finds it; for any other, and for an
 * unknown, expired or deleted id, it does not exist (404).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RelayError } from '../../core/errors.js';
import { isStorableId, type StoredResponse } from '../../src/state/response-store.js';
import { pageOfItems, type ListQuery } from './stored-items.js';

interface IdParams {
  id: string;
}

export default async function storedResponsesRoute(app: FastifyInstance): Promise<void> {
  /** The response of this key, or a 404 as OpenAI's. */
  async function find(request: FastifyRequest<{ Params: IdParams }>): Promise<StoredResponse> {
    const id = request.params.id;
    const store = app.relay.responses;
    const found = store && isStorableId(id) ? (await store.lookup(request.keyOwner ?? '', id, [])).response : undefined;
    if (!found) throw responseNotFound(id, Boolean(store));
    return found;
  }

  app.get<{ Params: IdParams }>('/v1/responses/:id', async (request) => (await find(request)).response);

  app.delete<{ Params: IdParams }>('/v1/responses/:id', async (request) => {
    const id = request.params.id;
    const store = app.relay.responses;
    const deleted = store && isStorableId(id) ? await store.delete(request.keyOwner ?? '', id) : false;
    if (!deleted) throw responseNotFound(id, Boolean(store));
    return { id, object: 'response.deleted', deleted: true };
  });

  app.get<{ Params: IdParams; Querystring: Record<string, unknown> }>('/v1/responses/:id/input_items', async (request) => {
    const query = listQuery(request.query);
    const page = pageOfItems((await find(request)).context, query);
    if ('unknownCursor' in page) throw new RelayError(`No input item with id '${short(String(query[page.unknownCursor]))}' in this response.`, { code: 'invalid_value', param: page.unknownCursor });
    return page;
  });

  app.post<{ Params: IdParams }>('/v1/responses/:id/cancel', async (request) => {
    await find(request);
    throw new RelayError('Only responses created with background=true can be cancelled; this one has already finished.', { code: 'invalid_request', param: null });
  });
}

const short = (id: string) => (id.length > 80 ? `${id.slice(0, 80)}...` : id);

function responseNotFound(id: string, storing: boolean): RelayError {
  const why = storing ? '' : ' lmrelay keeps no responses (state.responses.enabled is false).';
  return new RelayError(`Response with id '${short(id)}' not found.${why}`, { code: 'not_found' });
}

/** OpenAI's list parameters: limit 1-100 (20), order asc|desc (desc), after/before an item id. */
function listQuery(query: Record<string, unknown>): ListQuery {
  const one = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new RelayError(`${name} must be given once`, { code: 'invalid_value', param: name });
    return value;
  };
  const limitText = one('limit');
  const limit = limitText === undefined ? 20 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new RelayError('limit must be an integer from 1 to 100', { code: 'invalid_value', param: 'limit' });
  const order = one('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw new RelayError('order must be "asc" or "desc"', { code: 'invalid_value', param: 'order' });
  return { limit, order, after: one('after'), before: one('before') };
}
