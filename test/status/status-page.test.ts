/**
 * The status page over HTTP: where it is, the keys it needs (those of /metrics, also as a
 * browser's Basic credentials, which are accepted nowhere else), what its feed says (provider
 * health, cooldown and failure kinds, chains, series, recent requests, never a prompt), that an
 * open feed does not hold up shutdown, and that it can be turned off. The browser test is
 * status-page-browser.test.ts.
 */
import t from 'tap';
import { startRelay, postJson, type RelayUnderTest } from '../helpers/relay.js';
import { startMock, closedPort, type MockUpstream } from '../helpers/mock.js';
import { StatusRecorder, WINDOW_SECONDS } from '../../src/status/recorder.js';

const KEY = 'status-page-key-1';
const PROMPT = 'a prompt the page must never show 51d2';
let mock: MockUpstream;
let downPort: number;

t.before(async () => {
  mock = await startMock('vllm');
  downPort = await closedPort();
});
t.teardown(() => mock.close());

function config(server: Record<string, unknown> = {}, diagnostics: Record<string, unknown> = {}) {
  return {
    server,
    diagnostics,
    models: {
      mode: 'replace',
      providers: {
        down: { baseUrl: `http://127.0.0.1:${downPort}/v1`, apiKey: 'down-key', models: [{ id: 'm' }] },
        vllm: { baseUrl: mock.baseUrl, apiKey: 'vllm-key', models: [{ id: 'm2' }, { id: 'e1', kind: 'embedding' }] },
      },
    },
    agents: { defaults: { model: { primary: 'down/m', fallbacks: ['vllm/m2'] } } },
  };
}

const basic = (password: string, user = 'anyone') => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** The feed's first snapshot. */
async function firstSnapshot(relay: RelayUnderTest, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(`${relay.url}/ui/events`, { headers, signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`feed answered ${res.status}`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('feed ended before a snapshot');
      text += decoder.decode(value, { stream: true });
      const m = /^data: (.*)\n\n/m.exec(text);
      if (m) return JSON.parse(m[1]);
    }
  } finally {
    await reader.cancel();
  }
}

