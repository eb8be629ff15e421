/**
 * Stored responses of the Responses API: the interface both backends (in process, Redis) keep.
 * A record holds everything a later turn needs, so that a turn costs one read (the previous
 * response and any referenced items, together) and one write (the new response and its items).
 * Every record belongs to an owner (the inbound key's InboundKey.owner, '' without keys): a
 * lookup under another owner finds nothing, exactly as an unknown id.
 */
import type { Json } from '../../adapters/types.js';

export interface StoredResponse {
  /** The Response object as the client got it (its `output` is this turn's output items). */
  response: Json;
  /**
   * The input items the response was made from: the replayed conversation before it, then the
   * request's own input, each with an id (what GET /input_items lists). The next turn replays
   * `context` then `response.output`.
   */
  context: Json[];
  /** The provider that answered: one that keeps responses itself can continue from its own copy. */
  provider?: string;
}

export interface StoreLookup {
  /** The previous response, when asked for and found. */
  response?: StoredResponse;
  /** Referenced items found, by id (items of stored responses' output). */
  items: Map<string, Json>;
}

export interface ResponseStore {
  /** One read: a response by id and/or output items by id, of this owner only. */
  lookup(owner: string, responseId: string | undefined, itemIds: readonly string[]): Promise<StoreLookup>;
  /** One write: false when the record is over the entry bound (then nothing is stored). */
  put(owner: string, record: StoredResponse): Promise<boolean>;
  /** True when there was such a response of this owner. */
  delete(owner: string, id: string): Promise<boolean>;
  /** Reads what an earlier run left (the in-process store's snapshot file). */
  start(): Promise<void>;
  /** Writes what a later run should find, and lets go of connections and timers. */
  close(): Promise<void>;
}

/** Ids lmrelay could have made or stored: anything else is not looked up at all (a clean 404). */
const STORABLE_ID = /^[A-Za-z0-9_-]{1,128}$/;

export const isStorableId = (id: unknown): id is string => typeof id === 'string' && STORABLE_ID.test(id);

/** The ids of a record's output items, the ones item_reference may name. */
export function outputItemIds(record: StoredResponse): string[] {
  const out: string[] = [];
  for (const item of record.response.output ?? []) if (isStorableId(item?.id)) out.push(item.id);
  return out;
}
