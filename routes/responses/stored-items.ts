/**
 * The items of stored conversations: a request's input as items, item_references put back in
 * their place, the conversation a follow-up turn replays, and the input items as GET
 * /v1/responses/{id}/input_items lists them. Pure: the store is read and written elsewhere
 * (call-stored.ts).
 */
import type { Json } from '../../adapters/types.js';
import { newId } from '../../adapters/ids.js';
import { RelayError } from '../../core/errors.js';

/** The request's input as a list of items (a string is one user message). */
export function inputAsItems(input: unknown): Json[] {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  return Array.isArray(input) ? input : [];
}

/** Ids the input names with `{type: "item_reference", id}`. */
export function referencedIds(input: unknown): string[] {
  if (!Array.isArray(input)) return [];
  const ids: string[] = [];
  for (const item of input) if (item?.type === 'item_reference' && typeof item.id === 'string') ids.push(item.id);
  return ids;
}

/** The items with each reference replaced by the item it names; a reference not found stays. */
export function resolveReferences(items: Json[], found: ReadonlyMap<string, Json>): Json[] {
  if (!found.size) return items;
  return items.map((item) => (item?.type === 'item_reference' ? (found.get(item.id) ?? item) : item));
}

const ID_PREFIX: Record<string, string> = {
  message: 'msg',
  function_call: 'fc',
  function_call_output: 'fco',
  custom_tool_call: 'ctc',
  custom_tool_call_output: 'ctco',
  reasoning: 'rs',
};

/** Input items as kept: each with its type and an id (OpenAI gives ids to stored input items too). */
export function itemsToKeep(items: Json[]): Json[] {
  return items.map((item) => {
    if (!item || typeof item !== 'object') return item;
    const type = item.type ?? (item.role ? 'message' : undefined);
    if (typeof item.id === 'string' && item.type === type) return item;
    return { ...item, type, id: typeof item.id === 'string' ? item.id : newId(ID_PREFIX[type] ?? 'item') };
  });
}

/**
 * Items replayed to an upstream that keeps items of its own (OpenAI): the ids lmrelay gave would
 * name nothing there, and a reasoning item is only usable with its encrypted content.
 */
export function itemsForOpenAI(items: Json[]): Json[] {
  const out: Json[] = [];
  for (const item of items) {
    if (item?.type === 'reasoning') {
      if (typeof item.encrypted_content === 'string') out.push(withoutId(item));
      continue;
    }
    out.push(withoutId(item));
  }
  return out;
}

function withoutId(item: Json): Json {
  if (!item || typeof item !== 'object' || !('id' in item)) return item;
  const { id: _id, ...rest } = item;
  return rest;
}

/** An input item as the list of input items shows it: a message's text as content parts. */
export function listedItem(item: Json): Json {
  if (item?.type !== 'message') return item;
  const text = item.role === 'assistant' ? 'output_text' : 'input_text';
  const content =
    typeof item.content === 'string'
      ? [text === 'output_text' ? { type: text, text: item.content, annotations: [] } : { type: text, text: item.content }]
      : Array.isArray(item.content)
        ? item.content
        : [];
  return { ...item, status: item.status ?? 'completed', content };
}

export interface ListQuery {
  after?: string;
  before?: string;
  limit: number;
  order: 'asc' | 'desc';
}

export interface ItemPage {
  object: 'list';
  data: Json[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/**
 * One page of `items` as OpenAI pages lists: in `order` (desc: the latest first), the items
 * after the item `after` and/or before the item `before`, at most `limit`. Answers the name of
 * a cursor that names no item instead.
 */
export function pageOfItems(items: Json[], query: ListQuery): ItemPage | { unknownCursor: 'after' | 'before' } {
  const ordered = query.order === 'desc' ? [...items].reverse() : items;
  let start = 0;
  let end = ordered.length;
  if (query.after !== undefined) {
    const at = ordered.findIndex((item) => item?.id === query.after);
    if (at < 0) return { unknownCursor: 'after' };
    start = at + 1;
  }
  if (query.before !== undefined) {
    const at = ordered.findIndex((item) => item?.id === query.before);
    if (at < 0) return { unknownCursor: 'before' };
    end = Math.min(end, at);
  }
  const window = ordered.slice(start, Math.max(start, end));
  // With only `before`, the page is the one just before it.
  const page = query.before !== undefined && query.after === undefined ? window.slice(-query.limit) : window.slice(0, query.limit);
  const data = page.map(listedItem);
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: window.length > page.length };
}

export const shortId = (id: string) => (id.length > 80 ? `${id.slice(0, 80)}...` : id);

/** OpenAI's answer to a continuation of a response it does not have: 400, with this code and param. */
export function previousResponseNotFound(id: string, why = ''): RelayError {
  return new RelayError(`Previous response with id '${shortId(id)}' not found.${why}`, { code: 'previous_response_not_found', param: 'previous_response_id', preflight: true });
}
