/** Timeouts, fallback chains, cooldowns and failure kinds, against real sockets that misbehave. */
import t from 'tap';
import { createServer, type Server } from 'node:net';
import { startMock, closedPort, type MockUpstream } from '../helpers/mock.js';
import { startRelay, postJson, staticLookup, type RelayUnderTest } from '../helpers/relay.js';

let mock: MockUpstream;
let refusedPort: number;
let silent: Server;
let silentPort: number;

t.before(async () => {
  mock = await startMock('vllm');
  refusedPort = await closedPort();
  // Accepts TCP and never speaks: a TLS handshake to it can only time out.
  silent = createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as { port: number }).port;
});
t.teardown(async () => {
  await mock.close();
  silent.close();
});

function config(fallbacks: string[] = ['good/ok'], perModel: Record<string, unknown> = {}) {
  const at = (extra: Record<string, unknown> = {}) => ({ baseUrl: mock.baseUrl, models: [], ...extra });
  return {
    models: {
      providers: {
        refused: { baseUrl: `http://127.0.0.1:${refusedPort}/v1`, models: [] },
        silent: { baseUrl: `https://127.0.0.1:${silentPort}/v1`, connectTimeoutSeconds: 0.3, models: [] },
        nowhere: { baseUrl: 'http://nowhere.test:8000/v1', apiKey: 'sk-test-0123456789abcdef', models: [] },
        hangs: at({ timeoutSeconds: 0.5 }),
        coldstart: at({ firstTokenTimeoutSeconds: 0.3 }),
        stalls: at({ idleTimeoutSeconds: 0.3 }),
        flaky: at(),
        limited: at(),
        good: at(),
      },
    },
    agents: { defaults: { model: { fallbacks }, models: perModel } },
  };
}

