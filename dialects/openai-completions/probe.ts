/** Asking an OpenAI-compatible Chat server what it has (GET /models) and whether it answers (doctor). */
import type { DialectProbe } from '../types.js';
import { parseModelList } from '../model-list.js';

export const chatCompletionsProbe: DialectProbe = {
  modelsPath: '/models',
  parseModels: parseModelList,
  discoverByDefault: true,
  probeBody: (model, stringContent) => ({
    model,
    messages: [{ role: 'user', content: stringContent ? 'Say OK.' : [{ type: 'text', text: 'Say OK.' }] }],
    max_tokens: 1,
    stream: false,
  }),
  // A server without /chat/completions may speak Responses only (LM Studio's newer API).
  alternative: 'openai-responses',
};
