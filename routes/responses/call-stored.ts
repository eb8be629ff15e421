/**
 * Stored responses around one /v1/responses call: before the chain, one read of the store (the
 * previous response and any items the input references); after the answer, one write of the new
 * response with everything the next turn needs. `store: false` writes nothing. Everything is
 * under the inbound key's owner id: another key's ids are not found.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Json } from '../../adapters/types.js';
import type { Frame } from '../../core/frame.js';
import { RelayError } from '../../core/errors.js';
import { isStorableId, type ResponseStore, type StoredResponse } from '../../src/state/response-store.js';
import { inputAsItems, itemsForOpenAI, itemsToKeep, previousResponseNotFound, referencedIds, resolveReferences, shortId } from './stored-items.js';

export interface StoredTurn {
  store: ResponseStore;
  owner: string;
  /** Whether this response is kept (`store` not false). */
  keep: boolean;
  /** The previous response, found in the store. */
  previous?: StoredResponse;
  /** The conversation before this turn: the previous response's input and output. */
  history: Json[];
  /** This turn's input, references replaced by the items found. */
  input: Json[];
  /** Whether some reference was replaced (the input differs from the client's). */
  resolved: boolean;
  /** Referenced ids the store does not have. */
  unresolved: string[];
}

/** Reads what the request continues from; undefined when lmrelay keeps no responses. */
export function storedTurnLoader(app: FastifyInstance) {
  return async (request: FastifyRequest, body: Json): Promise<StoredTurn | undefined> => {
    const store = app.relay.responses;
    if (!store) return undefined;
    const owner = request.keyOwner ?? '';
    const previousId = typeof body.previous_response_id === 'string' && body.previous_response_id ? body.previous_response_id : undefined;
    const refs = referencedIds(body.input);
    // An id lmrelay cannot have made is not looked up: it is simply not found.
    const lookupId = isStorableId(previousId) ? previousId : undefined;
    const lookupRefs = refs.filter(isStorableId);
    const found = lookupId !== undefined || lookupRefs.length ? await store.lookup(owner, lookupId, lookupRefs) : { items: new Map<string, Json>() };
    const input = resolveReferences(inputAsItems(body.input), found.items);
    const previous = found.response;
    return {
      store,
      owner,
      keep: body.store !== false,
      previous,
      history: previous ? [...previous.context, ...(previous.response.output ?? [])] : [],
      input,
      resolved: found.items.size > 0,
      unresolved: refs.filter((id) => !found.items.has(id)),
    };
  };
}

/**
 * Keeps a finished response. `replayed`: the history went to the upstream in the input (else
 * the upstream continued from its own copy, and only what lmrelay knows of it is kept).
 * A record over the entry bound is not kept, and the log says so.
 */
export async function keepResponse(turn: StoredTurn, response: Json, provider: string, log: { warn(obj: object, msg: string): void }): Promise<void> {
  if (!turn.keep || !isStorableId(response.id) || response.status === 'failed') return;
  const record: StoredResponse = { response, context: [...turn.history, ...itemsToKeep(turn.input)], provider };
  let kept = false;
  try {
    kept = await turn.store.put(turn.owner, record);
  } catch (err) {
    log.warn({ err: (err as Error).message, responseId: response.id }, 'a response could not be stored');
    return;
  }
  if (!kept) log.warn({ responseId: response.id }, 'response not stored: its conversation is over state.responses.maxEntryBytes; a turn continuing from it gets previous_response_not_found');
}

/** Event types that carry the finished Response. */
const FINAL_EVENTS = new Set(['response.completed', 'response.incomplete']);

/**
 * The stream, with its finished Response kept before the event carrying it goes out: a client
 * that continues the moment it reads `response.completed` finds it stored, on any replica.
 */
export async function* keepStreamedResponse(frames: AsyncIterable<Frame[]>, keep: (response: Json) => Promise<void>): AsyncGenerator<Frame[]> {
  for await (const batch of frames) {
    for (const frame of batch) {
      if (frame.event !== undefined && !FINAL_EVENTS.has(frame.event)) continue;
      const event = frame.json;
      if (FINAL_EVENTS.has(event?.type) && event.response) await keep(event.response);
    }
    yield batch;
  }
}

export interface ContinuationTarget {
  ref: string;
  provider: string;
  /** The upstream keeps responses itself and continues from `previous_response_id` (OpenAI, compat.supportsPreviousResponseId). */
  keepsItsOwn: boolean;
  /** OpenAI's own Responses API: it resolves item_references and rejects ids it did not make. */
  openAI: boolean;
}

/**
 * The request as `target` gets it: a continuation lmrelay stored is replayed into the input
 * (previous_response_id dropped), unless the upstream that made it keeps it itself; one lmrelay
 * does not have goes to an upstream that keeps its own, and is refused anywhere else, as are
 * references to items lmrelay does not have. The refusals are `preflight`: a later model of the
 * chain that can honour the request is still tried.
 */
export function requestForTarget(client: Json, turn: StoredTurn | undefined, target: ContinuationTarget): Json {
  const previousId = typeof client.previous_response_id === 'string' && client.previous_response_id ? client.previous_response_id : undefined;
  if (!turn) {
    if (previousId && !target.keepsItsOwn) throw previousResponseNotFound(previousId, ' lmrelay keeps no responses (state.responses.enabled is false), and this upstream keeps none either.');
    return client;
  }
  if (turn.unresolved.length && !target.openAI) {
    const index = Array.isArray(client.input) ? client.input.findIndex((item: Json) => item?.type === 'item_reference' && item.id === turn.unresolved[0]) : -1;
    throw new RelayError(`Item with id '${shortId(turn.unresolved[0])}' not found. Items are kept only when \`store\` is true, and for state.responses.ttlSeconds.`, {
      code: 'not_found',
      param: `input[${index}]`,
      preflight: true,
    });
  }
  if (previousId !== undefined) {
    const previous = turn.previous;
    if (previous && !(target.keepsItsOwn && previous.provider === target.provider)) {
      const { previous_response_id: _continued, ...rest } = client;
      const history = target.openAI ? itemsForOpenAI(turn.history) : turn.history;
      return { ...rest, input: [...history, ...(target.openAI ? inputAsItems(client.input) : turn.input)] };
    }
    if (!previous && !target.keepsItsOwn) throw previousResponseNotFound(previousId);
  }
  return turn.resolved && !target.openAI ? { ...client, input: turn.input } : client;
}