const start = (cfg = config()) => startRelay(cfg, { lookup: staticLookup({}) });
const ask = (relay: RelayUnderTest, model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  postJson(`${relay.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }], ...extra }, headers);
const failureKinds = (relay: RelayUnderTest) => relay.logs.filter((l) => l.msg?.startsWith('model call failed')).map((l) => l.failureKind);

t.test('each failure falls back to the next model and is classified', async (t) => {
  const cases: Array<[model: string, kind: string, stream?: boolean]> = [
    ['refused/x', 'connect_refused'],
    ['silent/x', 'connect_timeout'],
    ['nowhere/x', 'dns'],
    ['hangs/hang', 'total_timeout'],
    ['coldstart/slow-3000', 'first_token_timeout', true],
    ['stalls/stall-after-2', 'idle_timeout'],
    ['flaky/reset', 'reset'],
    ['flaky/status-500', 'http_5xx'],
    ['flaky/status-503', 'http_5xx'],
    ['flaky/status-408', 'http_4xx'],
    ['limited/retry-after-30', 'http_429'],
    ['flaky/garbage', 'bad_response'],
    ['flaky/badjson', 'bad_response'],
    ['flaky/redirect-301', 'http_3xx'],
    ['flaky/error-after-0', 'bad_response', true],
    ['flaky/stream-error', 'bad_response', true],
    ['flaky/huge-line', 'bad_response', true],
  ];
  for (const [model, kind, stream] of cases) {
    const relay = await start();
    const res = await ask(relay, model, stream ? { stream: true } : {});
    t.equal(res.status, 200, `${model} -> fallback answered`);
    t.equal(res.headers.get('x-lmrelay-model'), 'good/ok', model);
    t.equal(res.headers.get('x-lmrelay-attempts'), '2', model);
    t.same(failureKinds(relay), [kind], `${model} is ${kind}`);
    const failLog = relay.logs.find((l) => l.failureKind);
    t.match(failLog, { runId: String, provider: model.split('/')[0], model, attempt: 1, rssMB: Number, heapUsedMB: Number }, 'failure log has what a user matches against a server crash log');
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    t.match(metrics, `lmrelay_upstream_failures_total{provider="${model.split('/')[0]}",failure_kind="${kind}"} 1`);
    // Names neither configured nor reported by a server are counted under `other`.
    t.match(metrics, `lmrelay_fallbacks_total{from="other",to="good/ok"} 1`);
    await relay.close();
  }
});

t.test('other 4xx are answered at once, not fallen back from', async (t) => {
  const relay = await start();
  const res = await ask(relay, 'flaky/status-400');
  t.equal(res.status, 400);
  t.match(res.json.error.message, /^flaky\/status-400: POST http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions answered 400 mock vllm failure 400$/);
  t.same(failureKinds(relay), ['http_4xx']);
  const auth = await ask(relay, 'flaky/status-401');
  t.equal(auth.status, 401);
  await relay.close();
});

t.test('a chain of four where only the last works; cooldown skips the dead ones next time', async (t) => {
  const relay = await start(config([], { 'refused/x': { fallbacks: ['hangs/hang', 'flaky/status-500', 'good/ok'] } }));
  await mock.reset();
  const first = await ask(relay, 'refused/x');
  t.equal(first.status, 200);
  t.equal(first.headers.get('x-lmrelay-model'), 'good/ok');
  t.equal(first.headers.get('x-lmrelay-attempts'), '4');
  t.same(failureKinds(relay), ['connect_refused', 'total_timeout', 'http_5xx']);

  const second = await ask(relay, 'refused/x');
  t.equal(second.status, 200);
  t.equal(second.headers.get('x-lmrelay-attempts'), '2', 'refused and hanging providers are cooling down: skipped');
  const hangCalls = (await mock.requests()).filter((r) => r.body?.model === 'hang').length;
  t.equal(hangCalls, 1, 'the hanging server was not waited on again');
  const states = relay.app.relay.cooldowns.snapshot().map((s) => s.provider).sort();
  t.same(states, ['hangs', 'refused']);
  t.ok(relay.app.relay.cooldowns.remainingMs('refused') > 3000, 'backoff starts at 5 s');
  await relay.close();
});

t.test('429 Retry-After holds the provider for that long', async (t) => {
  const relay = await start();
  await ask(relay, 'limited/retry-after-30');
  const remaining = relay.app.relay.cooldowns.remainingMs('limited');
  t.ok(remaining > 25_000 && remaining <= 30_000, `held ~30s (${remaining}ms)`);
  const again = await ask(relay, 'limited/retry-after-30');
  t.equal(again.headers.get('x-lmrelay-attempts'), '1', 'skipped while held');
  await relay.close();
});

t.test('all attempts failing: one error listing each, 504 when the last was a timeout', async (t) => {
  const relay = await start(config(['hangs/hang']));
  const res = await ask(relay, 'refused/x');
  t.equal(res.status, 504);
  t.match(res.json.error.message, /^refused\/x: POST http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions: connection refused.*; hangs\/hang: POST \S+: timeout after 0\.5s$/);
  t.equal(res.json.error.code, 'upstream_timeout');
  const relay502 = await start(config(['flaky/status-500']));
  const res502 = await ask(relay502, 'refused/x');
  t.equal(res502.status, 502);
  t.match(res502.json.error.message, /refused\/x: POST \S+: connection refused.*; flaky\/status-500: POST \S+ answered 500 mock vllm failure 500/);
  t.equal(res502.headers.get('x-lmrelay-attempts'), '2', 'the failed answer says how many calls were made');
  const line = relay502.logs.findLast((l) => l.msg === 'request completed');
  t.match(line, { status: 502, attempts: 2 }, 'and so does its access line (the status page shows it)');
  await relay.close();
  await relay502.close();
});

t.test('x-lmrelay-fallbacks: none asks for the model alone; a cooling model alone is still tried', async (t) => {
  const relay = await start();
  const res = await ask(relay, 'refused/x', {}, { 'x-lmrelay-fallbacks': 'none' });
  t.equal(res.status, 502);
  t.match(res.json.error.message, /connection refused/);
  const again = await ask(relay, 'refused/x', {}, { 'x-lmrelay-fallbacks': 'none' });
  t.match(again.json.error.message, /connection refused/, 'closest to recovery is tried anyway, not reported as skipped');
  t.same(failureKinds(relay), ['connect_refused', 'connect_refused']);
  await relay.close();
});

t.test('a stream that stalls mid-way: chunks already sent, then an error event and a clean end', async (t) => {
  const relay = await start();
  const res = await ask(relay, 'stalls/stall-after-3', { stream: true });
  t.equal(res.status, 200, 'committed: no fallback once bytes went out');
  t.equal(res.headers.get('x-lmrelay-model'), 'stalls/stall-after-3');
  const events = res.text.split('\n\n').filter(Boolean);
  t.equal(events.length, 4, 'three chunks and one error event');
  const last = JSON.parse(events.at(-1)!.replace(/^data: /, ''));
  t.match(last, { error: { code: 'upstream_timeout', message: /stream idle after 0.3s/ } });
  for (const e of events) t.doesNotThrow(() => JSON.parse(e.replace(/^data: /, '')), 'every frame is whole JSON');
  t.notMatch(res.text, /\[DONE\]/);
  t.same(failureKinds(relay), ['idle_timeout']);

  const sdkErr = await (async () => {
    const stream = await relay.client.chat.completions.create(
      { model: 'stalls/stall-after-3', stream: true, messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-lmrelay-fallbacks': 'none' } },
    );
    for await (const _ of stream) void _;
  })().catch((e) => e);
  t.match(String(sdkErr?.message), /stream idle/, 'the SDK raises the mid-stream error');
  await relay.close();
});

t.test('a reset before any answer is tried once more on a fresh connection, then counts', async (t) => {
  const relay = await start();
  await mock.reset();
  for (const stream of [false, true]) {
    const res = await ask(relay, `flaky/reset-once-${stream}`, { stream });
    t.equal(res.status, 200, `answered after one reset (stream: ${stream})`);
    t.equal(res.headers.get('x-lmrelay-model'), `flaky/reset-once-${stream}`, 'by the same model: no fallback');
    t.equal(res.headers.get('x-lmrelay-attempts'), '1', 'one attempt of the chain');
  }
  const asked = (await mock.requests()).filter((r) => /^reset-once/.test(r.body?.model)).length;
  t.equal(asked, 4, 'each was sent twice');
  const reset = await ask(relay, 'flaky/reset');
  t.same([reset.status, reset.headers.get('x-lmrelay-model')], [200, 'good/ok'], 'a server that resets every time still fails: the chain moves on');
  t.equal((await mock.requests()).filter((r) => r.body?.model === 'reset').length, 2, 'after one more try, not more');
  await relay.close();
});

t.test('a stream reset mid-way and a truncated stream end with an error event', async (t) => {
  const relay = await start();
  const reset = await ask(relay, 'flaky/reset-after-3', { stream: true });
  t.match(reset.text.trim().split('\n\n').at(-1), /"code":"upstream_unavailable"/);
  const truncated = await ask(relay, 'good/truncated', { stream: true });
  t.match(truncated.text, /truncated/);
  t.same(failureKinds(relay), ['reset', 'bad_response']);
  await relay.close();
});

t.test('every log line of a request carries its id: the access line and the failure warning alike', async (t) => {
  const relay = await start();
  t.teardown(() => relay.close());
  for (const stream of [false, true]) {
    const id = `trace-${stream ? 'stream' : 'json'}`;
    const res = await ask(relay, 'flaky/status-500', stream ? { stream: true } : {}, { 'x-request-id': id });
    t.equal(res.headers.get('x-request-id'), id);
    const lines = relay.logs.filter((l) => l.reqId === id);
    t.same(lines.map((l) => l.msg.replace(/:.*/, '')).sort(), ['model call failed', 'request completed'], `${id}: both lines, each with the request id`);
    t.match(lines.find((l) => l.msg === 'request completed'), { reqId: id, route: '/v1/chat/completions', model: 'good/ok', status: 200, attempts: 2 });
  }
});
