/** Who may call lmrelay, and that provider keys never leave it. */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMock, TSX_IMPORT, type MockUpstream } from '../helpers/mock.js';
import { startRelay, postJson, type RelayUnderTest } from '../helpers/relay.js';
import { findKey, inboundKeys } from '../../src/auth.js';

const PROVIDER_KEY = 'sk-provider-secret-7f3a9c1e5b';
const CLIENT_KEY = 'lmr-client-key-0123456789';
let mock: MockUpstream;
let relay: RelayUnderTest;
let config: Record<string, unknown>;

t.before(async () => {
  mock = await startMock('openai');
  config = {
    server: { apiKeys: ['${LMRELAY_TEST_KEY}'], metricsRequireAuth: false },
    models: { providers: { vllm: { baseUrl: mock.baseUrl, apiKey: '${TEST_PROVIDER_KEY}', models: [{ id: 'm' }, { id: 'leak-key' }] } } },
    agents: { defaults: { model: { primary: 'vllm/m' } } },
  };
  relay = await startRelay(config, { env: { LMRELAY_TEST_KEY: CLIENT_KEY, TEST_PROVIDER_KEY: PROVIDER_KEY } });
});
t.teardown(async () => {
  await relay.close();
  await mock.close();
});

const body = { model: 'vllm/m', messages: [{ role: 'user', content: 'hi' }] };

t.test('inbound keys on /v1/*: Bearer or x-api-key; 401 otherwise', async (t) => {
  const none = await postJson(`${relay.url}/v1/chat/completions`, body);
  t.equal(none.status, 401);
  t.match(none.json, { error: { code: 'invalid_api_key', type: 'invalid_request_error', param: null, message: /Missing API key/ } });
  const wrong = await postJson(`${relay.url}/v1/chat/completions`, body, { authorization: 'Bearer nope' });
  t.equal(wrong.status, 401);
  t.equal((await postJson(`${relay.url}/v1/chat/completions`, body, { authorization: `Bearer ${CLIENT_KEY}` })).status, 200);
  t.equal((await postJson(`${relay.url}/v1/chat/completions`, body, { 'x-api-key': CLIENT_KEY })).status, 200);
  t.equal((await fetch(`${relay.url}/v1/models`)).status, 401, 'models too');
  t.equal((await fetch(`${relay.url}/healthz`)).status, 200, 'healthz stays open');
  t.equal((await fetch(`${relay.url}/metrics`)).status, 200, 'metrics open unless asked');
  const sdk = await relay.client.chat.completions.create({ model: 'vllm/m', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
  t.equal(sdk.status, 401, 'the SDK with a wrong key gets an AuthenticationError');

  const guarded = await startRelay({ ...config, server: { apiKeys: [CLIENT_KEY], metricsRequireAuth: true } }, { env: { TEST_PROVIDER_KEY: PROVIDER_KEY } });
  t.equal((await fetch(`${guarded.url}/metrics`)).status, 401);
  t.equal((await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).status, 200);
  await guarded.close();
});

t.test('key comparison', async (t) => {
  const keys = inboundKeys(['a', { key: 'b', name: 'bee', rpm: 3 }]);
  t.equal(findKey('b', keys)?.name, 'bee');
  t.equal(findKey('a', keys)?.name, 'key1');
  t.equal(findKey('', keys), undefined);
  t.equal(findKey('ab', keys), undefined);
});

t.test('provider keys appear in no output: logs, errors, models, metrics, check', async (t) => {
  const leak = await postJson(`${relay.url}/v1/chat/completions`, { ...body, model: 'vllm/leak-key' }, { authorization: `Bearer ${CLIENT_KEY}` });
  t.equal(leak.status, 401, 'the upstream 401 is passed through');
  t.match(leak.json.error.message, /Incorrect API key provided: \[redacted\]/);
  const seen = (await mock.requests()).at(-1)!;
  t.equal(seen.headers.authorization, `Bearer ${PROVIDER_KEY}`, 'the key did go upstream');
  const auth = { authorization: `Bearer ${CLIENT_KEY}` };
  const outputs = [
    leak.text,
    await (await fetch(`${relay.url}/v1/models`, { headers: auth })).text(),
    await (await fetch(`${relay.url}/metrics`)).text(),
    relay.logText(),
  ];
  const dir = mkdtempSync(join(tmpdir(), 'lmrelay-sec-'));
  const file = join(dir, 'c.json5');
  writeFileSync(file, JSON.stringify(config));
  const check = spawnSync(process.execPath, ['--import', TSX_IMPORT, fileURLToPath(new URL('../../src/main.ts', import.meta.url)), 'check', '--config', file], {
    env: { ...process.env, LMRELAY_TEST_KEY: CLIENT_KEY, TEST_PROVIDER_KEY: PROVIDER_KEY },
    encoding: 'utf8',
  });
  t.equal(check.status, 0, check.stderr);
  outputs.push(check.stdout + check.stderr);
  for (const [i, out] of outputs.entries()) {
    t.notOk(out.includes(PROVIDER_KEY), `output ${i} has no provider key`);
    t.notOk(out.includes(CLIENT_KEY), `output ${i} has no client key`);
  }
  t.ok(relay.logText().length > 200, 'there were logs to search');
});
