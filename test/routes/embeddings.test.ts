/**
 * POST /v1/embeddings against mock servers: answers passed on byte for byte (float and base64),
 * batches, usage counted, chains of embedding models, and bad input refused in OpenAI's shape.
 */
import t from 'tap';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { postJson, startRelay, type RelayUnderTest } from '../helpers/relay.js';

let emb: MockUpstream;
let chatOnly: MockUpstream;
let relay: RelayUnderTest;

t.before(async () => {
  [emb, chatOnly] = await Promise.all([startMock('vllm'), startMock('openai', ['--only', 'chat'])]);
  relay = await startRelay({
    server: { apiKeys: ['client-key', { key: 'budget-key-0123456789', name: 'budget', tpm: 30 }] },
    models: {
      mode: 'replace',
      providers: {
        vllm: { baseUrl: emb.baseUrl, models: [] },
        chatonly: { baseUrl: chatOnly.baseUrl, models: [] },
        anthropic: { baseUrl: emb.baseUrl, api: 'anthropic-messages', apiKey: 'sk-ant-local', models: [{ id: 'claude-x' }] },
        marked: {
          baseUrl: emb.baseUrl,
          models: [{ id: 'status-503', kind: 'embedding' }, { id: 'nomic-embed', kind: 'embedding' }, { id: 'qwen-chat', kind: 'chat' }],
        },
      },
    },
    agents: {
      defaults: {
        // Chat fallbacks are never used for embeddings.
        model: { primary: 'marked/qwen-chat', fallbacks: ['chatonly/any'] },
        embeddingModel: { primary: 'vllm/status-500', fallbacks: ['anthropic/claude-x', 'vllm/bge-m3'] },
        models: { 'vllm/status-504': { fallbacks: ['vllm/e5'] } },
      },
    },
  });
});
t.teardown(async () => {
  await relay.close();
  await Promise.all([emb.close(), chatOnly.close()]);
});

const embed = (body: unknown, headers: Record<string, string> = {}) =>
  postJson(`${relay.url}/v1/embeddings`, body, { authorization: 'Bearer client-key', ...headers });
const direct = (body: unknown) => postJson(`${emb.baseUrl}/embeddings`, body);
const sent = async (upstream: MockUpstream) => (await upstream.requests()).filter((r) => r.path === '/v1/embeddings');

t.test('float and base64 answers pass byte for byte, through the SDK too', async (t) => {
  for (const encoding_format of ['float', 'base64'] as const) {
    const want = await direct({ model: 'bge-m3', input: 'hello', encoding_format });
    const got = await embed({ model: 'vllm/bge-m3', input: 'hello', encoding_format });
    t.equal(got.status, 200, got.text);
    t.equal(got.text, want.text, `${encoding_format}: the upstream's own bytes`);
    t.equal(got.headers.get('x-lmrelay-model'), 'vllm/bge-m3');
  }
  const float = await relay.client.embeddings.create({ model: 'vllm/bge-m3', input: 'hello', encoding_format: 'float' });
  t.same(float.data[0].embedding, [5, 0, 0.5, -0.00125]);
  const base64 = await relay.client.embeddings.create({ model: 'vllm/bge-m3', input: 'hello', encoding_format: 'base64' });
  const bytes = Buffer.from(base64.data[0].embedding as unknown as string, 'base64');
  const decoded = [...new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)];
  t.same(decoded, [...new Float32Array([5, 0, 0.5, -0.00125])]);
  // Without encoding_format the SDK asks for base64 and decodes it to floats itself.
  const sdkDefault = await relay.client.embeddings.create({ model: 'vllm/bge-m3', input: 'hello' });
  t.same(sdkDefault.data[0].embedding, [...new Float32Array([5, 0, 0.5, -0.00125])]);
});

t.test('batches of texts and of token ids reach the upstream as sent, model renamed', async (t) => {
  await emb.reset();
  const inputs = [['a', 'bb', 'ccc'], [1, 2, 3, 4], [[1, 2], [3]]];
  for (const input of inputs) {
    const res = await relay.client.embeddings.create({ model: 'vllm/bge-m3', input, encoding_format: 'float', dimensions: 4 });
    const n = typeof input[0] === 'number' ? 1 : input.length;
    t.equal(res.data.length, n);
    t.same(res.data.map((d) => d.index), [...Array(n).keys()], 'one vector per input, in order');
  }
  const bodies = (await sent(emb)).map((r) => r.body);
  t.same(bodies.map((b) => b.input), inputs);
  t.ok(bodies.every((b) => b.model === 'bge-m3' && b.dimensions === 4 && b.encoding_format === 'float'), 'the provider prefix is gone, other fields kept');
});

