/** Upstream errors name the model, the request that was tried, and for a 404 on the API path, the likely baseUrl fix. */
import t from 'tap';
import { startMock, closedPort, type MockUpstream } from '../helpers/mock.js';
import { postJson, startRelay, type RelayUnderTest } from '../helpers/relay.js';

let llama: MockUpstream;
let relay: RelayUnderTest;
let down: number;
t.before(async () => {
  llama = await startMock('llamacpp', ['--models', 'tiny']);
  down = await closedPort();
  const p = (baseUrl: string, extra: Record<string, unknown> = {}) => ({ baseUrl, apiKey: 'local-key-123456', models: [], ...extra });
  relay = await startRelay({
    models: {
      mode: 'replace',
      providers: {
        api: p(`${llama.url}/api`),
        bare: p(llama.url),
        full: p(`${llama.url}/v1/chat/completions`),
        good: p(llama.baseUrl),
        down: p(`http://127.0.0.1:${down}/v1`),
        claude: p(llama.url, { api: 'anthropic-messages' }),
      },
    },
  });
});
t.teardown(async () => {
  await relay.close();
  await llama.close();
});

const chat = (model: string, stream = false) => postJson(`${relay.url}/v1/chat/completions`, { model, stream, messages: [{ role: 'user', content: 'hi' }] });

t.test('a wrong base path: the ref, the URL tried, what it answered, the fix', async (t) => {
  for (const stream of [false, true]) {
    const res = await chat('api/tiny', stream);
    t.equal(res.status, 404);
    t.equal(res.headers.get('x-lmrelay-model'), 'api/tiny', 'the error names the model in its header too');
    t.equal(res.json.error.code, 'upstream_rejected');
    t.equal(
      res.json.error.message,
      `api/tiny: POST ${llama.url}/api/chat/completions answered 404 no route /api/chat/completions — is baseUrl missing /v1? (most servers: ${llama.url}/v1)`,
    );
  }
  const bare = await chat('bare/tiny');
  t.match(bare.json.error.message, `bare/tiny: POST ${llama.url}/chat/completions answered 404 no route /chat/completions — is baseUrl missing /v1? (most servers: ${llama.url}/v1)`);
  const full = await chat('full/tiny');
  t.match(full.json.error.message, `— baseUrl should stop before /chat/completions: try ${llama.url}/v1`);
  const claude = await chat('claude/tiny');
  t.match(claude.json.error.message, `claude/tiny: POST ${llama.url}/messages answered 404 no route /messages — is baseUrl missing /v1?`);
});

t.test('the openai SDK sees the same message', async (t) => {
  const err = await relay.client.chat.completions.create({ model: 'api/tiny', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
  t.equal(err.status, 404);
  t.match(err.message, /api\/tiny: POST http:\/\/127\.0\.0\.1:\d+\/api\/chat\/completions answered 404 .* is baseUrl missing \/v1\?/);
});

t.test('other errors name the request, with no baseUrl advice where none applies', async (t) => {
  const rejected = await chat('good/status-400');
  t.equal(rejected.status, 400);
  t.equal(rejected.headers.get('x-lmrelay-model'), 'good/status-400');
  t.equal(rejected.json.error.message, `good/status-400: POST ${llama.baseUrl}/chat/completions answered 400 mock llamacpp failure 400`);
  const failing = await chat('good/status-503');
  t.equal(failing.status, 502);
  t.equal(failing.json.error.message, `good/status-503: POST ${llama.baseUrl}/chat/completions answered 503 mock llamacpp failure 503`);
  const refused = await chat('down/m');
  t.equal(refused.status, 502);
  t.equal(refused.headers.get('x-lmrelay-model'), 'down/m');
  t.match(refused.json.error.message, `down/m: POST http://127.0.0.1:${down}/v1/chat/completions: connection refused`);
});
