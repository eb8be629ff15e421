import { randomBytes } from 'node:crypto';

/** OpenAI-looking ids: `resp_…`, `msg_…`, `rs_…`, `fc_…`, `call_…`. */
export const newId = (prefix: string): string => `${prefix}_${randomBytes(12).toString('hex')}`;
