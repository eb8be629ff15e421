/**
 * What lmrelay checks of an embeddings body: the fields it reads (model, input, encoding_format)
 * and the limits OpenAI documents; every other field (dimensions, user, a server's own) passes
 * through to the upstream untouched.
 */
import { z } from 'zod';
import { modelName } from '../../src/requests/common-fields.js';
import { compileRequestSchema, refineWithRule } from '../../src/requests/compiled-schema.js';

/** OpenAI's cap on the inputs of one request. */
export const MAX_EMBEDDING_INPUTS = 2048;

/** An empty text has no embedding; NUL bytes crash some tokenizers. */
const text = refineWithRule(z.string().min(1, { error: 'must not be an empty string' }), (s) => !s.includes('\u0000'), { message: 'text must not contain NUL (\\u0000) characters' }, { not: { pattern: '\\u0000' } });
const tokenId = z.number().int({ error: 'token ids are whole numbers' }).nonnegative({ error: 'token ids are not negative' });
const tokens = z.array(tokenId).min(1, { error: 'must not be an empty array' });
const batch = <T extends z.ZodType>(item: T) =>
  z.array(item).min(1, { error: 'must not be an empty array' }).max(MAX_EMBEDDING_INPUTS, { error: `must hold at most ${MAX_EMBEDDING_INPUTS} inputs` });

export const embeddingsRequestSchema = z.looseObject({
  model: modelName.optional(),
  /** One text, a batch of texts, one list of token ids, or a batch of them. */
  input: z.union([text, batch(text), tokens, batch(tokens)], {
    error: `must be a non-empty string, an array of up to ${MAX_EMBEDDING_INPUTS} of them, an array of token ids, or an array of such arrays`,
  }),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  /** Embeddings are one JSON answer: there is no stream to ask for. */
  stream: z.literal(false, { error: 'embeddings are not streamed; leave stream out' }).nullable().optional(),
});

export const embeddingsRequest = compileRequestSchema(embeddingsRequestSchema);
