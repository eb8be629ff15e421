/**
 * POST /v1/completions against mock servers: answers passed on byte for byte, suffix sent for
 * fill-in-the-middle, streams with [DONE] and usage when asked, llama.cpp's /infill for models with
 * compat.infill, a sub-second per-model first-token timeout that falls back, Chat-only models
 * refused or skipped, and hostile input refused in OpenAI's shape.
 */
import t from 'tap';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { postJson, startRelay, type RelayUnderTest } from '../helpers/relay.js';

let vllm: MockUpstream;
let llama: MockUpstream;
let relay: RelayUnderTest;

t.before(async () => {
  [vllm, llama] = await Promise.all([startMock('vllm'), startMock('llamacpp')]);
  relay = await startRelay({
    models: {
      mode: 'replace',
      providers: {
        vllm: { baseUrl: vllm.baseUrl, apiKey: 'vllm-local', models: [] },
        // The autocomplete model waits 2 s before its first byte; 0.3 s is all it gets.
        slow: { baseUrl: vllm.baseUrl, apiKey: 'vllm-local', models: [{ id: 'slow-2000', firstTokenTimeoutSeconds: 0.3 }] },
        llamacpp: { baseUrl: llama.baseUrl, apiKey: 'llama-local', models: [{ id: 'fim', compat: { infill: true } }, { id: 'plain' }] },
        anthropic: { baseUrl: vllm.baseUrl, api: 'anthropic-messages', apiKey: 'sk-ant-local', models: [{ id: 'claude-x' }] },
        emb: { baseUrl: vllm.baseUrl, apiKey: 'vllm-local', models: [{ id: 'bge', kind: 'embedding' }] },
      },
    },
    agents: {
      defaults: {
        model: { primary: 'vllm/coder' },
        models: {
          'slow/slow-2000': { fallbacks: ['vllm/quick'] },
          'vllm/status-503': { fallbacks: ['vllm/spare'] },
          'anthropic/claude-x': { fallbacks: ['vllm/after-claude'] },
          'llamacpp/fim': { fallbacks: [] },
        },
      },
    },
  });
});
t.teardown(async () => {
  await relay.close();
  await Promise.all([vllm.close(), llama.close()]);
});

const complete = (body: unknown, headers: Record<string, string> = {}) => postJson(`${relay.url}/v1/completions`, body, headers);
const sentTo = async (upstream: MockUpstream, path: string) => (await upstream.requests()).filter((r) => r.path === path);

/** Reads an SSE body into its data lines. */
async function sseData(res: Response): Promise<string[]> {
  const text = await res.text();
  return text.split('\n\n').filter(Boolean).map((block) => block.replace(/^data: /, ''));
}

