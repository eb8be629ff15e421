/**
 * Embeddings and model lookups against the real llama.cpp server: one started with `--embedding`
 * (mean pooling: the tiny model has none of its own, and llama.cpp's OpenAI route needs one), and
 * one without, which answers 501 to embeddings and so makes a real fallback.
 */
import t from 'tap';
import { startLlama, type LlamaServer } from '../helpers/llama.js';
import { postJson, startRelay } from '../helpers/relay.js';

const [embedder, chatter] = await Promise.all([startLlama(['--embedding', '--pooling', 'mean']), startLlama()]);
if (typeof embedder === 'string' || typeof chatter === 'string') {
  if (typeof embedder !== 'string') await embedder.close();
  if (typeof chatter !== 'string') await chatter.close();
  t.plan(0, `real llama.cpp embedding tests skipped: ${typeof embedder === 'string' ? embedder : chatter}`);
} else {
  await run(embedder, chatter);
}

async function run(embedder: LlamaServer, chatter: LlamaServer) {
  const relay = await startRelay({
    models: {
      mode: 'replace',
      providers: {
        emb: { baseUrl: embedder.baseUrl, apiKey: 'llama-local', models: [{ id: 'tiny', kind: 'embedding' }] },
        spare: { baseUrl: embedder.baseUrl, apiKey: 'llama-local', models: [{ id: 'tiny', kind: 'embedding' }] },
        // No models listed: lmrelay lists what the server reports (its model file's path).
        chat: { baseUrl: chatter.baseUrl, apiKey: 'llama-local', models: [] },
      },
    },
    agents: { defaults: { embeddingModel: { primary: 'chat/tiny', fallbacks: ['emb/tiny', 'spare/tiny'] } } },
  });
  t.teardown(async () => {
    await relay.close();
    await Promise.all([embedder.close(), chatter.close()]);
  });
  const direct = (body: unknown) => postJson(`${embedder.baseUrl}/embeddings`, body);
  const viaRelay = (body: unknown, headers: Record<string, string> = {}) => postJson(`${relay.url}/v1/embeddings`, body, headers);

  t.test('models.retrieve finds provider/model-id refs, the one llama.cpp reports included', async (t) => {
    const configured = await relay.client.models.retrieve('emb/tiny');
    t.match(configured, { id: 'emb/tiny', object: 'model', owned_by: 'emb', root: 'tiny' });
    const reported = (await relay.client.models.list()).data.find((m) => m.owned_by === 'chat' && m.id.endsWith('.gguf'));
    t.ok(reported, 'the chat server reports its model file');
    const id = reported!.id;
    t.match(id, /^chat\/\/.*\/tiny\.gguf$/, 'a ref with the file path, slashes and all');
    const found = await relay.client.models.retrieve(id);
    t.equal(found.id, id);
    const raw = await fetch(`${relay.url}/v1/models/${id}`);
    t.equal(raw.status, 200, 'the unencoded path finds it too');
    t.equal(((await raw.json()) as any).id, id);
    const missing = await relay.client.models.retrieve('emb/huge').catch((e) => e);
    t.equal(missing.status, 404);
    t.equal(missing.code, 'model_not_found');
  });

  t.test('float and base64 answers are the server own bytes', async (t) => {
    for (const encoding_format of ['float', 'base64']) {
      const body = { input: 'The quick brown fox', encoding_format };
      const want = await direct({ model: 'tiny', ...body });
      const got = await viaRelay({ model: 'emb/tiny', ...body });
      t.equal(want.status, 200, want.text.slice(0, 200));
      t.equal(got.status, 200, got.text.slice(0, 200));
      t.equal(got.text, want.text, encoding_format);
    }
  });

  t.test('the SDK: float, base64 and its own default agree', async (t) => {
    const input = 'The quick brown fox';
    const float = await relay.client.embeddings.create({ model: 'emb/tiny', input, encoding_format: 'float' });
    const vector = float.data[0].embedding;
    t.ok(vector.length > 8 && vector.every((x) => typeof x === 'number' && Number.isFinite(x)), `${vector.length} numbers`);
    t.ok(vector.some((x) => x !== 0), 'not all zero');
    const base64 = await relay.client.embeddings.create({ model: 'emb/tiny', input, encoding_format: 'base64' });
    const text = base64.data[0].embedding as unknown as string;
    t.type(text, 'string');
    const bytes = Buffer.from(text, 'base64');
    t.same([...new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)], vector.map(Math.fround), 'the same vector, as float32 bytes');
    const sdkDefault = await relay.client.embeddings.create({ model: 'emb/tiny', input });
    t.same(sdkDefault.data[0].embedding, vector.map(Math.fround));
    t.ok(float.usage.prompt_tokens > 0, 'usage reported');
  });

  t.test('a batch gets one vector per input, in order, and its usage counted', async (t) => {
    const input = ['first text', 'a second, longer text', 'third'];
    const res = await relay.client.embeddings.create({ model: 'emb/tiny', input, encoding_format: 'float' });
    t.same(res.data.map((d) => d.index), [0, 1, 2]);
    const single = await relay.client.embeddings.create({ model: 'emb/tiny', input: input[1], encoding_format: 'float' });
    t.notSame(res.data[0].embedding, res.data[1].embedding, 'different texts, different vectors');
    t.equal(res.data[1].embedding.length, single.data[0].embedding.length);
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    const counted = Number(/lmrelay_tokens_total\{provider="emb",model="emb\/tiny",direction="input"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    t.ok(counted >= res.usage.prompt_tokens + single.usage.prompt_tokens, `tokens counted (${counted})`);
  });

  t.test('through a fallback: the server without --embedding answers 501, the next model answers', async (t) => {
    const want = await direct({ model: 'tiny', input: 'fallback text', encoding_format: 'base64' });
    const got = await viaRelay({ input: 'fallback text', encoding_format: 'base64' });
    t.equal(got.status, 200, got.text);
    t.equal(got.headers.get('x-lmrelay-model'), 'emb/tiny');
    t.equal(got.headers.get('x-lmrelay-attempts'), '2');
    t.equal(got.text, want.text, 'the answer is the embedding server own');
    const { data, response } = await relay.client.embeddings.create({ model: 'chat/tiny', input: 'fallback text', encoding_format: 'float' }).withResponse();
    t.equal(response.headers.get('x-lmrelay-model'), 'emb/tiny');
    t.ok(data.data[0].embedding.length > 8);
    const logged = relay.logs.find((l) => l.msg?.startsWith('model call failed') && l.model === 'chat/tiny');
    t.match(logged, { failureKind: 'http_5xx', status: 502 }, 'the 501 was a fallback, logged');
    const alone = await viaRelay({ model: 'chat/tiny', input: 'x' }, { 'x-lmrelay-fallbacks': 'none' });
    t.equal(alone.status, 502);
    t.match(alone.json.error.message, /does not support embeddings/);
  });

  t.test("the server's own 400 (a token id it does not know) is passed on, with no fallback", async (t) => {
    const want = await direct({ model: 'tiny', input: [999999] });
    t.equal(want.status, 400, want.text);
    const got = await viaRelay({ model: 'emb/tiny', input: [999999] });
    t.equal(got.status, 400, got.text);
    t.equal(got.headers.get('x-lmrelay-model'), 'emb/tiny', 'spare/tiny was not tried');
    t.match(got.json.error, { code: 'upstream_rejected', message: /invalid tokens/ });
  });
}
