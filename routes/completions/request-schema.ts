/**
 * What lmrelay checks of a text completions body (the legacy `/v1/completions`): the fields it
 * reads or that servers crash on when mistyped; every other field (best_of, seed, a server's own
 * such as llama.cpp's `input_extra`) passes through to the upstream untouched.
 */
import { z } from 'zod';
import { modelName, text } from '../../src/requests/common-fields.js';
import { compileRequestSchema } from '../../src/requests/compiled-schema.js';

/** OpenAI's cap on the prompts of one request (as for embeddings' inputs). */
export const MAX_PROMPTS = 2048;
/** Editors send one to four; a bound keeps a hostile list from reaching every server. */
export const MAX_STOP_SEQUENCES = 16;

const tokenId = z.number().int({ error: 'token ids are whole numbers' }).nonnegative({ error: 'token ids are not negative' });
const tokens = z.array(tokenId).min(1, { error: 'must not be an empty array' });
const batch = <T extends z.ZodType>(item: T) =>
  z.array(item).min(1, { error: 'must not be an empty array' }).max(MAX_PROMPTS, { error: `must hold at most ${MAX_PROMPTS} prompts` });

export const completionsRequestSchema = z.looseObject({
  model: modelName.optional(),
  /** One text, a batch of texts, one list of token ids, or a batch of them (OpenAI's four forms). */
  prompt: z.union([text, batch(text), tokens, batch(tokens)], {
    error: `must be a string, an array of up to ${MAX_PROMPTS} strings, an array of token ids, or an array of such arrays`,
  }),
  /** The text after the cursor: fill-in-the-middle. */
  suffix: text.nullable().optional(),
  max_tokens: z.number().int().nonnegative().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  n: z.number().int().min(1).max(128).nullable().optional(),
  stop: z.union([text, z.array(text).max(MAX_STOP_SEQUENCES, { error: `must hold at most ${MAX_STOP_SEQUENCES} stop sequences` })]).nullable().optional(),
  echo: z.boolean().nullable().optional(),
  logprobs: z.number().int().min(0).max(20).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
});

export const completionsRequest = compileRequestSchema(completionsRequestSchema);
