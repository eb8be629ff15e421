/**
 * GET /v1/models/{id} (ids with slashes, sent as they are or percent-encoded; every other spelling
 * a 404 in OpenAI's shape) and the Anthropic shapes of the model routes.
 */
import t from 'tap';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, type RelayUnderTest } from '../helpers/relay.js';
import { rawExchange } from '../helpers/raw-http.js';

let llama: MockUpstream;
let relay: RelayUnderTest;

t.before(async () => {
  // llama.cpp reports a model by its file path: its ref holds a doubled slash.
  llama = await startMock('llamacpp', ['--models', '/models/tiny.gguf,other']);
  relay = await startRelay({
    server: { apiKeys: ['client-key'] },
    models: {
      mode: 'replace',
      providers: {
        mlx: { baseUrl: 'http://127.0.0.1:9/v1', models: [{ id: 'mlx-community/Qwen3', name: 'Qwen 3 (MLX)', contextWindow: 40960 }] },
        llama: { baseUrl: llama.baseUrl, models: [] },
      },
    },
    agents: { defaults: { models: { 'mlx/mlx-community/Qwen3': { alias: 'claude-haiku-4-5' } } } },
  });
});
t.teardown(async () => {
  await relay.close();
  await llama.close();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${relay.url}${path}`, { headers: { authorization: 'Bearer client-key', ...headers } }).then(async (res) => ({ status: res.status, json: (await res.json()) as any }));
const anthropic = { 'anthropic-version': '2023-06-01' };

t.test('the SDK retrieves provider/model-id refs, slashes and all', async (t) => {
  const qwen = await relay.client.models.retrieve('mlx/mlx-community/Qwen3');
  t.match(qwen, { id: 'mlx/mlx-community/Qwen3', object: 'model', owned_by: 'mlx', root: 'mlx-community/Qwen3', context_window: 40960 });
  const reported = await relay.client.models.retrieve('llama//models/tiny.gguf');
  t.match(reported, { id: 'llama//models/tiny.gguf', owned_by: 'llama', root: '/models/tiny.gguf' });
  const alias = await relay.client.models.retrieve('claude-haiku-4-5');
  t.match(alias, { id: 'claude-haiku-4-5', owned_by: 'lmrelay', root: 'mlx/mlx-community/Qwen3' });
  const err = await relay.client.models.retrieve('mlx/nothing').catch((e) => e);
  t.equal(err.status, 404);
  t.equal(err.code, 'model_not_found');
});

t.test('every spelling of a listed id finds it', async (t) => {
  const spellings: Array<[path: string, id: string]> = [
    ['/v1/models/mlx/mlx-community/Qwen3', 'mlx/mlx-community/Qwen3'],
    ['/v1/models/mlx%2Fmlx-community%2FQwen3', 'mlx/mlx-community/Qwen3'],
    ['/v1/models/mlx%2fmlx-community/Qwen3', 'mlx/mlx-community/Qwen3'],
    ['/v1/models/%6Dlx/mlx-community/Qwen3', 'mlx/mlx-community/Qwen3'],
    ['/v1/models/mlx/mlx-community/Qwen3?x=1', 'mlx/mlx-community/Qwen3'],
    ['/v1/models/llama//models/tiny.gguf', 'llama//models/tiny.gguf'],
    ['/v1/models/llama%2F%2Fmodels%2Ftiny.gguf', 'llama//models/tiny.gguf'],
    ['/v1/models/tiny.gguf', 'tiny.gguf'],
    // A bare id that one provider serves is its provider's model.
    ['/v1/models/mlx-community/Qwen3', 'mlx/mlx-community/Qwen3'],
    ['/v1/models/other', 'llama/other'],
  ];
  for (const [path, id] of spellings) {
    const res = await get(path);
    t.equal(res.status, 200, path);
    t.equal(res.json.id, id, path);
  }
});

t.test('any other spelling is a 404 model_not_found in OpenAI shape, its id bounded in the message', async (t) => {
  const paths = [
    '/v1/models/nothing',
    '/v1/models/MLX/mlx-community/Qwen3',
    '/v1/models/mlx//mlx-community/Qwen3',
    '/v1/models//mlx/mlx-community/Qwen3',
    '/v1/models/mlx/mlx-community/Qwen3/',
    '/v1/models/mlx%252Fmlx-community%252FQwen3',
    '/v1/models/mlx/mlx-community/Qwen3%00',
    '/v1/models/..%2Fchat%2Fcompletions',
    '/v1/models/%C3%A9%E2%9C%93',
    `/v1/models/${'m'.repeat(6000)}`,
    `/v1/models/${encodeURIComponent('模型/'.repeat(500))}`,
  ];
  for (const path of paths) {
    const res = await get(path);
    t.equal(res.status, 404, path.slice(0, 60));
    t.same(Object.keys(res.json.error).sort(), ['code', 'message', 'param', 'type']);
    t.match(res.json.error, { code: 'model_not_found', type: 'invalid_request_error', param: 'model' });
    t.ok(res.json.error.message.length < 400, 'the message quotes at most 256 characters of the id');
  }
  const nonAscii = await get(`/v1/models/${encodeURIComponent('é✓')}`);
  t.match(nonAscii.json.error.message, /`é✓`/, 'a non-ASCII id is quoted as decoded');
  // Raw UTF-8 bytes in the request target, and an invalid escape: answered, never a crash.
  const raw = await rawExchange(relay.url, Buffer.concat([Buffer.from('GET /v1/models/'), Buffer.from('é/模型', 'utf8'), Buffer.from(' HTTP/1.1\r\nhost: x\r\nauthorization: Bearer client-key\r\nconnection: close\r\n\r\n')]));
  t.ok([400, 404].includes(raw.status), `raw UTF-8 target: ${raw.status}`);
  t.ok(raw.json?.error?.code, 'an OpenAI-shaped error');
  const badEscape = await get('/v1/models/%zz');
  t.equal(badEscape.status, 400);
  t.same(Object.keys(badEscape.json.error).sort(), ['code', 'message', 'param', 'type']);
});

t.test('a trailing slash lists the models', async (t) => {
  const res = await get('/v1/models/');
  t.equal(res.status, 200);
  t.equal(res.json.object, 'list');
  t.ok(res.json.data.some((m: any) => m.id === 'mlx/mlx-community/Qwen3'));
});

t.test('every spelling needs the key', async (t) => {
  for (const path of ['/v1/models', '/v1/models/mlx/mlx-community/Qwen3', '/v1/models/mlx%2Fmlx-community%2FQwen3', '/v1/models//x', '/v1/models/%C3%A9']) {
    const res = await fetch(`${relay.url}${path}`);
    t.equal(res.status, 401, path);
    t.equal(((await res.json()) as any).error.code, 'invalid_api_key');
    const anthropicClient = await fetch(`${relay.url}${path}`, { headers: anthropic });
    t.equal(anthropicClient.status, 401);
    t.match(await anthropicClient.json(), { type: 'error', error: { type: 'authentication_error' } }, `${path}: in Anthropic's shape for an Anthropic client`);
  }
});