t.test('the SDK, not streamed: the suffix reaches the server and the answer is its own bytes', async (t) => {
  await vllm.reset();
  const answer = await relay.client.completions.create({ model: 'vllm/coder', prompt: 'def add(a, b):\n    ', suffix: '\n\nprint(add(1, 2))', max_tokens: 16, temperature: 0 });
  t.equal(answer.object, 'text_completion');
  t.equal(answer.choices[0].text, 'Hello from vllm coder [before \n\nprint(add(1, 2))]');
  t.same(answer.usage, { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
  const [sent] = await sentTo(vllm, '/v1/completions');
  t.match(sent.body, { model: 'coder', prompt: 'def add(a, b):\n    ', suffix: '\n\nprint(add(1, 2))', max_tokens: 16, temperature: 0 });
  const body = { prompt: 'x = ', suffix: ' + 1', echo: false, logprobs: null };
  const direct = await postJson(`${vllm.baseUrl}/completions`, { model: 'coder', ...body });
  const viaRelay = await complete({ model: 'vllm/coder', ...body });
  t.equal(viaRelay.status, 200, viaRelay.text);
  t.equal(viaRelay.text, direct.text, 'byte for byte');
  t.equal(viaRelay.headers.get('x-lmrelay-model'), 'vllm/coder');
  t.equal(viaRelay.headers.get('x-lmrelay-attempts'), '1');
});

t.test('the SDK, streamed: text_completion chunks; usage only when asked; [DONE] at the end', async (t) => {
  await vllm.reset();
  const stream = await relay.client.completions.create({ model: 'vllm/coder', prompt: 'let x = ', suffix: ';', stream: true });
  let text = '';
  let usageChunks = 0;
  for await (const chunk of stream) {
    t.equal(chunk.object, 'text_completion');
    text += chunk.choices[0]?.text ?? '';
    if (chunk.usage) usageChunks++;
  }
  t.equal(text, 'Hello from vllm coder [before ;]');
  t.equal(usageChunks, 0, 'the usage chunk lmrelay asked for is not passed on');
  const [sent] = await sentTo(vllm, '/v1/completions');
  t.match(sent.body, { stream: true, suffix: ';', stream_options: { include_usage: true } }, 'usage asked of the upstream to count tokens');

  const withUsage = await relay.client.completions.create({ model: 'vllm/coder', prompt: 'a', stream: true, stream_options: { include_usage: true } });
  const usages = [];
  for await (const chunk of withUsage) if (chunk.usage) usages.push(chunk.usage);
  t.same(usages, [{ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 }]);

  const raw = await fetch(`${relay.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'vllm/coder', prompt: 'a', stream: true }) });
  t.equal(raw.status, 200);
  t.match(raw.headers.get('content-type'), /^text\/event-stream/);
  const frames = await sseData(raw);
  t.equal(frames.at(-1), '[DONE]');
  t.ok(frames.slice(0, -1).every((f) => JSON.parse(f).object === 'text_completion'));
});

t.test('a batch of prompts gets one choice per prompt', async (t) => {
  const answer = await relay.client.completions.create({ model: 'vllm/coder', prompt: ['one', 'two', 'three'] });
  t.same(answer.choices.map((c) => c.index), [0, 1, 2]);
  const tokens = await complete({ model: 'vllm/coder', prompt: [1, 2, 3] });
  t.equal(tokens.status, 200, 'token ids are a prompt too');
});

t.test('compat.infill: llama.cpp /infill with input_prefix/input_suffix, answered as a text_completion', async (t) => {
  await llama.reset();
  const answer = await relay.client.completions.create({ model: 'llamacpp/fim', prompt: 'def f(', suffix: '):\n  pass', max_tokens: 24, temperature: 0.2, stop: ['\n\n'] });
  t.equal(answer.object, 'text_completion');
  t.match(answer.id, /^cmpl-/);
  t.equal(answer.choices[0].text, '<infill def f(|):\n  pass>');
  t.equal(answer.choices[0].finish_reason, 'stop');
  t.same(answer.usage, { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 });
  const [sent] = await sentTo(llama, '/infill');
  t.ok(sent, 'sent to /infill at the server root, not under /v1');
  t.same(sent.body, { model: 'fim', input_prefix: 'def f(', input_suffix: '):\n  pass', n_predict: 24, temperature: 0.2, stop: ['\n\n'] });

  const limited = await relay.client.completions.create({ model: 'llamacpp/fim', prompt: 'a', max_tokens: 1 });
  t.equal(limited.choices[0].finish_reason, 'length', 'stop_type limit');
  t.equal((await sentTo(llama, '/infill'))[1].body.input_suffix, '', 'no suffix: an empty input_suffix');

  const plain = await relay.client.completions.create({ model: 'llamacpp/plain', prompt: 'a', suffix: 'b' });
  t.equal(plain.choices[0].text, 'Hello from llamacpp plain [before b]', 'a model without compat.infill uses /v1/completions');
});

t.test('compat.infill, streamed: chunks, a finish reason, usage when asked, then [DONE]', async (t) => {
  const stream = await relay.client.completions.create({ model: 'llamacpp/fim', prompt: 'x = ', suffix: '\ny = 2', stream: true, stream_options: { include_usage: true } });
  let text = '';
  const finishes: unknown[] = [];
  const usages: unknown[] = [];
  for await (const chunk of stream) {
    t.equal(chunk.object, 'text_completion');
    for (const c of chunk.choices) {
      text += c.text;
      if (c.finish_reason) finishes.push(c.finish_reason);
    }
    if (chunk.usage) usages.push(chunk.usage);
  }
  t.equal(text, '<infill x = |\ny = 2>');
  t.same(finishes, ['stop']);
  t.same(usages, [{ prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 }]);
  const raw = await fetch(`${relay.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'llamacpp/fim', prompt: 'a', stream: true }) });
  const frames = await sseData(raw);
  t.equal(frames.at(-1), '[DONE]', 'llama.cpp sends no [DONE]; the client gets one');
  t.notOk(frames.slice(0, -1).some((f) => JSON.parse(f).usage), 'no usage chunk when not asked');
});

