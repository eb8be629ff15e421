/**
 * What lmrelay checks of a rerank body (the Jina/Cohere shape): the query, the documents (texts,
 * or objects with a `text`), top_n and return_documents. Other fields pass through untouched.
 */
import { z } from 'zod';
import { modelName } from '../../src/requests/common-fields.js';
import { compileRequestSchema, refineWithRule } from '../../src/requests/compiled-schema.js';

/** Cohere's documented cap on the documents of one request. */
export const MAX_RERANK_DOCUMENTS = 1000;

/** An empty text ranks nothing; NUL bytes crash some tokenizers. */
const text = refineWithRule(z.string().min(1, { error: 'must not be an empty string' }), (s) => !s.includes('\u0000'), { message: 'text must not contain NUL (\\u0000) characters' }, { not: { pattern: '\\u0000' } });

export const rerankRequestSchema = z.looseObject({
  model: modelName.optional(),
  query: text,
  documents: z
    .array(z.union([text, z.looseObject({ text })], { error: 'each document must be a non-empty string or an object with a non-empty string `text`' }))
    .min(1, { error: 'must not be an empty array' })
    .max(MAX_RERANK_DOCUMENTS, { error: `must hold at most ${MAX_RERANK_DOCUMENTS} documents` }),
  /** How many of the best to return; more than there are documents returns them all. */
  top_n: z.number().int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).nullable().optional(),
  return_documents: z.boolean().nullable().optional(),
  stream: z.literal(false, { error: 'rerank answers are not streamed; leave stream out' }).nullable().optional(),
});

export const rerankRequest = compileRequestSchema(rerankRequestSchema);
