/** The registry covers every API name the config takes, and each dialect says what it is consistently. */
import t from 'tap';
import { API_NAMES, DIALECTS } from '../../dialects/index.js';
import { apiSchema } from '../../src/config/schema.js';
import { resolveProvider } from '../../src/catalog.js';
import { providerSchema } from '../../src/config/schema.js';

t.test('one dialect per name, and the config enum is that list', async (t) => {
  t.same(Object.keys(DIALECTS).sort(), [...API_NAMES].sort());
  for (const name of API_NAMES) t.equal(DIALECTS[name].name, name);
  t.same(apiSchema.options, [...API_NAMES]);
});

t.test('a dialect without fromChat is Chat Completions itself', async (t) => {
  for (const dialect of Object.values(DIALECTS)) {
    t.equal(dialect.fromChat === undefined, dialect.nativeSurfaces.includes('chat-completions'), dialect.name);
  }
});

t.test('a provider carries its dialect, and the auth headers come from it', async (t) => {
  const anthropic = resolveProvider('a', providerSchema.parse({ baseUrl: 'http://127.0.0.1:1/v1', api: 'anthropic-messages', apiKey: 'k', headers: { 'Anthropic-Version': '2099-01-01' } }));
  t.equal(anthropic.dialect, DIALECTS['anthropic-messages']);
  t.same(anthropic.headers, { 'anthropic-version': '2099-01-01', 'x-api-key': 'k' }, "the provider's own headers win");
  t.equal(anthropic.discover, false);
  const local = resolveProvider('l', providerSchema.parse({ baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'k' }));
  t.equal(local.dialect, DIALECTS['openai-completions']);
  t.same(local.headers, { authorization: 'Bearer k' });
  t.equal(local.discover, true);
});
