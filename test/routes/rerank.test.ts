/**
 * POST /v1/rerank against mock servers: results best first, cut at top_n, with their documents,
 * whatever the server's order and usage; the chain of rerank models (agents.defaults.rerankModel)
 * falls back past failures and servers without rerank; hostile input refused in OpenAI's shape.
 */
import t from 'tap';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { postJson, startRelay, type RelayUnderTest } from '../helpers/relay.js';

let vllm: MockUpstream;
let relay: RelayUnderTest;

t.before(async () => {
  vllm = await startMock('vllm');
  relay = await startRelay({
    models: {
      mode: 'replace',
      providers: {
        vllm: { baseUrl: vllm.baseUrl, apiKey: 'vllm-local', models: [] },
        ranked: { baseUrl: vllm.baseUrl, apiKey: 'vllm-local', models: [{ id: 'status-503', kind: 'rerank' }, { id: 'bge-reranker', kind: 'rerank' }, { id: 'qwen', kind: 'chat' }] },
        ollama: { baseUrl: vllm.url, api: 'ollama', apiKey: 'ollama-local', models: [{ id: 'qwen3' }] },
      },
    },
    agents: {
      defaults: {
        model: { primary: 'ranked/qwen' },
        rerankModel: { primary: 'ranked/status-503', fallbacks: ['ollama/qwen3', 'ranked/bge-reranker'] },
      },
    },
  });
});
t.teardown(async () => {
  await relay.close();
  await vllm.close();
});

const rerank = (body: unknown, headers: Record<string, string> = {}) => postJson(`${relay.url}/v1/rerank`, body, headers);
const documents = ['a cat sat on the mat', 'the quick brown fox', 'a quick cat', 'nothing here'];

t.test('results come best first, with their documents, and usage as prompt tokens', async (t) => {
  const res = await rerank({ model: 'vllm/reranker', query: 'quick cat', documents });
  t.equal(res.status, 200, res.text);
  t.equal(res.headers.get('x-lmrelay-model'), 'vllm/reranker');
  t.same(
    res.json.results,
    [
      { index: 2, relevance_score: 1, document: { text: 'a quick cat' } },
      { index: 0, relevance_score: 0.5, document: { text: 'a cat sat on the mat' } },
      { index: 1, relevance_score: 0.5, document: { text: 'the quick brown fox' } },
      { index: 3, relevance_score: 0, document: { text: 'nothing here' } },
    ],
    'sorted by score (ties by index), though the server answered in document order',
  );
  t.same(res.json.usage, { prompt_tokens: 13, total_tokens: 13 });
  t.equal(res.json.model, 'reranker');
  const [sent] = (await vllm.requests()).filter((r) => r.path === '/v1/rerank');
  t.match(sent.body, { model: 'reranker', query: 'quick cat', documents });
});

t.test('top_n cuts, return_documents: false leaves them out, {text} documents reach the server as strings', async (t) => {
  await vllm.reset();
  const res = await rerank({ model: 'vllm/reranker', query: 'quick cat', documents: documents.map((text) => ({ text })), top_n: 2, return_documents: false });
  t.equal(res.status, 200, res.text);
  t.same(res.json.results, [
    { index: 2, relevance_score: 1 },
    { index: 0, relevance_score: 0.5 },
  ]);
  const [sent] = (await vllm.requests()).filter((r) => r.path === '/v1/rerank');
  t.same(sent.body.documents, documents, 'the mock refuses anything but strings');
  const objects = await rerank({ model: 'vllm/reranker', query: 'fox', documents: [{ text: 'a fox', id: 'doc-1' }], top_n: 50 });
  t.same(objects.json.results, [{ index: 0, relevance_score: 1, document: { text: 'a fox' } }], 'top_n above the count returns them all');
});

t.test('the rerank chain: a failing primary, then a provider with no rerank API skipped, then an answer', async (t) => {
  const res = await rerank({ query: 'quick', documents });
  t.equal(res.status, 200, res.text);
  t.equal(res.headers.get('x-lmrelay-model'), 'ranked/bge-reranker');
  t.equal(res.headers.get('x-lmrelay-attempts'), '2', 'the 503, then the answer; Ollama was refused before sending');
  const metrics = await (await fetch(`${relay.url}/metrics`)).text();
  t.match(metrics, /lmrelay_fallbacks_total\{from="ranked\/status-503",to="ollama\/qwen3"\} 1/);
  t.match(metrics, /lmrelay_requests_total\{route="\/v1\/rerank",model="ranked\/bge-reranker",provider="ranked",status="200"\} 1/);
  t.match(metrics, /lmrelay_tokens_total\{provider="ranked",model="ranked\/bge-reranker",direction="input"\} 13/);

  const noRerank = await rerank({ model: 'ollama/qwen3', query: 'q', documents }, { 'x-lmrelay-fallbacks': 'none' });
  t.equal(noRerank.status, 400);
  t.match(noRerank.json.error, { code: 'invalid_value', param: 'model', message: /^ollama\/qwen3: an ollama provider serves no rerank API/ });
});

