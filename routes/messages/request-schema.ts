/**
 * What lmrelay checks of an Anthropic Messages body before any upstream sees it: the shape it
 * must understand to translate it. Content blocks are checked by the converter, which names
 * the block and the types it knows; other fields pass to an Anthropic upstream untouched.
 */
import { z } from 'zod';
import { compileRequestSchema, refineWithRule } from '../../src/requests/compiled-schema.js';
import { modelName, text } from '../../src/requests/common-fields.js';

/** Anthropic's own limit on the number of messages of one request. */
export const MAX_ANTHROPIC_MESSAGES = 100_000;

const block = z.looseObject({ type: z.string().min(1) });

const message = z.looseObject({
  // `system` turns among the messages: the newer API's instructions given mid-conversation.
  role: z.enum(['user', 'assistant', 'system']),
  content: z.union([text, z.array(block)]),
});

const systemBlock = z.looseObject({ type: z.literal('text'), text });

const tool = z.looseObject({
  name: z.string().min(1),
  type: z.string().nullable().optional(),
  description: z.string().optional(),
  input_schema: z.looseObject({}).optional(),
});

const toolChoice = refineWithRule(
  z.looseObject({
    type: z.enum(['auto', 'any', 'tool', 'none']),
    name: z.string().min(1).optional(),
    disable_parallel_tool_use: z.boolean().optional(),
  }),
  (c) => c.type !== 'tool' || c.name !== undefined,
  { message: 'required when type is "tool" (the name of the tool to use)', path: ['name'] },
  { if: { properties: { type: { const: 'tool' } }, required: ['type'] }, then: { required: ['name'] } },
);

export const messagesRequestSchema = z.looseObject({
  model: modelName.optional(),
  max_tokens: z.number().int().positive(),
  messages: z.array(message).min(1).max(MAX_ANTHROPIC_MESSAGES),
  system: z.union([text, z.array(systemBlock)]).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  stop_sequences: z.array(z.string()).optional(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  metadata: z.looseObject({ user_id: z.string().nullable().optional() }).optional(),
  thinking: z.looseObject({ type: z.string(), budget_tokens: z.number().int().optional() }).optional(),
});

export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

export const messagesRequest = compileRequestSchema(messagesRequestSchema);

/** count_tokens takes the same body without max_tokens (and never streams). */
export const countTokensRequest = compileRequestSchema(messagesRequestSchema.omit({ max_tokens: true, stream: true }));
