import t from 'tap';
import { startMock, closedPort, type MockUpstream } from '../helpers/mock.js';
import { startRelay, postJson, type RelayUnderTest } from '../helpers/relay.js';

const mocks: Record<string, MockUpstream> = {};
let relay: RelayUnderTest;

t.before(async () => {
  const [vllm, ollama, llamacpp] = await Promise.all([startMock('vllm', ['--models', 'Qwen/Qwen3-8B']), startMock('ollama'), startMock('llamacpp')]);
  Object.assign(mocks, { vllm, ollama, llamacpp });
  const down = await closedPort();
  relay = await startRelay({
    models: {
      providers: {
        vllm: { baseUrl: vllm.baseUrl, apiKey: 'vllm-secret-key', models: [{ id: 'Qwen/Qwen3-8B' }, { id: 'reasoning', reasoning: true }, { id: 'status-400' }, { id: 'echo' }] },
        ollama: { baseUrl: ollama.baseUrl, apiKey: 'ollama-local', models: [] },
        llamacpp: { baseUrl: llamacpp.baseUrl, models: [] },
        down: { baseUrl: `http://127.0.0.1:${down}/v1`, models: [] },
      },
    },
    agents: {
      defaults: {
        model: { primary: 'vllm/Qwen/Qwen3-8B' },
        models: { 'ollama/llama3.2': { alias: 'Local' } },
      },
    },
  });
});
t.teardown(async () => {
  await relay?.close();
  await Promise.all(Object.values(mocks).map((m) => m.close()));
});

t.test('SDK non-streamed through each dialect', async (t) => {
  for (const [model, expected] of [
    ['vllm/Qwen/Qwen3-8B', 'Hello from vllm Qwen/Qwen3-8B'],
    ['ollama/llama3.2', 'Hello from ollama llama3.2'],
    ['llamacpp/tiny', 'Hello from llamacpp tiny'],
    ['Local', 'Hello from ollama llama3.2'],
    ['default', 'Hello from vllm Qwen/Qwen3-8B'],
  ]) {
    const res = await relay.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
    t.equal(res.choices[0].message.content, expected, model);
  }
});

