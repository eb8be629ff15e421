/**
 * /v1/completions and /v1/rerank against the real llama.cpp server: text completions with a
 * suffix, plain and streamed, the same as llama.cpp's own answer; /infill refused by a model
 * without fill-in-the-middle tokens (the tiny one) and the chain moving on; rerank from a server
 * started with --reranking, after one without it.
 */
import t from 'tap';
import { startLlama, type LlamaServer } from '../helpers/llama.js';
import { postJson, startRelay } from '../helpers/relay.js';

const [plain, reranker] = await Promise.all([startLlama(), startLlama(['--reranking'])]);
if (typeof plain === 'string' || typeof reranker === 'string') {
  if (typeof plain !== 'string') await plain.close();
  if (typeof reranker !== 'string') await reranker.close();
  t.plan(0, `real llama.cpp completion tests skipped: ${typeof plain === 'string' ? plain : reranker}`);
} else {
  await run(plain, reranker);
}

async function run(plain: LlamaServer, reranker: LlamaServer) {
  const relay = await startRelay({
    models: {
      mode: 'replace',
      providers: {
        llamacpp: { baseUrl: plain.baseUrl, apiKey: 'llama-local', models: [{ id: 'tiny', contextWindow: 4096 }, { id: 'tiny-fim', compat: { infill: true }, contextWindow: 4096 }] },
        chatonly: { baseUrl: plain.baseUrl, apiKey: 'llama-local', models: [{ id: 'tiny', kind: 'rerank' }] },
        ranker: { baseUrl: reranker.baseUrl, apiKey: 'llama-local', models: [{ id: 'tiny', kind: 'rerank' }] },
      },
    },
    agents: {
      defaults: {
        model: { primary: 'llamacpp/tiny' },
        rerankModel: { primary: 'chatonly/tiny', fallbacks: ['ranker/tiny'] },
        models: { 'llamacpp/tiny-fim': { fallbacks: ['llamacpp/tiny'] } },
      },
    },
  });
  t.teardown(async () => {
    await relay.close();
    await Promise.all([plain.close(), reranker.close()]);
  });
  const body = { prompt: 'def add(a, b):\n    return', suffix: '\n\nprint(add(1, 2))\n', max_tokens: 12, temperature: 0 };

  t.test('plain: the answer is llama.cpp own, suffix and all', async (t) => {
    const direct = await postJson(`${plain.baseUrl}/completions`, { model: 'tiny', ...body });
    t.equal(direct.status, 200, direct.text.slice(0, 300));
    const answer = await relay.client.completions.create({ model: 'llamacpp/tiny', ...body });
    t.equal(answer.object, 'text_completion');
    t.same(answer.choices, direct.json.choices, 'same text and finish reason (temperature 0)');
    t.ok(answer.choices[0].text.length > 0, 'some text');
    t.equal(answer.usage?.completion_tokens, direct.json.usage.completion_tokens);
    const raw = await postJson(`${relay.url}/v1/completions`, { model: 'llamacpp/tiny', ...body });
    t.equal(raw.headers.get('x-lmrelay-model'), 'llamacpp/tiny');
  });

  t.test('streamed: the same text, chunk by chunk, ending in [DONE]', async (t) => {
    const direct = await postJson(`${plain.baseUrl}/completions`, { model: 'tiny', ...body });
    const stream = await relay.client.completions.create({ model: 'llamacpp/tiny', ...body, stream: true });
    let text = '';
    let finish: string | null = null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      t.equal(chunk.object, 'text_completion');
      text += chunk.choices[0]?.text ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      t.notOk(chunk.usage, 'no usage chunk unless asked');
    }
    t.ok(chunks > 1, `${chunks} chunks`);
    t.equal(text, direct.json.choices[0].text);
    t.equal(finish, direct.json.choices[0].finish_reason);
    const raw = await fetch(`${relay.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'llamacpp/tiny', ...body, stream: true, stream_options: { include_usage: true } }) });
    const frames = (await raw.text()).split('\n\n').filter(Boolean);
    t.equal(frames.at(-1), 'data: [DONE]');
    t.ok(frames.some((f) => f.startsWith('data: {') && JSON.parse(f.slice(6)).usage?.completion_tokens > 0), 'usage when asked');
  });

  t.test('compat.infill: the tiny model has no FIM tokens, llama.cpp says so, the chain moves on', async (t) => {
    const alone = await postJson(`${relay.url}/v1/completions`, { model: 'llamacpp/tiny-fim', ...body }, { 'x-lmrelay-fallbacks': 'none' });
    t.equal(alone.status, 502, alone.text);
    t.match(alone.json.error.message, /llamacpp\/tiny-fim: POST http:\/\/127\.0\.0\.1:\d+\/infill answered 501.*Infill is not supported by this model/);
    const chained = await relay.client.completions.create({ model: 'llamacpp/tiny-fim', ...body });
    t.ok(chained.choices[0].text.length > 0, 'answered by llamacpp/tiny');
  });

  t.test('rerank: a server without --reranking fails (501), the next one answers best first', async (t) => {
    const documents = ['the cat sat', 'a dog barked', 'the quick fox', 'cats and dogs'];
    const direct = await postJson(`${reranker.baseUrl}/rerank`, { model: 'tiny', query: 'cat', documents });
    t.equal(direct.status, 200, direct.text.slice(0, 300));
    const res = await postJson(`${relay.url}/v1/rerank`, { query: 'cat', documents, top_n: 3 });
    t.equal(res.status, 200, res.text.slice(0, 300));
    t.equal(res.headers.get('x-lmrelay-model'), 'ranker/tiny');
    t.equal(res.headers.get('x-lmrelay-attempts'), '2');
    const want = [...direct.json.results].sort((a: any, b: any) => b.relevance_score - a.relevance_score).slice(0, 3);
    t.same(
      res.json.results,
      want.map((r: any) => ({ index: r.index, relevance_score: r.relevance_score, document: { text: documents[r.index] } })),
    );
    t.ok(res.json.usage.prompt_tokens > 0);
  });
}
