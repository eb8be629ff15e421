/**
 * The `response.compaction` object, as OpenAI's compact endpoint answers: the user messages of
 * the conversation as they were, then one compaction item that carries the rest, sealed.
 */
import type { Json } from '../../adapters/types.js';
import { newId } from '../../adapters/ids.js';

export function compactionObject(input: unknown, encryptedContent: string, usage: Json): Json {
  return {
    id: newId('resp'),
    object: 'response.compaction',
    created_at: Math.floor(Date.now() / 1000),
    output: [...userMessages(input), { id: newId('cmp'), type: 'compaction', encrypted_content: encryptedContent }],
    usage,
  };
}

/** The user messages of a Responses input, as output message items. */
export function userMessages(input: unknown): Json[] {
  if (typeof input === 'string') return [userMessage(undefined, input)];
  if (!Array.isArray(input)) return [];
  return input.filter((item: Json) => (item?.type ?? (item?.role ? 'message' : undefined)) === 'message' && item.role === 'user').map((item: Json) => userMessage(item.id, item.content));
}

function userMessage(id: unknown, content: unknown): Json {
  const parts = typeof content === 'string' ? [{ type: 'input_text', text: content }] : Array.isArray(content) ? content : [];
  return { id: typeof id === 'string' && id ? id : newId('msg'), type: 'message', status: 'completed', role: 'user', content: parts };
}
