/** What lmrelay checks of a Responses API body; everything else passes through. */
import { z } from 'zod';
import { MAX_MESSAGES, text } from './chat-schema.js';

const item = z.looseObject({
  type: z.string().optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']).optional(),
});

export const responsesRequestSchema = z
  .looseObject({
    model: z.string().optional(),
    input: z.union([text, z.array(item).max(MAX_MESSAGES)]).optional(),
    instructions: text.nullable().optional(),
    stream: z.boolean().nullable().optional(),
    max_output_tokens: z.number().int().positive().nullable().optional(),
    temperature: z.number().min(0).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    tools: z.array(z.looseObject({ type: z.string() })).optional(),
    previous_response_id: z.string().nullable().optional(),
  })
  .refine((b) => b.input !== undefined || b.previous_response_id, { message: 'input is required', path: ['input'] });