t.test('where it is: / and /ui lead to /ui/, which serves the page and its files; the probes are as they were', async (t) => {
  const relay = await startRelay(config());
  t.teardown(() => relay.close());
  for (const path of ['/', '/ui']) {
    const res = await fetch(relay.url + path, { redirect: 'manual' });
    t.equal(res.status, 302, path);
    t.equal(new URL(res.headers.get('location')!, relay.url + path).pathname, '/ui/');
  }
  const page = await fetch(`${relay.url}/ui/`);
  t.equal(page.status, 200);
  t.match(page.headers.get('content-type'), /^text\/html/);
  t.match(page.headers.get('content-security-policy'), /default-src 'self'/);
  const html = await page.text();
  t.match(html, /src="app\.js"/, 'relative links: the page works under a path prefix');
  t.notMatch(html, /https?:\/\//, 'nothing from another site');
  for (const [file, type] of [['app.js', /javascript/], ['style.css', /text\/css/]] as const) {
    const res = await fetch(`${relay.url}/ui/${file}`);
    t.equal(res.status, 200, file);
    t.match(res.headers.get('content-type'), type);
    t.notMatch(await res.text(), /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, `${file} loads nothing from another site`);
  }
  t.equal((await fetch(`${relay.url}/healthz`)).status, 200);
  t.equal((await fetch(`${relay.url}/readyz`)).status, 200);
});

t.test('keys: those of /metrics, in a header or as a browser\'s Basic credentials; Basic is for the page alone', async (t) => {
  const relay = await startRelay(config({ apiKeys: [KEY], metricsRequireAuth: true }));
  t.teardown(() => relay.close());
  for (const path of ['/ui/', '/ui/app.js', '/ui/events', '/ui']) {
    const res = await fetch(relay.url + path, { redirect: 'manual' });
    t.equal(res.status, 401, `${path} without a key`);
    t.match(res.headers.get('www-authenticate'), /^Basic realm="lmrelay"/, 'the browser is asked for the key');
    t.match(await res.json(), { error: { code: 'invalid_api_key' } });
    const wrong = await fetch(relay.url + path, { redirect: 'manual', headers: { authorization: basic('not-the-key') } });
    t.equal(wrong.status, 401, `${path} with a wrong key`);
    await wrong.body?.cancel();
  }
  t.equal((await fetch(`${relay.url}/ui/`, { headers: { authorization: `Bearer ${KEY}` } })).status, 200, 'bearer');
  t.equal((await fetch(`${relay.url}/ui/`, { headers: { 'x-api-key': KEY } })).status, 200, 'x-api-key');
  t.equal((await fetch(`${relay.url}/ui/`, { headers: { authorization: basic(KEY) } })).status, 200, 'basic');
  t.equal((await fetch(`${relay.url}/ui/`, { headers: { authorization: basic(KEY, '') } })).status, 200, 'basic, no user name');
  for (const bad of ['Basic', 'Basic !!!', `Basic ${Buffer.from(KEY).toString('base64')}`, `Basic ${'A'.repeat(6000)}`, `Basic ${Buffer.from(`é:${KEY}é`).toString('base64')}`]) {
    const res = await fetch(`${relay.url}/ui/`, { headers: { authorization: bad } });
    t.equal(res.status, 401, `${bad.slice(0, 30)}: refused, not a crash`);
  }
  const snapshot = await firstSnapshot(relay, { authorization: basic(KEY) });
  t.ok(Array.isArray(snapshot.providers), 'the feed with Basic credentials');
  // Elsewhere Basic credentials are no key.
  t.equal((await fetch(`${relay.url}/v1/models`, { headers: { authorization: basic(KEY) } })).status, 401, '/v1 takes no Basic credentials');
  t.equal((await fetch(`${relay.url}/metrics`, { headers: { authorization: basic(KEY) } })).status, 401, '/metrics takes no Basic credentials');
  const root = await fetch(`${relay.url}/`, { redirect: 'manual' });
  t.equal(root.status, 302, '/ only points to the page');
});

t.test('the feed: providers with health, cooldown and failure kinds, chains, series and recent requests, no prompt', async (t) => {
  const relay = await startRelay(config());
  t.teardown(() => relay.close());
  const ok = await postJson(`${relay.url}/v1/chat/completions`, { model: 'down/m', messages: [{ role: 'user', content: PROMPT }] });
  t.equal(ok.status, 200, 'answered by the fallback');
  const failed = await postJson(`${relay.url}/v1/chat/completions`, { model: 'down/m', messages: [{ role: 'user', content: PROMPT }] }, { 'x-lmrelay-fallbacks': 'none' });
  t.equal(failed.status, 502);
  const stream = await relay.client.chat.completions.create({ model: 'vllm/m2', messages: [{ role: 'user', content: PROMPT }], stream: true });
  for await (const _chunk of stream);
  await postJson(`${relay.url}/v1/chat/completions`, { model: 'made-up-model', messages: [{ role: 'user', content: PROMPT }] });

  const res = await fetch(`${relay.url}/ui/events`, { signal: AbortSignal.timeout(10_000) });
  t.match(res.headers.get('content-type'), /^text\/event-stream/);
  await res.body?.cancel();
  const snapshot = await firstSnapshot(relay);
  t.notOk(JSON.stringify(snapshot).includes(PROMPT), 'no prompt anywhere in the feed');
  t.notOk(JSON.stringify(snapshot).includes('made-up-'), 'a name no config knows shows as "other"');
  const byId = Object.fromEntries(snapshot.providers.map((p: any) => [p.id, p]));
  t.match(byId.down, { health: 'cooling', failures: { connect_refused: 2 }, lastFailure: { kind: 'connect_refused' }, address: `http://127.0.0.1:${downPort}/v1` });
  t.ok(byId.down.coolingDownMs > 0);
  t.match(byId.vllm, { health: 'up', failures: {}, lastFailure: null });
  t.same(
    byId.vllm.models.map((m: any) => [m.ref, m.kind]),
    [
      ['vllm/m2', 'chat'],
      ['vllm/e1', 'embedding'],
    ],
  );
  t.match(byId.vllm.models[0].recent, { requests: 2, errors: 0, lastStatus: 200 });
  t.match(snapshot.chains[0], { model: 'down/m', chain: ['down/m', 'vllm/m2'] }, 'the primary\'s chain first');
  t.match(snapshot.chains.find((c: any) => c.model === 'vllm/e1'), { kind: 'embedding' });
  t.equal(snapshot.windowSeconds, WINDOW_SECONDS);
  t.equal(snapshot.series.requests.length, WINDOW_SECONDS);
  t.equal(snapshot.series.requests.reduce((a: number, b: number) => a + b, 0), 4);
  t.equal(snapshot.series.errors.reduce((a: number, b: number) => a + b, 0), 1);
  t.ok(snapshot.series.firstTokenP50.some((v: number | null) => v !== null), 'the stream\'s time to first token');
  t.same(snapshot.totals, { requests: 4, errors: 1 });
  const [other, streamed, cut, answered] = snapshot.recent;
  t.match(other, { model: 'other', status: 404 });
  t.match(streamed, { model: 'vllm/m2', provider: 'vllm', status: 200, stream: true, attempts: 1 });
  t.ok(streamed.firstTokenMs >= 0);
  t.match(cut, { model: 'down/m', status: 502, attempts: 1 }, 'a failed request shows the call it made');
  t.match(answered, { model: 'vllm/m2', provider: 'vllm', status: 200, attempts: 2, route: '/v1/chat/completions' });
  t.same(Object.keys(answered).sort(), ['at', 'attempts', 'durationMs', 'failureKind', 'firstTokenMs', 'model', 'provider', 'route', 'status', 'stream'], 'nothing but these');
});

t.test('an open page does not hold up shutdown', async (t) => {
  const relay = await startRelay(config());
  const res = await fetch(`${relay.url}/ui/events`);
  t.equal(res.status, 200);
  const reader = res.body!.getReader();
  await reader.read();
  const closed = await Promise.race([relay.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('hung'), 8000))]);
  t.equal(closed, 'closed');
  // The feed ended with the server.
  let done = false;
  for (let i = 0; i < 100 && !done; i++) done = (await reader.read().catch(() => ({ done: true }))).done;
  t.ok(done, 'the feed ended');
});

