/**
 * lmrelay's own faults are not blamed on upstreams: malformed tools are refused up front, and an
 * exception in lmrelay's code is a 500 internal_error (details in the log under the request id)
 * with no fallback, no failure counted against the provider and no cooldown.
 */
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, postJson, type RelayUnderTest } from '../helpers/relay.js';
import { relayHandler } from '../../src/pipeline/relay-route.js';
import { chatRequest } from '../../routes/chat-completions/request-schema.js';
import { callChat } from '../../src/pipeline/call-chat.js';
import type { ChatRequest } from '../../adapters/types.js';

let first: MockUpstream;
let second: MockUpstream;
t.before(async () => {
  [first, second] = await Promise.all([startMock('openai'), startMock('llamacpp')]);
});
t.teardown(async () => {
  await Promise.all([first.close(), second.close()]);
});

/** `an` speaks Anthropic Messages on the first mock; `spare` (the fallback) is the second mock. */
function config(models: Record<string, unknown> = {}) {
  return {
    models: {
      providers: {
        an: { baseUrl: first.baseUrl, api: 'anthropic-messages', apiKey: 'sk-ant-test-0123456789', models: [] },
        oa: { baseUrl: first.baseUrl, models: [] },
        spare: { baseUrl: second.baseUrl, models: [] },
      },
    },
    agents: { defaults: { model: { primary: 'an/m', fallbacks: ['spare/ok'] }, models } },
  };
}

/** A test-only route: the real chat pipeline with one more stream transform that throws at the third frame. */
function throwingStreamRoute(app: FastifyInstance): void {
  app.post(
    '/test/throwing-stream',
    relayHandler(app, {
      schema: chatRequest,
      call: (ctx, target, body, deadline) => callChat(ctx, target, body as ChatRequest, deadline),
      streamTransforms: () => {
        let frames = 0;
        return [
          {
            transform(frame) {
              if (++frames === 3) throw new TypeError("Cannot read properties of undefined (reading 'name')");
              return frame;
            },
          },
        ];
      },
      trailer: 'data: [DONE]\n\n',
      errorFrames: (err) => [{ data: JSON.stringify(err.toJSON()) }],
    }),
  );
}

const user = [{ role: 'user', content: 'hi' }];
const spareCalls = async () => (await second.requests()).filter((r) => r.method === 'POST').length;
const metrics = async (relay: RelayUnderTest) => (await fetch(`${relay.url}/metrics`)).text();
const readyz = async (relay: RelayUnderTest) => (await (await fetch(`${relay.url}/readyz?deep`)).json()) as { providers: Array<{ provider: string; up: boolean; lastOkAgoMs: number | null; coolingDownMs: number }> };

t.test('malformed tools get a 400 naming the field, on both routes, and reach no upstream', async (t) => {
  const relay = await startRelay(config());
  t.teardown(() => relay.close());
  await Promise.all([first.reset(), second.reset()]);
  const chat = `${relay.url}/v1/chat/completions`;
  const responses = `${relay.url}/v1/responses`;
  const cases: Array<[url: string, body: Record<string, unknown>, param: string]> = [
    [chat, { model: 'an/m', messages: user, tools: [{ type: 'function' }] }, 'tools[0].function'],
    [chat, { model: 'an/m', messages: user, stream: true, tools: [{ type: 'function' }] }, 'tools[0].function'],
    [chat, { model: 'oa/m', messages: user, tools: [{ type: 'function', function: {} }] }, 'tools[0].function.name'],
    [chat, { model: 'an/m', messages: user, tools: [{ type: 'function', function: { name: 'f' } }, { type: 'function', function: null }] }, 'tools[1].function'],
    [chat, { model: 'an/m', messages: user, tools: [{ type: 'function', function: { name: 'f', parameters: 'none' } }] }, 'tools[0].function.parameters'],
    [responses, { model: 'an/m', input: 'hi', tools: [{ type: 'function' }] }, 'tools[0].name'],
    [responses, { model: 'oa/m', input: 'hi', tools: [{ type: 'function', name: 7 }] }, 'tools[0].name'],
  ];
  for (const [url, body, param] of cases) {
    const res = await postJson(url, body);
    const what = `${url.endsWith('responses') ? 'responses' : 'chat'} ${JSON.stringify(body.tools)}`;
    t.equal(res.status, 400, what);
    t.match(res.json?.error, { type: 'invalid_request_error', param, message: new RegExp(`^${param.replace(/[[\].]/g, '\\$&')}: `) }, what);
  }
  t.equal((await first.requests()).length + (await spareCalls()), 0, 'no upstream was called');
  const ok = await postJson(chat, { model: 'an/m', messages: user, tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: {} } } }] });
  t.equal(ok.status, 200, 'a well-formed function tool still goes through');
});