t.test('SDK streamed, chunk by chunk, usage only when asked', async (t) => {
  const stream = await relay.client.chat.completions.create({ model: 'ollama/llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: true });
  let text = '';
  let chunks = 0;
  let sawUsage = false;
  for await (const chunk of stream) {
    chunks++;
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) sawUsage = true;
  }
  t.equal(text, 'Hello from ollama llama3.2');
  t.ok(chunks >= 4, 'several chunks, not one buffered blob');
  t.notOk(sawUsage, 'usage chunk lmrelay asked for is stripped');
  const upstream = (await mocks.ollama.requests()).at(-1)!;
  t.same(upstream.body.stream_options, { include_usage: true }, 'lmrelay asks the upstream for usage');

  const withUsage = await relay.client.chat.completions.create({
    model: 'ollama/llama3.2',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let usage: unknown;
  for await (const chunk of withUsage) usage ??= chunk.usage;
  t.match(usage, { prompt_tokens: 7 });
  const metrics = await (await fetch(`${relay.url}/metrics`)).text();
  const counted = /lmrelay_tokens_total\{provider="ollama",model="ollama\/llama3.2",direction="input"\} (\d+)/.exec(metrics);
  t.ok(counted && Number(counted[1]) >= 14, 'usage of both streams counted in lmrelay_tokens_total');
});

t.test('metrics: counts, histograms and tokens move with each request, in the exposition format', async (t) => {
  const scrape = async () => (await fetch(`${relay.url}/metrics`)).text();
  const value = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };
  const requests = 'lmrelay_requests_total{route="/v1/chat/completions",model="vllm/Qwen/Qwen3-8B",provider="vllm",status="200"}';
  const count = 'lmrelay_request_duration_seconds_count{route="/v1/chat/completions",provider="vllm"}';
  const inf = 'lmrelay_request_duration_seconds_bucket{route="/v1/chat/completions",provider="vllm",le="+Inf"}';
  const sum = 'lmrelay_request_duration_seconds_sum{route="/v1/chat/completions",provider="vllm"}';
  const ttft = 'lmrelay_time_to_first_token_seconds_count{provider="vllm"}';
  const output = 'lmrelay_tokens_total{provider="vllm",model="vllm/Qwen/Qwen3-8B",direction="output"}';
  const before = await scrape();
  for (let i = 0; i < 3; i++) await relay.client.chat.completions.create({ model: 'vllm/Qwen/Qwen3-8B', messages: [{ role: 'user', content: 'hi' }] });
  for await (const _ of await relay.client.chat.completions.create({ model: 'vllm/Qwen/Qwen3-8B', messages: [{ role: 'user', content: 'hi' }], stream: true }));
  const after = await scrape();
  t.equal(value(after, requests) - value(before, requests), 4, 'four requests counted once each');
  t.equal(value(after, count) - value(before, count), 4, 'four durations observed');
  t.equal(value(after, inf), value(after, count), '+Inf bucket equals the count');
  t.ok(value(after, sum) > value(before, sum), 'durations summed');
  t.equal(value(after, ttft) - value(before, ttft), 1, 'time to first token observed for the stream');
  t.ok(value(after, output) > value(before, output), 'output tokens counted');
  const buckets = after
    .split('\n')
    .filter((l) => l.startsWith('lmrelay_request_duration_seconds_bucket{route="/v1/chat/completions",provider="vllm"'))
    .map((l) => Number(l.split(' ').at(-1)));
  t.ok(buckets.length > 5 && buckets.every((b, i) => i === 0 || b >= buckets[i - 1]), 'buckets are cumulative');
  t.match(after, '# TYPE lmrelay_request_duration_seconds histogram');
});

t.test('ids with slashes, headers, auth and unknown fields', async (t) => {
  await mocks.vllm.reset();
  const res = await postJson(
    `${relay.url}/v1/chat/completions`,
    { model: 'vllm/Qwen/Qwen3-8B', messages: [{ role: 'user', content: 'hi' }], top_k: 20, chat_template_kwargs: { enable_thinking: false } },
    { authorization: 'Bearer client-secret' },
  );
  t.equal(res.status, 200);
  t.equal(res.headers.get('x-lmrelay-model'), 'vllm/Qwen/Qwen3-8B');
  t.equal(res.headers.get('x-lmrelay-attempts'), '1');
  const [seen] = await mocks.vllm.requests();
  t.equal(seen.body.model, 'Qwen/Qwen3-8B', 'upstream model id keeps its slash');
  t.equal(seen.body.top_k, 20, 'unknown fields pass through');
  t.same(seen.body.chat_template_kwargs, { enable_thinking: false });
  t.equal(seen.headers.authorization, 'Bearer vllm-secret-key', 'provider key, never the client one');
  t.notOk(JSON.stringify(seen.headers).includes('client-secret'));
});

t.test('errors are OpenAI-shaped with the right status', async (t) => {
  const url = `${relay.url}/v1/chat/completions`;
  const malformed = await postJson(url, '{"model": "x", "messages": [', {});
  t.equal(malformed.status, 400);
  t.equal(malformed.json.error.code, 'invalid_json');
  t.same(Object.keys(malformed.json.error).sort(), ['code', 'message', 'param', 'type']);

  const badField = await postJson(url, { model: 'default', messages: [{ role: 'wizard', content: 'hi' }] });
  t.equal(badField.status, 400);
  t.equal(badField.json.error.param, 'messages[0].role');

  const badType = await postJson(url, { model: 'default', messages: [{ role: 'user', content: 'hi' }], max_tokens: 'lots' });
  t.equal(badType.status, 400);
  t.equal(badType.json.error.param, 'max_tokens');

  const unknown = await postJson(url, { model: 'nope/model', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(unknown.status, 404);
  t.equal(unknown.json.error.code, 'model_not_found');

  const unlisted = await postJson(url, { model: 'vllm/not-listed', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(unlisted.status, 404, 'a provider with a models list only serves those');

  const rejected = await postJson(url, { model: 'vllm/status-400', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(rejected.status, 400, 'upstream 4xx passes through');
  t.match(rejected.json.error.message, /^vllm\/status-400: POST \S+ answered 400 mock vllm failure 400$/);

  const unreachable = await postJson(url, { model: 'down/anything', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(unreachable.status, 502);
  t.match(unreachable.json.error.message, /down\/anything: POST \S+: connection refused/);
  t.notMatch(unreachable.text, /at \w+ \(|node:internal/, 'no stack trace');

  const sdkError = await relay.client.chat.completions.create({ model: 'nope/model', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
  t.equal(sdkError.status, 404, 'the SDK sees a proper APIError');

  const noRoute = await fetch(`${relay.url}/v1/nothing`);
  t.equal(noRoute.status, 404);
  t.match(await noRoute.json(), { error: { code: 'unknown_url' } });
});

t.test('curl-style form content type is read as JSON', async (t) => {
  const res = await fetch(`${relay.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: JSON.stringify({ model: 'ollama/x', messages: [{ role: 'user', content: 'hi' }] }),
  });
  t.equal(res.status, 200);
});

t.test('a client that disconnects aborts the upstream call', async (t) => {
  await mocks.vllm.reset();
  const ac = new AbortController();
  const pending = fetch(`${relay.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'ollama/hang', messages: [{ role: 'user', content: 'hi' }] }),
    signal: ac.signal,
  }).catch(() => 'aborted');
  await waitFor(async () => (await mocks.ollama.requests()).some((r) => r.body?.model === 'hang'));
  ac.abort();
  t.equal(await pending, 'aborted');
  await waitFor(async () => (await mocks.ollama.aborted()) > 0);
  t.pass('upstream saw its connection closed');
});

t.test('a streamed client that disconnects aborts the upstream stream', async (t) => {
  await mocks.ollama.reset();
  const ac = new AbortController();
  const res = await fetch(`${relay.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'ollama/stall-after-2', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    signal: ac.signal,
  });
  const reader = res.body!.getReader();
  await reader.read();
  ac.abort();
  await waitFor(async () => (await mocks.ollama.aborted()) > 0);
  t.pass('upstream stream closed');
  const failures = relay.logs.filter((l) => l.failureKind === 'client_abort' || l.status === 499);
  t.ok(failures.length > 0, 'logged as a client abort');
});

async function waitFor(check: () => Promise<boolean>, ms = 5000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not met in time');
}