t.test('diagnostics.statusPage: false leaves / and /ui unanswered', async (t) => {
  const relay = await startRelay(config({}, { statusPage: false }));
  t.teardown(() => relay.close());
  for (const path of ['/', '/ui', '/ui/', '/ui/events']) {
    const res = await fetch(relay.url + path, { redirect: 'manual' });
    t.equal(res.status, 404, path);
    t.match(await res.json(), { error: { code: 'unknown_url' } });
  }
});

t.test('the recorder: per-second rows reused around the ring, percentiles from the histogram', async (t) => {
  let now = 1_000_000_000_000;
  const recorder = new StatusRecorder(() => now);
  for (const ms of [10, 10, 10, 10, 10, 10, 10, 10, 10, 1000]) recorder.record('/v1/chat/completions', { model: 'p/m' }, 200, ms, undefined);
  recorder.record('/v1/chat/completions', { model: 'p/m', firstTokenMs: 50 }, 502, 60, 'http_5xx');
  let series = recorder.series();
  const last = series.requests.length - 1;
  t.equal(series.requests[last], 11);
  t.equal(series.errors[last], 1);
  t.ok(Math.abs(series.latencyP50[last]! - 10) / 10 < 0.3, `p50 ${series.latencyP50[last]} near 10 ms`);
  t.ok(Math.abs(series.latencyP95[last]! - 1000) / 1000 < 0.3, `p95 ${series.latencyP95[last]} near 1000 ms`);
  t.ok(Math.abs(series.firstTokenP50[last]! - 50) / 50 < 0.3);
  now += 1000;
  t.equal(recorder.series().requests[last - 1], 11, 'a second later it is one to the left');
  now += WINDOW_SECONDS * 1000;
  recorder.record('/v1/chat/completions', { model: 'p/m' }, 200, 5, undefined);
  series = recorder.series();
  t.equal(
    series.requests.reduce((a, b) => a + b, 0),
    1,
    'a full window later the old second is gone, although the new one reused its row',
  );
  t.equal(recorder.latest(3).length, 3);
  t.equal(recorder.latest(1)[0].durationMs, 5, 'newest first');
  for (let i = 0; i < 500; i++) recorder.record('/v1/x', {}, 200, 1, undefined);
  t.equal(recorder.latest().length, 200, 'the ring keeps its size');
});
