/**
 * Every failure an Anthropic client can meet on /v1/messages, in Anthropic's shape
 * (`{"type":"error","error":{"type","message"}}`) with the status its SDK expects: the inbound
 * key (x-api-key or Bearer) and its limits, bad bodies, unknown models, upstream failures and
 * timeouts, and a stream that fails mid-way (`event: error`). The OpenAI routes keep theirs.
 */
import t from 'tap';
import Anthropic from '@anthropic-ai/sdk';
import { startMock, type MockUpstream } from '../../helpers/mock.js';
import { startRelay, postJson, type RelayUnderTest } from '../../helpers/relay.js';
import { anthropicClient, streamEvents } from '../../helpers/anthropic.js';

const CLIENT_KEY = 'lmr-anthropic-client-7c41e09b2d';
const LIMITED_KEY = 'lmr-anthropic-limited-5d2a8f6e13';
let mock: MockUpstream;
let relay: RelayUnderTest;

t.before(async () => {
  mock = await startMock('vllm', ['--only', 'chat']);
  relay = await startRelay({
    server: { apiKeys: [CLIENT_KEY, { key: LIMITED_KEY, name: 'limited', rpm: 1 }] },
    models: {
      providers: {
        vllm: { baseUrl: mock.baseUrl, apiKey: 'vllm-key', timeoutSeconds: 1, models: [{ id: 'plain' }, { id: 'status-500' }, { id: 'status-400' }, { id: 'error-after-3' }, { id: 'reset-after-2' }, { id: 'hang' }] },
      },
    },
  });
});
t.teardown(async () => {
  await relay?.close();
  await mock?.close();
});

const body = { model: 'vllm/plain', max_tokens: 20, messages: [{ role: 'user' as const, content: 'hi' }] };
const asClient = { 'x-api-key': CLIENT_KEY };

t.test('the inbound key: x-api-key or Bearer; a 401 in Anthropic shape otherwise', async (t) => {
  const viaApiKey = await anthropicClient(relay.url, { apiKey: CLIENT_KEY }).messages.create(body);
  t.match(viaApiKey.content, [{ text: 'Hello from vllm plain' }], 'x-api-key (the SDK with apiKey)');
  const viaToken = await anthropicClient(relay.url, { apiKey: null, authToken: CLIENT_KEY }).messages.create(body);
  t.match(viaToken.content, [{ text: 'Hello from vllm plain' }], 'Authorization: Bearer (the SDK with authToken, as Claude Code sends ANTHROPIC_AUTH_TOKEN)');

  const wrong = await anthropicClient(relay.url, { apiKey: 'wrong-key' }).messages.create(body).catch((e) => e);
  t.ok(wrong instanceof Anthropic.AuthenticationError, 'the SDK raises AuthenticationError');
  t.match(wrong.error, { type: 'error', error: { type: 'authentication_error', message: 'Incorrect API key provided.' }, request_id: String });
  const none = await postJson(`${relay.url}/v1/messages`, body);
  t.equal(none.status, 401);
  t.match(none.json, { type: 'error', error: { type: 'authentication_error', message: /Missing API key/ } });

  const openai = await postJson(`${relay.url}/v1/chat/completions`, { model: 'vllm/plain', messages: body.messages });
  t.match(openai.json, { error: { code: 'invalid_api_key', type: 'invalid_request_error', param: null } }, 'the OpenAI routes keep their shape');
});

t.test('a key over its limit: 429 rate_limit_error with retry-after', async (t) => {
  const limited = anthropicClient(relay.url, { apiKey: LIMITED_KEY });
  await limited.messages.create(body);
  const over = await limited.messages.create(body).catch((e) => e);
  t.ok(over instanceof Anthropic.RateLimitError);
  t.match(over.error, { type: 'error', error: { type: 'rate_limit_error', message: /Rate limit reached for key limited/ } });
  t.match(over.headers.get('retry-after'), /^\d+$/);
  const openai = await postJson(`${relay.url}/v1/chat/completions`, { model: 'vllm/plain', messages: body.messages }, { 'x-api-key': LIMITED_KEY });
  t.equal(openai.status, 429);
  t.match(openai.json, { error: { code: 'rate_limit_exceeded', type: 'rate_limit_error' } });
  t.match(openai.headers.get('retry-after'), /^\d+$/);
});

