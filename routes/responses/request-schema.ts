/** What lmrelay checks of a Responses API body; everything else passes through. */
import { z } from 'zod';
import { compileRequestSchema, refineWithRule } from '../../src/requests/compiled-schema.js';
import { MAX_MESSAGES, modelName, text } from '../../src/requests/common-fields.js';

const item = z.looseObject({
  type: z.string().optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']).optional(),
});

/** A function tool is flat here (`{type, name, parameters}`); other tool types pass through. */
const tool = refineWithRule(
  z.looseObject({
    type: z.string(),
    name: z.string().min(1).optional(),
    description: z.string().nullable().optional(),
    parameters: z.looseObject({}).nullable().optional(),
  }),
  (t) => t.type !== 'function' || t.name !== undefined,
  { message: 'required for a tool of type "function"', path: ['name'] },
  { if: { properties: { type: { const: 'function' } }, required: ['type'] }, then: { required: ['name'] } },
);

/** A follow-up turn may name its previous response instead of repeating the input. */
export const responsesRequestSchema = refineWithRule(
  z.looseObject({
    model: modelName.optional(),
    input: z.union([text, z.array(item).max(MAX_MESSAGES)]).optional(),
    instructions: text.nullable().optional(),
    stream: z.boolean().nullable().optional(),
    max_output_tokens: z.number().int().positive().nullable().optional(),
    temperature: z.number().min(0).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    tools: z.array(tool).optional(),
    previous_response_id: z.string().nullable().optional(),
  }),
  (b) => b.input !== undefined || Boolean(b.previous_response_id),
  { message: 'input is required', path: ['input'] },
  { anyOf: [{ required: ['input'] }, { required: ['previous_response_id'], properties: { previous_response_id: { type: 'string', minLength: 1 } } }] },
);

export const responsesRequest = compileRequestSchema(responsesRequestSchema);