t.test('with anthropic-version: the Anthropic list shape, paged', async (t) => {
  const openai = await get('/v1/models');
  const ids = openai.json.data.map((m: any) => m.id);
  t.ok(ids.length >= 5, `${ids.length} models listed`);
  const all = await get('/v1/models', anthropic);
  t.equal(all.status, 200);
  t.same(Object.keys(all.json).sort(), ['data', 'first_id', 'has_more', 'last_id']);
  t.same(all.json.data.map((m: any) => m.id), ids, 'the same models, in the same order');
  t.match(all.json, { has_more: false, first_id: ids[0], last_id: ids.at(-1) });
  for (const m of all.json.data) {
    t.same(Object.keys(m).sort(), ['created_at', 'display_name', 'id', 'type']);
    t.equal(m.type, 'model');
    t.ok(!Number.isNaN(Date.parse(m.created_at)) && m.created_at.endsWith('Z'), 'created_at is an RFC 3339 time');
  }
  t.equal(all.json.data.find((m: any) => m.id === 'mlx/mlx-community/Qwen3').display_name, 'Qwen 3 (MLX)');
  t.equal(all.json.data.find((m: any) => m.id === 'llama/other').display_name, 'llama/other');

  const first = await get('/v1/models?limit=2', anthropic);
  t.same(first.json, { ...first.json, has_more: true, first_id: ids[0], last_id: ids[1] });
  t.same(first.json.data.map((m: any) => m.id), ids.slice(0, 2));
  const next = await get(`/v1/models?limit=2&after_id=${encodeURIComponent(ids[1])}`, anthropic);
  t.same(next.json.data.map((m: any) => m.id), ids.slice(2, 4));
  const back = await get(`/v1/models?limit=2&before_id=${encodeURIComponent(ids[3])}`, anthropic);
  t.same(back.json.data.map((m: any) => m.id), ids.slice(1, 3));
  t.equal(back.json.has_more, true, 'one more before');
  const tail = await get(`/v1/models?limit=1000&after_id=${encodeURIComponent(ids.at(-2))}`, anthropic);
  t.match(tail.json, { has_more: false, first_id: ids.at(-1), last_id: ids.at(-1) });
  const gone = await get('/v1/models?after_id=not-listed', anthropic);
  t.same(gone.json, { data: [], has_more: false, first_id: null, last_id: null });
  for (const limit of ['0', '1001', 'x', '1.5']) {
    const bad = await get(`/v1/models?limit=${limit}`, anthropic);
    t.equal(bad.status, 400, `limit=${limit}`);
    t.match(bad.json, { type: 'error', error: { type: 'invalid_request_error', message: /limit/ } });
  }
});

t.test('with anthropic-version: one model in Anthropic shape, or its 404', async (t) => {
  const res = await get('/v1/models/mlx%2Fmlx-community%2FQwen3', anthropic);
  t.equal(res.status, 200);
  t.same(Object.keys(res.json).sort(), ['created_at', 'display_name', 'id', 'type']);
  t.match(res.json, { type: 'model', id: 'mlx/mlx-community/Qwen3', display_name: 'Qwen 3 (MLX)' });
  const alias = await get('/v1/models/claude-haiku-4-5', anthropic);
  t.match(alias.json, { type: 'model', id: 'claude-haiku-4-5' });
  const missing = await get('/v1/models/claude-opus-9', anthropic);
  t.equal(missing.status, 404);
  t.same(Object.keys(missing.json).sort(), ['error', 'request_id', 'type']);
  t.match(missing.json, { type: 'error', error: { type: 'not_found_error', message: /claude-opus-9/ } });
});