t.test('an exception in lmrelay before the call: 500 internal_error, no fallback, nothing charged', async (t) => {
  // Tools injected by the model's config skip request validation; the Anthropic adapter then throws.
  const relay = await startRelay(config({ 'an/m': { params: { extra_body: { tools: [{ type: 'function' }] } } } }));
  t.teardown(() => relay.close());
  await Promise.all([first.reset(), second.reset()]);
  const readyBefore = (await readyz(relay)).providers.find((p) => p.provider === 'an');
  for (const stream of [false, true]) {
    const id = `internal-${stream}`;
    const res = await postJson(`${relay.url}/v1/chat/completions`, { model: 'an/m', messages: user, stream }, { 'x-request-id': id });
    t.equal(res.status, 500, `stream ${stream}`);
    t.same(res.json, { error: { message: `internal error in lmrelay (request ${id}; see its log)`, type: 'server_error', param: null, code: 'internal_error' } });
    t.notMatch(res.text, /Cannot read|TypeError|\.ts:\d+/, 'no JS message or stack for the client');
    const logged = relay.logs.find((l) => l.reqId === id && l.level === 50);
    t.match(logged, { provider: 'an', model: 'an/m', err: { message: /Cannot read properties/, stack: /chatToAnthropic/ } }, 'the details are in the log under the request id');
  }
  t.equal(await spareCalls(), 0, 'the fallback model was never called');
  const text = await metrics(relay);
  t.notMatch(text, /lmrelay_upstream_failures_total\{/, 'no upstream failure counted');
  t.notMatch(text, /lmrelay_fallbacks_total\{/, 'no fallback counted');
  t.notOk(relay.logs.some((l) => l.msg?.startsWith('model call failed')), 'no model call reported as failed');
  t.same(relay.app.relay.cooldowns.snapshot(), [], 'no cooldown');
  const readyAfter = (await readyz(relay)).providers.find((p) => p.provider === 'an');
  t.same(readyAfter, { ...readyBefore, lastOkAgoMs: readyAfter?.lastOkAgoMs }, 'readiness unchanged');
});

t.test('an exception in lmrelay mid-stream: an internal_error event, nothing charged', async (t) => {
  const relay = await startRelay(config(), { extend: throwingStreamRoute });
  t.teardown(() => relay.close());
  await Promise.all([first.reset(), second.reset()]);
  const id = 'internal-mid-stream';
  const res = await postJson(`${relay.url}/test/throwing-stream`, { model: 'oa/m', messages: user, stream: true }, { 'x-request-id': id });
  t.equal(res.status, 200, 'committed before the fault');
  const events = res.text.split('\n\n').filter(Boolean).map((e) => JSON.parse(e.replace(/^data: /, '')));
  t.equal(events.length, 3, 'two chunks, then the error event');
  t.same(events.at(-1), { error: { message: `internal error in lmrelay (request ${id}; see its log)`, type: 'server_error', param: null, code: 'internal_error' } });
  t.notMatch(res.text, /\[DONE\]/);
  t.match(relay.logs.find((l) => l.reqId === id && l.level === 50), { provider: 'oa', err: { message: /Cannot read properties/ } });
  t.notMatch(await metrics(relay), /lmrelay_upstream_failures_total\{/, 'no upstream failure counted');
  t.same(relay.app.relay.cooldowns.snapshot(), []);
  t.equal(await spareCalls(), 0);
});

t.test("lmrelay's own refusal (an adapter's 400) is not counted as an upstream failure", async (t) => {
  const relay = await startRelay(config());
  t.teardown(() => relay.close());
  const res = await postJson(`${relay.url}/v1/chat/completions`, { model: 'an/m', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] });
  t.equal(res.status, 400);
  t.match(res.json.error.message, /cannot be sent to an Anthropic model/);
  t.notMatch(await metrics(relay), /lmrelay_upstream_failures_total\{/);
  t.notOk(relay.logs.some((l) => l.msg?.startsWith('model call failed')));
});
