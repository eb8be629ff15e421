/**
 * `compat.requiresStringContent: true`: servers whose templates choke on content-part arrays
 * (`messages[].content ... expected a string`). Text parts are joined in order with a newline.
 * A non-text part is refused with a 400 naming the model and the part type, unless the model
 * lists that input kind in `input`: then that message keeps its array, as the server takes it.
 */
import { RelayError } from '../core/errors.js';
import type { ChatRequest, Json } from './types.js';

const PART_INPUT: Record<string, string> = { image_url: 'image', input_image: 'image', input_audio: 'audio', file: 'file', input_file: 'file', video_url: 'video' };

export function flattenStringContent(body: ChatRequest, ref: string, inputs: readonly string[] = ['text']): ChatRequest {
  let changed = false;
  const messages = body.messages.map((m, i) => {
    if (!Array.isArray(m.content)) return m;
    const parts = m.content as Json[];
    const nonText = parts.find((p) => p?.type !== 'text' && p?.type !== 'input_text');
    if (nonText) {
      const kind = PART_INPUT[nonText.type] ?? nonText.type;
      if (inputs.includes(kind)) return m;
      throw new RelayError(`${ref} takes text only: messages[${i}] has a "${nonText.type}" part (list "${kind}" in the model's input to allow it)`, {
        code: 'unsupported_content',
        param: `messages[${i}].content`,
      });
    }
    changed = true;
    return { ...m, content: parts.map((p) => p.text ?? '').join('\n') };
  });
  return changed ? { ...body, messages } : body;
}
