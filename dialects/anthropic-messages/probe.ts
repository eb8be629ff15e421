/** Asking an Anthropic Messages server what it has (GET /models) and whether it answers (doctor). */
import type { DialectProbe } from '../types.js';
import { parseModelList } from '../model-list.js';

export const messagesProbe: DialectProbe = {
  modelsPath: '/models',
  parseModels: parseModelList,
  // Hosted Anthropic lists every model of the account: a provider names its models in the
  // config instead, or sets discover: true.
  discoverByDefault: false,
  probeBody: (model, stringContent) => ({
    model,
    messages: [{ role: 'user', content: stringContent ? 'Say OK.' : [{ type: 'text', text: 'Say OK.' }] }],
    max_tokens: 1,
  }),
};
