/** Asking a Responses server what it has (GET /models) and whether it answers (doctor). */
import type { DialectProbe } from '../types.js';
import { parseModelList } from '../model-list.js';

export const responsesProbe: DialectProbe = {
  modelsPath: '/models',
  parseModels: parseModelList,
  discoverByDefault: true,
  // Some servers refuse fewer than 16 output tokens.
  probeBody: (model, stringContent) => ({
    model,
    input: [{ role: 'user', content: stringContent ? 'Say OK.' : [{ type: 'input_text', text: 'Say OK.' }] }],
    max_output_tokens: 16,
  }),
  // A server without /responses most likely speaks Chat Completions.
  alternative: 'openai-completions',
};
