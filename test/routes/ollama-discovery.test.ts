/**
 * Discovery over Ollama's /api/tags and /api/show: listed models and configured ones alike get
 * their window (num_ctx, the context guard) and capabilities (think, tools) from the server,
 * asked once per model; the local Ollama lmrelay looks for with no config speaks this API.
 */
import t from 'tap';
import { startOllamaMock, type MockUpstream } from '../helpers/mock.js';
import { postJson, startRelay } from '../helpers/relay.js';
import { loadConfigFile, BUILTIN_SOURCE } from '../../src/config/load.js';

let ollama: MockUpstream;
t.before(async () => {
  ollama = await startOllamaMock();
});
t.teardown(() => ollama.close());

const paths = async () => (await ollama.requests()).map((r) => `${r.method} ${r.path}${r.body?.model ? ` ${r.body.model}` : ''}`);

t.test('a configured model with no window: num_ctx and think from /api/show, asked once', async (t) => {
  await ollama.reset();
  const relay = await startRelay({ models: { mode: 'replace', providers: { home: { baseUrl: ollama.url, api: 'ollama', models: [{ id: 'qwen3' }] } } } });
  t.teardown(() => relay.close());
  for (let i = 0; i < 2; i++) {
    const res = await relay.client.chat.completions.create({ model: 'home/qwen3', messages: [{ role: 'user', content: 'hi' }] });
    t.equal(res.choices[0].message.content, 'Hello from ollama qwen3');
  }
  t.same((await paths()).filter((p) => p.startsWith('POST')), ['POST /api/show qwen3', 'POST /api/chat qwen3', 'POST /api/chat qwen3'], '/api/show once');
  const chats = (await ollama.requests()).filter((r) => r.path === '/api/chat');
  t.same(chats.map((r) => [r.body.options?.num_ctx, r.body.think]), [[40960, true], [40960, true]]);
});

t.test('a configured window wins over the reported one', async (t) => {
  await ollama.reset();
  const relay = await startRelay({ models: { mode: 'replace', providers: { home: { baseUrl: ollama.url, api: 'ollama', models: [{ id: 'llama3.2', contextWindow: 32768 }] } } } });
  t.teardown(() => relay.close());
  await relay.client.chat.completions.create({ model: 'home/llama3.2', messages: [{ role: 'user', content: 'hi' }] });
  const chat = (await ollama.requests()).find((r) => r.path === '/api/chat')!;
  t.equal(chat.body.options.num_ctx, 32768);
});

t.test('listed models: the list from /api/tags, each described; the guard refuses a window the server reports too small', async (t) => {
  await ollama.reset();
  const relay = await startRelay({
    models: { mode: 'replace', providers: { ollama: { baseUrl: ollama.url, api: 'ollama', models: [] } } },
    agents: { defaults: { contextGuard: { refuseBelow: 40000, warnBelow: 40000 } } },
  });
  t.teardown(() => relay.close());
  const models = await relay.client.models.list();
  t.ok(models.data.some((m) => m.id === 'ollama/gemma:latest'));
  const small = await postJson(`${relay.url}/v1/chat/completions`, { model: 'ollama/gemma', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(small.status, 400);
  t.match(small.json.error, { code: 'context_window_too_small', message: /32768/ });
  const big = await relay.client.chat.completions.create({ model: 'ollama/llama3.2:latest', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(big.choices[0].message.content, 'Hello from ollama llama3.2:latest');
  const seen = await paths();
  t.equal(seen.filter((p) => p.startsWith('GET /api/tags')).length >= 1, true);
  t.equal(seen.filter((p) => p === 'POST /api/show llama3.2:latest').length, 1, 'each model described once');
  t.notOk(seen.includes('POST /api/chat gemma'), 'the refused request never reached Ollama');
});

t.test('with no config, the local Ollama on :11434 is asked through its native API', async (t) => {
  const { catalog } = loadConfigFile(BUILTIN_SOURCE, {});
  const local = catalog.providers.get('ollama')!;
  t.equal(local.api, 'ollama');
  t.equal(`${local.origin}${local.basePath}`, 'http://127.0.0.1:11434');
  t.equal(local.discover, true);
  t.equal(local.callHeaders.stream.accept, 'application/x-ndjson');
});
