/** The request fields every surface checks the same way: model names, text, conversation length. */
import { z } from 'zod';
import { refineWithRule } from './compiled-schema.js';

/** OpenAI itself allows 2048; long agent sessions get some room above that. */
export const MAX_MESSAGES = 4096;

/**
 * Model names are short ids (`provider/model-id`); a cap keeps what a client writes there out of
 * memory, logs and headers at any size. Counted in code points, by zod and ajv alike.
 */
export const MAX_MODEL_NAME_LENGTH = 256;
export const modelName = z.string().max(MAX_MODEL_NAME_LENGTH, { error: `must be at most ${MAX_MODEL_NAME_LENGTH} characters` });

/** NUL bytes crash some tokenizers; no real text has them. */
export const text = refineWithRule(z.string(), (s) => !s.includes('\u0000'), { message: 'text must not contain NUL (\\u0000) characters' }, { not: { pattern: '\\u0000' } });