t.test('usage is counted in metrics and against the key token budget', async (t) => {
  const before = await tokens();
  const res = await embed({ model: 'vllm/bge-m3', input: ['x'.repeat(12), 'y'.repeat(8)] });
  t.equal(res.json.usage.prompt_tokens, 20);
  t.equal((await tokens()) - before, 20, 'lmrelay_tokens_total grew by the upstream usage');
  // The budget key (30 tokens a minute) spends 20, then 20 more, then is refused.
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await embed({ model: 'vllm/bge-m3', input: 'z'.repeat(20) }, { authorization: 'Bearer budget-key-0123456789' })).status);
  t.same(statuses, [200, 200, 429]);
});

async function tokens(): Promise<number> {
  const text = await (await fetch(`${relay.url}/metrics`)).text();
  return Number(/lmrelay_tokens_total\{provider="vllm",model="vllm\/bge-m3",direction="input"\} (\d+)/.exec(text)?.[1] ?? 0);
}

t.test('the embedding chain: a failing primary, an anthropic provider skipped, then the next model', async (t) => {
  await Promise.all([emb.reset(), chatOnly.reset()]);
  for (const model of [undefined, 'default']) {
    const res = await embed({ ...(model ? { model } : {}), input: 'hi' });
    t.equal(res.status, 200, res.text);
    t.equal(res.headers.get('x-lmrelay-model'), 'vllm/bge-m3');
    t.equal(res.headers.get('x-lmrelay-attempts'), '2', 'the anthropic provider was never called');
  }
  const viaSdk = await relay.client.embeddings.create({ model: 'vllm/status-500', input: 'hi', encoding_format: 'float' }).withResponse();
  t.equal(viaSdk.response.headers.get('x-lmrelay-model'), 'vllm/bge-m3');
  t.same(viaSdk.data.data[0].embedding, [2, 0, 0.5, -0.00125]);
  t.same((await sent(emb)).map((r) => r.body.model), ['status-500', 'bge-m3', 'status-500', 'bge-m3', 'status-500', 'bge-m3']);
  t.equal((await emb.requests()).filter((r) => r.path === '/v1/messages').length, 0);
  t.equal((await chatOnly.requests()).length, 0, 'the chat fallbacks were not tried');
});

t.test("a model's own fallbacks are its embedding chain too", async (t) => {
  const own = await embed({ model: 'vllm/status-504', input: 'hi' });
  t.equal(own.status, 200, own.text);
  t.equal(own.headers.get('x-lmrelay-model'), 'vllm/e5');
  const failing = await embed({ model: 'vllm/status-502', input: 'hi' });
  t.equal(failing.status, 200, failing.text);
  t.equal(failing.headers.get('x-lmrelay-model'), 'vllm/bge-m3', 'a model without fallbacks of its own takes the embedding defaults');
});

