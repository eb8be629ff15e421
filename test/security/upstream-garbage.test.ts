/**
 * A broken model server never passes for a good one: an answer or a stream event that is not
 * JSON, an error written as a stream event, or a redirect, is a 502 that falls back to the next
 * model before the first byte reached the client, and ends the stream with an error event after.
 */
import t from 'tap';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, postJson, type RelayUnderTest } from '../helpers/relay.js';

let broken: MockUpstream;
let spare: MockUpstream;
let relay: RelayUnderTest;
t.before(async () => {
  [broken, spare] = await Promise.all([startMock('vllm'), startMock('llamacpp')]);
  relay = await startRelay({
    models: { providers: { bad: { baseUrl: broken.baseUrl, models: [] }, good: { baseUrl: spare.baseUrl, models: [] } } },
    agents: { defaults: { model: { primary: 'bad/m', fallbacks: ['good/ok'] } } },
  });
});
t.teardown(async () => {
  await relay.close();
  await Promise.all([broken.close(), spare.close()]);
});

const user = [{ role: 'user', content: 'hi' }];
const alone = { 'x-lmrelay-fallbacks': 'none' };
const chat = (model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  postJson(`${relay.url}/v1/chat/completions`, { model, messages: user, ...extra }, headers);
const spareCalls = async () => (await spare.requests()).filter((r) => r.method === 'POST').length;
const sseData = (text: string) => text.split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''));
const failures = async () => (await (await fetch(`${relay.url}/metrics`)).text()).split('\n').filter((l) => l.startsWith('lmrelay_upstream_failures_total{provider="bad"'));

t.test('garbage before the first byte: 502 naming it, and the chain falls back to the next model', async (t) => {
  const cases: Array<[model: string, stream: boolean, code: string, message: RegExp]> = [
    ['bad/badjson', false, 'bad_upstream_response', /^bad\/badjson: invalid JSON in response: "\{\\"choices\\": \[ oops \}"$/],
    ['bad/badjson-after-0', true, 'bad_upstream_response', /^bad\/badjson-after-0: invalid JSON in stream event: "\{\\"choices\\": \[ oops \}"$/],
    ['bad/error-after-0', true, 'upstream_error', /^bad\/error-after-0: upstream stream error: model crashed mid-way$/],
    ['bad/garbage', true, 'bad_upstream_response', /invalid JSON in stream event: "<html>oops<\/html>"/],
  ];
  for (const [model, stream, code, message] of cases) {
    await spare.reset();
    const failed = await chat(model, { stream }, alone);
    t.equal(failed.status, 502, `${model} alone: 502`);
    t.match(failed.json?.error, { code, type: 'upstream_error', message }, `${model}: the error names what came`);

    const res = await chat(model, { stream });
    t.equal(res.status, 200, `${model}: answered by the fallback`);
    t.equal(res.headers.get('x-lmrelay-model'), 'good/ok', model);
    t.equal(res.headers.get('x-lmrelay-attempts'), '2', model);
    t.notMatch(res.text, /oops|crashed/, `${model}: nothing of the broken answer reached the client`);
    if (stream) t.equal(sseData(res.text).at(-1), '[DONE]', `${model}: the fallback's stream ends normally`);
    else t.match(res.json, { object: 'chat.completion', model: 'ok' });
    t.equal(await spareCalls(), 1, `${model}: the second server answered`);
  }
  t.match((await failures()).join('\n'), /failure_kind="bad_response"\} 8$/, 'each counted as a bad response of the broken provider');
  t.same(relay.app.relay.cooldowns.snapshot(), [], 'a bad answer comes fast: no cooldown');
});

t.test('garbage after the first byte: the chunks already sent, then an error event, no [DONE]', async (t) => {
  await spare.reset();
  const cases: Array<[model: string, code: string, message: RegExp]> = [
    ['bad/badjson-after-3', 'bad_upstream_response', /invalid JSON in stream event/],
    ['bad/error-after-3', 'upstream_error', /upstream stream error: model crashed mid-way/],
  ];
  for (const [model, code, message] of cases) {
    const res = await chat(model, { stream: true });
    t.equal(res.status, 200, `${model}: committed`);
    t.equal(res.headers.get('x-lmrelay-model'), model, 'no fallback once bytes went out');
    const events = sseData(res.text);
    t.equal(events.length, 4, `${model}: three chunks and one error event`);
    for (const e of events.slice(0, 3)) t.match(JSON.parse(e), { object: 'chat.completion.chunk' }, 'every event sent is whole JSON: the garbage itself was not forwarded');
    t.match(JSON.parse(events[3]), { error: { code, message } }, `${model}: the error event`);
    t.notMatch(res.text, /\[DONE\]/, `${model}: no [DONE] after the failure`);
  }
  t.equal(await spareCalls(), 0, 'the fallback was not called mid-stream');

  const sdkError = await (async () => {
    const stream = await relay.client.chat.completions.create({ model: 'bad/badjson-after-3', stream: true, messages: [{ role: 'user', content: 'x' }] });
    for await (const _ of stream) void _;
  })().catch((e) => e);
  t.match(String(sdkError?.message), /invalid JSON in stream event/, 'the openai SDK raises it');
});

t.test('the Responses route falls back from garbage too', async (t) => {
  await spare.reset();
  for (const stream of [false, true]) {
    const model = stream ? 'bad/badjson-after-0' : 'bad/badjson';
    const res = await postJson(`${relay.url}/v1/responses`, { model, input: 'hi', stream });
    t.equal(res.status, 200, model);
    t.equal(res.headers.get('x-lmrelay-model'), 'good/ok', model);
    t.notMatch(res.text, /oops/);
  }
});

t.test('a redirect is an upstream error naming status and Location, never followed; the chain falls back', async (t) => {
  await Promise.all([broken.reset(), spare.reset()]);
  for (const status of [301, 302, 307, 308]) {
    for (const stream of [false, true]) {
      const model = `bad/redirect-${status}`;
      const failed = await chat(model, { stream }, alone);
      t.equal(failed.status, 502, `${model} stream=${stream}: 502`);
      t.match(failed.json?.error, {
        code: 'upstream_redirect',
        type: 'upstream_error',
        message: new RegExp(`^bad/redirect-${status}: upstream answered HTTP ${status} \\(redirect to "http://127\\.0\\.0\\.1:${broken.port}/v1/redirected"\\); lmrelay does not follow redirects`),
      });
      const res = await chat(model, { stream });
      t.equal(res.status, 200);
      t.equal(res.headers.get('x-lmrelay-model'), 'good/ok', `${model}: answered by the fallback`);
    }
  }
  const paths = (await broken.requests()).map((r) => r.path);
  t.notOk(paths.includes('/v1/redirected'), 'the Location was never requested');
  t.equal(paths.length, 16, 'one request per call, no second one');
  t.match((await failures()).join('\n'), /failure_kind="http_3xx"\} 16/);
  t.same(relay.app.relay.cooldowns.snapshot(), [], 'no cooldown');
});