t.test('compat.infill refuses what /infill cannot do, naming the model', async (t) => {
  for (const [body, why] of [
    [{ prompt: ['a', 'b'] }, 'one text prompt'],
    [{ prompt: [1, 2] }, 'one text prompt'],
    [{ prompt: 'a', n: 2 }, 'n: 1'],
    [{ prompt: 'a', echo: true }, 'echo'],
  ] as const) {
    const res = await complete({ model: 'llamacpp/fim', ...body });
    t.equal(res.status, 400, JSON.stringify(body));
    t.match(res.json.error, { code: 'invalid_value', param: 'model', type: 'invalid_request_error' });
    t.match(res.json.error.message, 'llamacpp/fim');
    t.match(res.json.error.message, why);
  }
});

t.test('a 300 ms first-token timeout of the model falls back to the next model', async (t) => {
  const stream = await complete({ model: 'slow/slow-2000', prompt: 'fn main() {', suffix: '}', stream: true });
  t.equal(stream.status, 200, stream.text);
  t.equal(stream.headers.get('x-lmrelay-model'), 'vllm/quick');
  t.equal(stream.headers.get('x-lmrelay-attempts'), '2');
  const texts = stream.text.split('\n\n').filter((f) => f.startsWith('data: {')).map((f) => JSON.parse(f.slice(6)).choices[0].text);
  t.equal(texts.join(''), 'Hello from vllm quick [before }]');
  const failure = relay.logs.find((l) => l.failureKind === 'first_token_timeout' && l.model === 'slow/slow-2000');
  t.ok(failure, 'the timeout is logged as first_token_timeout');
  t.match(failure.msg, 'no first token after 0.3s');

  const alone = await complete({ model: 'slow/slow-2000', prompt: 'a', stream: true }, { 'x-lmrelay-fallbacks': 'none' });
  t.equal(alone.status, 504);
  t.match(alone.json.error, { code: 'upstream_timeout', message: /^slow\/slow-2000: POST http:\/\/127\.0\.0\.1:\d+\/v1\/completions: no first token after 0\.3s$/ });
  const metrics = await (await fetch(`${relay.url}/metrics`)).text();
  t.match(metrics, /lmrelay_upstream_failures_total\{provider="slow",failure_kind="first_token_timeout"\} [1-9]/);
  t.match(metrics, /lmrelay_fallbacks_total\{from="slow\/slow-2000",to="vllm\/quick"\} 1/);
});

t.test('an upstream failure falls back as on chat', async (t) => {
  const res = await complete({ model: 'vllm/status-503', prompt: 'a' });
  t.equal(res.status, 200, res.text);
  t.equal(res.headers.get('x-lmrelay-model'), 'vllm/spare');
  const alone = await complete({ model: 'vllm/status-503', prompt: 'a' }, { 'x-lmrelay-fallbacks': 'none' });
  t.equal(alone.status, 502);
  t.match(alone.json.error, { code: 'upstream_error', message: /vllm\/status-503: POST http:\/\/127\.0\.0\.1:\d+\/v1\/completions answered 503/ });
  const garbage = await complete({ model: 'vllm/badjson', prompt: 'a' }, { 'x-lmrelay-fallbacks': 'none' });
  t.equal(garbage.status, 502);
  t.equal(garbage.json.error.code, 'bad_upstream_response');
});

