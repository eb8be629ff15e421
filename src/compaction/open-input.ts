/**
 * Compaction items in a Responses input, opened for a model that cannot read them: each becomes
 * a message that says it summarises the earlier conversation. An item that does not open is the
 * client's error (400 invalid_encrypted_content, naming its index), never sent on.
 */
import { RelayError } from '../../core/errors.js';
import type { Json } from '../../adapters/types.js';
import { isOurs, unsealSummary, type SealScope } from './seal.js';

const SUMMARY_HEADING =
  'Summary of the earlier conversation (it was compacted: the user messages above are kept as they were, the rest of it is summarised here):';

/**
 * The request with its compaction items opened; itself when it holds none. `keepForeign`: items
 * lmrelay did not seal go on untouched (an upstream that compacts natively reads its own).
 */
export function openCompactionItems(request: Json, seal: () => SealScope, keepForeign: boolean): Json {
  const input = request.input;
  if (!Array.isArray(input) || !input.some((item) => item?.type === 'compaction')) return request;
  let at: SealScope | undefined;
  const opened = input.map((item: Json, i: number) => {
    if (item?.type !== 'compaction') return item;
    const token = item.encrypted_content;
    if (typeof token !== 'string') {
      throw new RelayError(`input[${i}]: a compaction item needs its encrypted_content (a string)`, { code: 'invalid_value', param: `input[${i}].encrypted_content` });
    }
    if (keepForeign && !isOurs(token)) return item;
    const result = unsealSummary((at ??= seal()), token);
    if ('problem' in result) {
      throw new RelayError(`input[${i}]: the encrypted content of this compaction item could not be verified: ${result.problem}`, {
        code: 'invalid_encrypted_content',
        param: `input[${i}].encrypted_content`,
      });
    }
    return summaryMessage(result.summary);
  });
  return { ...request, input: opened };
}

/** A user message, not a system one: the summary is the model's own words about the conversation, not an instruction. */
export function summaryMessage(summary: string): Json {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text: `${SUMMARY_HEADING}\n\n${summary}` }] };
}
