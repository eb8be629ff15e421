/**
 * What lmrelay checks of a Chat Completions body before any upstream sees it. Only what it must
 * understand is checked; every other field passes through to the upstream untouched.
 */
import { z } from 'zod';
import { compileRequestSchema, refineWithRule } from '../../src/requests/compiled-schema.js';
import { MAX_MESSAGES, modelName, text } from '../../src/requests/common-fields.js';

const contentPart = z.looseObject({ type: z.string().min(1), text: text.optional() });
const content = z.union([text, z.array(contentPart), z.null()]);

const toolCall = z.looseObject({
  id: z.string().optional(),
  type: z.string().optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string().optional() }),
});

const hasContent = { required: ['content'], properties: { content: { not: { type: 'null' } } } };

/** An assistant turn may hold only tool calls or reasoning; every other turn needs content. */
const message = refineWithRule(
  z.looseObject({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
    content: content.optional(),
    name: z.string().optional(),
    tool_calls: z.array(toolCall).nullable().optional(),
    tool_call_id: z.string().optional(),
  }),
  (m) => (m.role === 'assistant' ? m.content != null || (m.tool_calls?.length ?? 0) > 0 || 'reasoning_content' in m : m.content != null),
  { message: 'content is required for this role', path: ['content'] },
  {
    if: { properties: { role: { const: 'assistant' } } },
    then: { anyOf: [hasContent, { required: ['tool_calls'], properties: { tool_calls: { type: 'array', minItems: 1 } } }, { required: ['reasoning_content'] }] },
    else: hasContent,
  },
);

/** What adapters read of a function tool (Anthropic's and Responses' tool lists are built from it). */
const functionDefinition = z.looseObject({
  name: z.string().min(1),
  description: z.string().nullable().optional(),
  parameters: z.looseObject({}).nullable().optional(),
  strict: z.boolean().nullable().optional(),
});

/** A function tool must say which function; other tool types pass through as they are. */
const tool = refineWithRule(
  z.looseObject({ type: z.string(), function: functionDefinition.optional() }),
  (t) => t.type !== 'function' || t.function !== undefined,
  { message: 'required for a tool of type "function" ({"name": ..., "parameters": {...}})', path: ['function'] },
  { if: { properties: { type: { const: 'function' } }, required: ['type'] }, then: { required: ['function'] } },
);

const tokens = z.number().int().positive().nullable().optional();

export const chatRequestSchema = z.looseObject({
  model: modelName.optional(),
  messages: z.array(message).min(1).max(MAX_MESSAGES),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  temperature: z.number().min(0).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  n: z.number().int().min(1).nullable().optional(),
  max_tokens: tokens,
  max_completion_tokens: tokens,
  tools: z.array(tool).optional(),
  tool_choice: z.union([z.string(), z.looseObject({ type: z.string() })]).optional(),
});

export const chatRequest = compileRequestSchema(chatRequestSchema);
