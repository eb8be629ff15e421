/** What lmrelay checks of a POST /v1/responses/compact body (the Open Responses CompactResponseMethodPublicBody). */
import { z } from 'zod';
import { compileRequestSchema, refineWithRule } from '../../src/requests/compiled-schema.js';
import { MAX_MESSAGES, modelName, text } from '../../src/requests/common-fields.js';

const item = z.looseObject({
  type: z.string().optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']).optional(),
});

/** Either the conversation itself or the response it continues from. */
export const compactRequestSchema = refineWithRule(
  z.looseObject({
    model: modelName,
    input: z.union([text, z.array(item).max(MAX_MESSAGES)]).nullable().optional(),
    instructions: text.nullable().optional(),
    previous_response_id: z.string().nullable().optional(),
    prompt_cache_key: z.string().max(64).nullable().optional(),
  }),
  (b) => b.input != null || Boolean(b.previous_response_id),
  { message: 'input is required', path: ['input'] },
  {
    anyOf: [
      { required: ['input'], properties: { input: { not: { type: 'null' } } } },
      { required: ['previous_response_id'], properties: { previous_response_id: { type: 'string', minLength: 1 } } },
    ],
  },
);

export const compactRequest = compileRequestSchema(compactRequestSchema);
