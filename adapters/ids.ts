import { randomBytes } from 'node:crypto';

/** OpenAI-looking ids: `resp_…`, `msg_…`, `rs_…`, `fc_…`, `call_…`. */
export const newId = (prefix: string): string => `${prefix}_${randomBytes(12).toString('hex')}`;

/** A `chatcmpl-…` id where the upstream gave none: random, as the clock repeats within a millisecond. */
export const newChatCompletionId = (): string => `chatcmpl-${randomBytes(12).toString('hex')}`;
