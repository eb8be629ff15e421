/**
 * The names of the upstream APIs lmrelay speaks, a leaf list: the config's `api` enum is made
 * from it (src/config/schema.ts imports nothing heavier), and the registry in ./index.ts must
 * hold a dialect for every name (its type says so).
 */
export const API_NAMES = ['openai-completions', 'openai-responses', 'anthropic-messages', 'ollama'] as const;

export type ApiName = (typeof API_NAMES)[number];