t.test('bodies lmrelay refuses: 400 invalid_request_error naming the field', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ model: 'vllm/plain', messages: body.messages }, /^max_tokens: expected number/],
    [{ ...body, messages: [] }, /^messages: Too small/],
    [{ ...body, messages: [{ role: 'tool', content: 'x' }] }, /^messages\[0\]\.role: /],
    [{ ...body, messages: [{ role: 'user', content: [{ text: 'no type' }] }] }, /^messages\[0\]\.content/],
    [{ ...body, tool_choice: { type: 'tool' } }, /^tool_choice\.name: required when type is "tool"/],
    [{ ...body, messages: [{ role: 'user', content: 'nul \u0000' }] }, /NUL/],
    [{ ...body, model: 'm'.repeat(300) }, /^model: must be at most 256 characters/],
    ['{"model": "vllm/plain", ', /JSON/],
  ];
  for (const [sent, message] of cases) {
    const res = await postJson(`${relay.url}/v1/messages`, sent, asClient);
    t.equal(res.status, 400, String(message));
    t.match(res.json, { type: 'error', error: { type: 'invalid_request_error', message } }, String(message));
    t.notOk(res.text.includes('    at '), 'no stack trace');
  }
});

t.test('unknown models and upstream failures', async (t) => {
  const client = anthropicClient(relay.url, { apiKey: CLIENT_KEY });
  const missing = await client.messages.create({ ...body, model: 'claude-sonnet-4-6' }).catch((e) => e);
  t.ok(missing instanceof Anthropic.NotFoundError);
  t.match(missing.error.error, { type: 'not_found_error', message: /The model `claude-sonnet-4-6` does not exist/ });

  const rejected = await client.messages.create({ ...body, model: 'vllm/status-400' }).catch((e) => e);
  t.equal(rejected.status, 400, "an upstream's 4xx is passed on");
  t.match(rejected.error.error, { type: 'invalid_request_error', message: /mock vllm failure 400/ });

  const failed = await client.messages.create({ ...body, model: 'vllm/status-500' }).catch((e) => e);
  t.ok(failed instanceof Anthropic.InternalServerError);
  t.equal(failed.status, 502);
  t.match(failed.error.error, { type: 'api_error', message: /vllm\/status-500: POST http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions answered 500 mock vllm failure 500/ });
  t.notOk(JSON.stringify(failed.error).includes('vllm-key'), "the provider's key is never shown");

  const timeout = await client.messages.create({ ...body, model: 'vllm/hang' }).catch((e) => e);
  t.equal(timeout.status, 504);
  t.match(timeout.error.error, { type: 'api_error', message: /vllm\/hang: .*timeout after 1s/ });
});

t.test('a stream that fails mid-way ends with Anthropic error event, which the SDK raises', async (t) => {
  for (const model of ['vllm/error-after-3', 'vllm/reset-after-2']) {
    const { status, events } = await streamEvents(relay.url, { ...body, model }, asClient);
    t.equal(status, 200, `${model}: the stream had started`);
    t.equal(events[0].event, 'message_start');
    t.ok(events.some((e) => e.data.delta?.type === 'text_delta'), `${model}: text before the failure reached the client`);
    const last = events.at(-1)!;
    t.equal(last.event, 'error', `${model}: the last event is an error`);
    t.match(last.data, { type: 'error', error: { type: 'api_error', message: new RegExp(`${model}: `) } });
    t.notOk(events.some((e) => e.event === 'message_stop'), `${model}: no message_stop after a failure`);

    const stream = anthropicClient(relay.url, { apiKey: CLIENT_KEY }).messages.stream({ ...body, model });
    const raised = await stream.finalMessage().catch((e) => e);
    t.ok(raised instanceof Anthropic.APIError, `${model}: messages.stream raises`);
    t.match(raised.message, new RegExp(model.replace('/', '\\/')));
  }
});