t.test('models of kind "embedding": the embedding chain when embeddingModel is not set; kinds are kept apart', async (t) => {
  const other = await startRelay({
    models: { mode: 'replace', providers: { marked: { baseUrl: emb.baseUrl, models: [{ id: 'status-503', kind: 'embedding' }, { id: 'nomic-embed', kind: 'embedding' }, { id: 'qwen-chat', kind: 'chat' }] } } },
  });
  t.teardown(() => other.close());
  const res = await postJson(`${other.url}/v1/embeddings`, { input: 'hi' });
  t.equal(res.status, 200, res.text);
  t.equal(res.headers.get('x-lmrelay-model'), 'marked/nomic-embed', 'the first failed, the second answered');
  const chat = await postJson(`${other.url}/v1/chat/completions`, { model: 'marked/nomic-embed', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(chat.status, 400);
  t.match(chat.json.error, { code: 'invalid_value', param: 'model', message: /kind "embedding".*POST \/v1\/embeddings/ });
  const wrong = await postJson(`${other.url}/v1/embeddings`, { model: 'marked/qwen-chat', input: 'hi' });
  t.equal(wrong.status, 400);
  t.match(wrong.json.error, { code: 'invalid_value', param: 'model', message: /kind "chat"/ });
});

t.test('no embedding model to default to: a 404 that says what to set', async (t) => {
  const other = await startRelay({ models: { mode: 'replace', providers: { vllm: { baseUrl: emb.baseUrl, models: [] } } }, agents: { defaults: { model: { primary: 'vllm/chat' } } } });
  t.teardown(() => other.close());
  const res = await postJson(`${other.url}/v1/embeddings`, { input: 'hi' });
  t.equal(res.status, 404);
  t.match(res.json.error, { code: 'model_not_found', param: 'model', message: /agents\.defaults\.embeddingModel\.primary/ });
});

t.test('upstream failures: a server without embeddings, an anthropic provider alone, a garbled answer', async (t) => {
  const missing = await embed({ model: 'chatonly/bge', input: 'hi' });
  t.equal(missing.status, 404, 'the upstream 4xx is passed on');
  t.match(missing.json.error, { type: 'not_found_error', message: /no route \/v1\/embeddings/ });
  const anthropic = await embed({ model: 'anthropic/claude-x', input: 'hi' }, { 'x-lmrelay-fallbacks': 'none' });
  t.equal(anthropic.status, 400);
  t.match(anthropic.json.error, { code: 'invalid_value', param: 'model', message: /anthropic-messages provider serves no embeddings/ });
  const garbled = await embed({ model: 'vllm/badjson', input: 'hi' }, { 'x-lmrelay-fallbacks': 'none' });
  t.equal(garbled.status, 502);
  t.match(garbled.json.error, { code: 'bad_upstream_response', message: /invalid JSON/ });
});

t.test('bad input is a 400 naming the field, before any upstream is called', async (t) => {
  await emb.reset();
  const cases: Array<[body: unknown, param: string | null, message: RegExp]> = [
    [{ model: 'vllm/bge-m3' }, 'input', /must be a non-empty string/],
    [{ model: 'vllm/bge-m3', input: '' }, 'input', /must not be an empty string/],
    [{ model: 'vllm/bge-m3', input: ['ok', ''] }, 'input[1]', /must not be an empty string/],
    [{ model: 'vllm/bge-m3', input: [] }, 'input', /must be a non-empty string/],
    [{ model: 'vllm/bge-m3', input: ['ok', 3] }, 'input', /must be a non-empty string/],
    [{ model: 'vllm/bge-m3', input: [[1, -2]] }, 'input[0][1]', /token ids are not negative/],
    [{ model: 'vllm/bge-m3', input: [[]] }, 'input[0]', /must not be an empty array/],
    [{ model: 'vllm/bge-m3', input: [1.5] }, 'input', /array of token ids/],
    [{ model: 'vllm/bge-m3', input: Array(2049).fill('x') }, 'input', /up to 2048/],
    [{ model: 'vllm/bge-m3', input: 'a\u0000b' }, 'input', /NUL/],
    [{ model: 'vllm/bge-m3', input: 'hi', encoding_format: 'int8' }, 'encoding_format', /float|base64/],
    [{ model: 'vllm/bge-m3', input: 'hi', stream: true }, 'stream', /not streamed/],
    [{ model: 'vllm/bge-m3', input: 'hi', dimensions: 0 }, 'dimensions', /./],
    [{ model: 'x'.repeat(257), input: 'hi' }, 'model', /at most 256/],
    [[{ input: 'hi' }], null, /JSON object/],
  ];
  for (const [body, param, message] of cases) {
    const res = await embed(body);
    t.equal(res.status, 400, JSON.stringify(body).slice(0, 80));
    t.same(Object.keys(res.json.error).sort(), ['code', 'message', 'param', 'type']);
    t.equal(res.json.error.param, param);
    t.match(res.json.error.message, message);
  }
  for (const model of ['nobody/none', 'VLLM/bge-m3', 'nobody/模型é', 'marked%2Fnomic-embed', 'marked/nomic-embed ']) {
    const unknown = await embed({ model, input: 'hi' });
    t.equal(unknown.status, 404, model);
    t.equal(unknown.json.error.code, 'model_not_found');
  }
  t.equal((await sent(emb)).length, 0, 'nothing reached the upstream');
});

t.test('the guarded /v1 scope covers embeddings', async (t) => {
  const res = await postJson(`${relay.url}/v1/embeddings`, { model: 'vllm/bge-m3', input: 'hi' });
  t.equal(res.status, 401);
  t.equal(res.json.error.code, 'invalid_api_key');
});