t.test('a Chat-only model: refused with a 400 naming it, or skipped for the next model of its chain', async (t) => {
  const alone = await complete({ model: 'anthropic/claude-x', prompt: 'a' }, { 'x-lmrelay-fallbacks': 'none' });
  t.equal(alone.status, 400);
  t.match(alone.json.error, { code: 'invalid_value', param: 'model', type: 'invalid_request_error', message: /^anthropic\/claude-x has no completions API/ });
  t.equal((await sentTo(vllm, '/v1/messages')).length, 0, 'nothing was sent');
  const chained = await complete({ model: 'anthropic/claude-x', prompt: 'a' });
  t.equal(chained.status, 200, chained.text);
  t.equal(chained.headers.get('x-lmrelay-model'), 'vllm/after-claude');
  t.equal(chained.headers.get('x-lmrelay-attempts'), '1', 'the refused model was not an attempt');
});

t.test('usage is counted in metrics', async (t) => {
  const metrics = await (await fetch(`${relay.url}/metrics`)).text();
  t.match(metrics, /lmrelay_tokens_total\{provider="llamacpp",model="llamacpp\/fim",direction="input"\} [1-9]/);
  t.match(metrics, /lmrelay_requests_total\{route="\/v1\/completions",model="vllm\/coder",provider="vllm",status="200"\} [1-9]/);
});

t.test('hostile input gets OpenAI-shaped 400s, never a crash', async (t) => {
  const cases: Array<[unknown, string]> = [
    [{ model: 'vllm/coder' }, 'prompt'],
    [{ model: 'vllm/coder', prompt: Array.from({ length: 2049 }, () => 'a') }, 'prompt'],
    [{ model: 'vllm/coder', prompt: ['a', 1] }, 'prompt'],
    [{ model: 'vllm/coder', prompt: [[1], ['x']] }, 'prompt'],
    [{ model: 'vllm/coder', prompt: [] }, 'prompt'],
    [{ model: 'vllm/coder', prompt: { text: 'a' } }, 'prompt'],
    [{ model: 'vllm/coder', prompt: 'a\u0000b' }, 'prompt'],
    [{ model: 'vllm/coder', prompt: 'a', suffix: 42 }, 'suffix'],
    [{ model: 'vllm/coder', prompt: 'a', temperature: 9 }, 'temperature'],
    [{ model: 'vllm/coder', prompt: 'a', max_tokens: -1 }, 'max_tokens'],
    [{ model: 'vllm/coder', prompt: 'a', n: 0 }, 'n'],
    [{ model: 'vllm/coder', prompt: 'a', stop: Array.from({ length: 17 }, (_, i) => `s${i}`) }, 'stop'],
    [{ model: 'vllm/coder', prompt: 'a', stream: 'yes' }, 'stream'],
    [{ model: 'x'.repeat(300), prompt: 'a' }, 'model'],
    [{ model: 'é'.repeat(257), prompt: 'a' }, 'model'],
    [{ model: 'emb/bge', prompt: 'a' }, 'model'],
  ];
  for (const [body, param] of cases) {
    const res = await complete(body);
    t.equal(res.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${res.text.slice(0, 200)}`);
    t.equal(res.json?.error?.param, param, JSON.stringify(body).slice(0, 80));
    t.equal(res.json?.error?.type, 'invalid_request_error');
    t.notMatch(res.text, /\bat [\w.]+ \(/, 'no stack trace');
  }
  const unknown = await complete({ model: 'ünïcödé/模型'.repeat(10), prompt: 'a' });
  t.equal(unknown.status, 404);
  t.match(unknown.json.error, { code: 'model_not_found', param: 'model' });
  const notJson = await complete('{"prompt": ');
  t.equal(notJson.status, 400);
  t.ok(notJson.json.error.message);
});