t.test('a garbled answer is the upstream failure: 502, or the next model', async (t) => {
  const res = await rerank({ model: 'vllm/bad-index', query: 'q', documents }, { 'x-lmrelay-fallbacks': 'none' });
  t.equal(res.status, 502);
  t.match(res.json.error, { code: 'bad_upstream_response', message: /vllm\/bad-index: a rerank result names no document of the request \(index 99\)/ });
  const hung = await rerank({ model: 'vllm/status-500', query: 'q', documents }, { 'x-lmrelay-fallbacks': 'none' });
  t.equal(hung.status, 502);
});

t.test('model kinds: a chat model is refused on /v1/rerank, a rerank model on chat and completions', async (t) => {
  const chat = await rerank({ model: 'ranked/qwen', query: 'q', documents });
  t.equal(chat.status, 400);
  t.match(chat.json.error, { param: 'model', message: /ranked\/qwen is a model of kind "chat", not rerank/ });
  for (const [path, body] of [
    ['/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] }],
    ['/v1/completions', { prompt: 'hi' }],
  ] as const) {
    const res = await postJson(`${relay.url}${path}`, { model: 'ranked/bge-reranker', ...body });
    t.equal(res.status, 400, path);
    t.match(res.json.error.message, /kind "rerank".*POST \/v1\/rerank/, path);
  }
});

t.test('hostile input gets OpenAI-shaped 400s', async (t) => {
  const cases: Array<[unknown, string]> = [
    [{ model: 'vllm/r', documents }, 'query'],
    [{ model: 'vllm/r', query: '', documents }, 'query'],
    [{ model: 'vllm/r', query: 'q\u0000', documents }, 'query'],
    [{ model: 'vllm/r', query: 'q' }, 'documents'],
    [{ model: 'vllm/r', query: 'q', documents: [] }, 'documents'],
    [{ model: 'vllm/r', query: 'q', documents: 'one doc' }, 'documents'],
    [{ model: 'vllm/r', query: 'q', documents: ['a', 42] }, 'documents[1]'],
    [{ model: 'vllm/r', query: 'q', documents: ['a', null] }, 'documents[1]'],
    [{ model: 'vllm/r', query: 'q', documents: [{ text: 7 }] }, 'documents[0]'],
    [{ model: 'vllm/r', query: 'q', documents: [['nested']] }, 'documents[0]'],
    [{ model: 'vllm/r', query: 'q', documents: Array.from({ length: 1001 }, () => 'd') }, 'documents'],
    [{ model: 'vllm/r', query: 'q', documents, top_n: 0 }, 'top_n'],
    [{ model: 'vllm/r', query: 'q', documents, top_n: -3 }, 'top_n'],
    [{ model: 'vllm/r', query: 'q', documents, top_n: 1.5 }, 'top_n'],
    [{ model: 'vllm/r', query: 'q', documents, top_n: '2' }, 'top_n'],
    [{ model: 'vllm/r', query: 'q', documents, stream: true }, 'stream'],
    [{ model: 'r'.repeat(257), query: 'q', documents }, 'model'],
    [{ model: '模'.repeat(300), query: 'q', documents }, 'model'],
  ];
  for (const [body, param] of cases) {
    const res = await rerank(body);
    const what = JSON.stringify(body).slice(0, 90);
    t.equal(res.status, 400, `${what}: ${res.text.slice(0, 200)}`);
    t.equal(res.json?.error?.param, param, what);
    t.equal(res.json?.error?.type, 'invalid_request_error', what);
  }
  const huge = await rerank({ model: 'vllm/reranker', query: 'q', documents, top_n: 1e12 });
  t.equal(huge.status, 200, 'a huge top_n returns every document');
  t.equal(huge.json.results.length, documents.length);
  const unknown = await rerank({ model: 'nö/such-mödel-✓', query: 'q', documents });
  t.equal(unknown.status, 404);
  t.match(unknown.json.error, { code: 'model_not_found', param: 'model' });
});
