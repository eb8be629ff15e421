/** What a client may write in `model`: bare ids of models the running servers report, file names, ambiguity. */
import t from 'tap';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { postJson, startRelay, type RelayUnderTest } from '../helpers/relay.js';

let a: MockUpstream;
let b: MockUpstream;
let c: MockUpstream;
let d: MockUpstream;
let relay: RelayUnderTest;
t.before(async () => {
  [a, b, c, d] = await Promise.all([
    startMock('llamacpp', ['--models', '/models/tiny.gguf']),
    startMock('vllm', ['--models', 'shared-id,only-b,Qwen/Qwen3-8B']),
    startMock('ollama', ['--models', 'shared-id']),
    startMock('vllm', ['--models', 'listed-d,unlisted']),
  ]);
  relay = await startRelay({
    models: {
      mode: 'replace',
      providers: {
        a: { baseUrl: a.baseUrl, models: [] },
        b: { baseUrl: b.baseUrl, models: [] },
        // A provider with a list serves only its list, even when its server reports more.
        c: { baseUrl: c.baseUrl, models: [] },
        d: { baseUrl: d.baseUrl, discover: true, models: [{ id: 'listed-d' }] },
      },
    },
  });
});
t.teardown(async () => {
  await relay.close();
  await Promise.all([a.close(), b.close(), c.close(), d.close()]);
});

const chat = (model: string) => postJson(`${relay.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }] });

t.test('a bare id that one running server reports', async (t) => {
  const res = await chat('only-b');
  t.equal(res.status, 200, res.text);
  t.equal(res.headers.get('x-lmrelay-model'), 'b/only-b');
  const withSlash = await chat('Qwen/Qwen3-8B');
  t.equal(withSlash.status, 200, withSlash.text);
  t.equal(withSlash.headers.get('x-lmrelay-model'), 'b/Qwen/Qwen3-8B');
  const sdk = await relay.client.chat.completions.create({ model: 'only-b', messages: [{ role: 'user', content: 'hi' }] });
  t.match(sdk.choices[0].message.content, /Hello from vllm only-b/);
});

t.test('a model reported by its file path answers to the file name, with and without .gguf', async (t) => {
  await a.reset();
  for (const name of ['tiny.gguf', 'tiny']) {
    const res = await chat(name);
    t.equal(res.status, 200, res.text);
    t.equal(res.headers.get('x-lmrelay-model'), 'a//models/tiny.gguf');
  }
  const sent = (await a.requests()).filter((r) => r.path === '/v1/chat/completions').map((r) => r.body.model);
  t.same(sent, ['/models/tiny.gguf', '/models/tiny.gguf'], 'the server gets the id it reported');
  const listed = (await (await fetch(`${relay.url}/v1/models`)).json()).data;
  t.ok(listed.some((m: any) => m.id === 'a//models/tiny.gguf'), 'listed by its ref');
  t.ok(listed.some((m: any) => m.id === 'tiny.gguf' && m.root === 'a//models/tiny.gguf'), 'and by its file name');
});

t.test('an id two providers offer is a 400 naming both refs', async (t) => {
  const res = await chat('shared-id');
  t.equal(res.status, 400);
  t.match(res.json.error, { code: 'model_ambiguous', param: 'model', type: 'invalid_request_error' });
  t.match(res.json.error.message, /b\/shared-id/);
  t.match(res.json.error.message, /c\/shared-id/);
  const precise = await chat('c/shared-id');
  t.equal(precise.status, 200, 'a full ref is never ambiguous');
});

t.test('names no server reports, in other spellings, are 404', async (t) => {
  for (const name of ['unlisted', 'ONLY-B', 'only-b ', '%6Fnly-b', 'only-b/', '/only-b', 'tiny.GGUF', 'models/tiny.gguf', 'x'.repeat(256), 'ünïcødé']) {
    const res = await chat(name);
    t.equal(res.status, 404, `${name.slice(0, 20)}: ${res.text.slice(0, 200)}`);
    t.equal(res.json?.error?.code, 'model_not_found');
  }
});
