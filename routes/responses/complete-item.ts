/**
 * Completes output items and content parts to the schema: the fields an upstream may leave out
 * (llama.cpp's `output_text` parts lack `annotations` in some events, a reasoning item may lack
 * `summary`) are filled; an item that has them all is returned as it is, not copied.
 */
import type { Json } from '../../adapters/types.js';
import { newId } from '../../adapters/ids.js';

const ID_PREFIX: Record<string, string> = {
  message: 'msg',
  function_call: 'fc',
  function_call_output: 'fco',
  reasoning: 'rs',
  custom_tool_call: 'ctc',
};

export function completeItem(item: Json, status: string): Json {
  if (!item || typeof item !== 'object') return item;
  let out = item;
  const set = (key: string, value: unknown) => {
    if (out === item) out = { ...item };
    out[key] = value;
  };
  const prefix = ID_PREFIX[item.type];
  if (prefix && typeof item.id !== 'string') set('id', newId(prefix));
  switch (item.type) {
    case 'message': {
      if (item.status === undefined) set('status', status);
      if (item.role === undefined) set('role', 'assistant');
      if (!Array.isArray(item.content)) set('content', []);
      const parts = out.content as Json[];
      const completed = parts.map(completePart);
      if (completed.some((p, i) => p !== parts[i])) set('content', completed);
      break;
    }
    case 'function_call':
      if (item.status === undefined) set('status', status);
      if (typeof item.arguments !== 'string') set('arguments', item.arguments === undefined ? '' : JSON.stringify(item.arguments));
      break;
    case 'custom_tool_call':
    case 'function_call_output':
      if (item.status === undefined) set('status', status);
      break;
    case 'reasoning':
      if (!Array.isArray(item.summary)) set('summary', []);
      break;
  }
  return out;
}

export function completePart(part: Json): Json {
  if (part?.type === 'output_text' && !Array.isArray(part.annotations)) return { ...part, annotations: [] };
  return part;
}
