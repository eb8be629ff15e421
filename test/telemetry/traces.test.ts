/**
 * OpenTelemetry traces, exported to a real OTLP/HTTP receiver (JSON) and driven through the
 * openai SDK and raw HTTP: the request's span and one child span per upstream attempt, GenAI
 * attributes, the failed attempt and the fallback, the client's traceparent as parent and the
 * attempt's passed to the upstream; prompts and answers absent unless capture is on; with no
 * endpoint configured, nothing traced and nothing propagated.
 */
import t from 'tap';
import { startRelay, postJson, type RelayUnderTest } from '../helpers/relay.js';
import { startMock, closedPort, type MockUpstream } from '../helpers/mock.js';
import { startOtlpReceiver, SPAN_KIND, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { traceSettings } from '../../src/telemetry/settings.js';
import { configSchema } from '../../src/config/schema.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
const PROMPT = 'the secret prompt 7f3a9c';

let mock: MockUpstream;
let receiver: OtlpReceiver;
let downPort: number;

t.before(async () => {
  mock = await startMock('vllm');
  receiver = await startOtlpReceiver();
  downPort = await closedPort();
});
t.teardown(async () => {
  await mock.close();
  await receiver.close();
});

function config(otel: Record<string, unknown> | undefined) {
  return {
    models: {
      mode: 'replace',
      providers: {
        down: { baseUrl: `http://127.0.0.1:${downPort}/v1`, apiKey: 'down-secret-key', models: [{ id: 'm' }] },
        vllm: { baseUrl: mock.baseUrl, apiKey: 'vllm-secret-key', models: [{ id: 'm2' }, { id: 'm3' }] },
      },
    },
    agents: { defaults: { model: { primary: 'down/m', fallbacks: ['vllm/m2'] } } },
    ...(otel ? { diagnostics: { otel: { flushIntervalMs: 50, ...otel } } } : {}),
  };
}

const serverSpanOf = (spans: ReceivedSpan[], requestId: string) => spans.find((s) => s.kind === SPAN_KIND.SERVER && s.attributes['lmrelay.request_id'] === requestId);
const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) => spans.filter((s) => s.parentSpanId === parent.spanId).sort((a, b) => Number(a.attributes['lmrelay.attempt']) - Number(b.attributes['lmrelay.attempt']));

/** The request's span and its attempts, once all have arrived. */
async function traceOf(requestId: string, attempts: number): Promise<{ server: ReceivedSpan; children: ReceivedSpan[] }> {
  const spans = await receiver.waitFor((all) => {
    const server = serverSpanOf(all, requestId);
    return server !== undefined && childrenOf(all, server).length === attempts;
  });
  const server = serverSpanOf(spans, requestId)!;
  return { server, children: childrenOf(spans, server) };
}

t.test('a fallback: the request span under the client\'s traceparent, a failed attempt, then the one that answered', async (t) => {
  const relay = await startRelay(config({ endpoint: receiver.url }));
  t.teardown(() => relay.close());
  await mock.reset();
  const res = await postJson(
    `${relay.url}/v1/chat/completions`,
    { model: 'down/m', messages: [{ role: 'user', content: PROMPT }], max_tokens: 50, temperature: 0.2 },
    { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01`, 'x-request-id': 'trace-fallback-1' },
  );
  t.equal(res.status, 200);
  t.equal(res.headers.get('x-lmrelay-attempts'), '2');

  const { server, children } = await traceOf('trace-fallback-1', 2);
  t.equal(server.traceId, TRACE_ID, 'the client\'s trace goes on');
  t.equal(server.parentSpanId, CLIENT_SPAN, 'the client\'s span is the parent');
  t.equal(server.name, 'POST /v1/chat/completions');
  t.equal(server.resource['service.name'], 'lmrelay');
  t.match(server.attributes, {
    'http.request.method': 'POST',
    'http.route': '/v1/chat/completions',
    'http.response.status_code': 200,
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'down/m',
    'gen_ai.request.max_tokens': 50,
    'gen_ai.request.temperature': 0.2,
    'gen_ai.provider.name': 'vllm',
    'gen_ai.response.finish_reasons': ['stop'],
    'lmrelay.attempts': 2,
    'lmrelay.fallback': true,
  });
  t.type(server.attributes['gen_ai.usage.input_tokens'], 'number');
  t.type(server.attributes['gen_ai.usage.output_tokens'], 'number');
  t.notOk(server.status.code === 2, 'the request itself succeeded');

  const [failed, answered] = children;
  t.equal(failed.kind, SPAN_KIND.CLIENT);
  t.equal(failed.name, 'chat m');
  t.match(failed.attributes, { 'gen_ai.provider.name': 'down', 'gen_ai.request.model': 'm', 'lmrelay.model_ref': 'down/m', 'lmrelay.attempt': 1, 'error.type': 'connect_refused', 'lmrelay.failure_kind': 'connect_refused', 'server.address': '127.0.0.1', 'server.port': downPort });
  t.equal(failed.status.code, 2, 'the failed attempt is an error');
  t.notOk(String(failed.status.message).includes('down-secret-key'), 'no key in the error message');
  t.equal(answered.name, 'chat m2');
  t.match(answered.attributes, {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'vllm',
    'gen_ai.request.model': 'm2',
    'lmrelay.attempt': 2,
    'lmrelay.fallback_from': 'down/m',
    'gen_ai.response.finish_reasons': ['stop'],
  });
  t.type(answered.attributes['gen_ai.response.model'], 'string');
  t.type(answered.attributes['gen_ai.usage.output_tokens'], 'number');
  t.notOk('error.type' in answered.attributes);

  const [received] = await mock.requests();
  t.equal(received.headers.traceparent, `00-${TRACE_ID}-${answered.spanId}-01`, 'the upstream gets the answering attempt\'s traceparent');
  t.equal(new Set(children.map((s) => s.traceId)).size, 1);
  t.equal(children[0].traceId, TRACE_ID);

  t.notOk(Object.keys(server.attributes).some((k) => /input\.messages|output\.messages|system_instructions/.test(k)), 'no content attributes by default');
  t.notOk(receiver.bodies.some((b) => b.includes(PROMPT)), 'the prompt is in no export');
  t.notOk(receiver.bodies.some((b) => b.includes('Hello from')), 'the answer is in no export');
  t.ok(receiver.contentTypes.every((c) => c.startsWith('application/json')), 'OTLP/HTTP with JSON');
});

t.test('a stream: finish reason, usage and the answering model on the attempt, which ends with the stream', async (t) => {
  const relay = await startRelay(config({ endpoint: receiver.url }));
  t.teardown(() => relay.close());
  const stream = await relay.client.chat.completions.create(
    { model: 'vllm/m3', messages: [{ role: 'user', content: PROMPT }], stream: true },
    { headers: { 'x-request-id': 'trace-stream-1' } },
  );
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  t.ok(text.length > 0);
  const { server, children } = await traceOf('trace-stream-1', 1);
  t.equal(server.parentSpanId, '', 'no client parent: a new trace');
  t.match(server.attributes, { 'lmrelay.stream': true, 'lmrelay.attempts': 1, 'lmrelay.fallback': false, 'gen_ai.response.finish_reasons': ['stop'] });
  t.match(children[0].attributes, { 'gen_ai.request.model': 'm3', 'gen_ai.response.finish_reasons': ['stop'] });
  t.type(children[0].attributes['gen_ai.usage.input_tokens'], 'number');
  t.type(children[0].attributes['gen_ai.response.model'], 'string');
  t.notOk(receiver.bodies.some((b) => b.includes(PROMPT)));
});

t.test('every surface: Responses and Anthropic Messages answers say their model and how they ended', async (t) => {
  const relay = await startRelay(config({ endpoint: receiver.url }));
  t.teardown(() => relay.close());
  const responses = await postJson(`${relay.url}/v1/responses`, { model: 'vllm/m2', input: 'hi' }, { 'x-request-id': 'trace-responses-1' });
  t.equal(responses.status, 200);
  const messages = await postJson(`${relay.url}/v1/messages`, { model: 'vllm/m2', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }, { 'x-request-id': 'trace-messages-1' });
  t.equal(messages.status, 200);
  const r = await traceOf('trace-responses-1', 1);
  t.match(r.server.attributes, { 'http.route': '/v1/responses', 'gen_ai.response.finish_reasons': ['completed'] });
  t.type(r.server.attributes['gen_ai.response.model'], 'string');
  const m = await traceOf('trace-messages-1', 1);
  t.match(m.server.attributes, { 'http.route': '/v1/messages', 'gen_ai.response.finish_reasons': ['end_turn'] });
  t.type(m.server.attributes['gen_ai.response.model'], 'string');
});

t.test('captureContent: the prompt and the answer are recorded', async (t) => {
  const relay = await startRelay(config({ endpoint: receiver.url, captureContent: true }));
  t.teardown(() => relay.close());
  const res = await postJson(`${relay.url}/v1/chat/completions`, { model: 'vllm/m2', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: PROMPT }] }, { 'x-request-id': 'trace-capture-1' });
  t.equal(res.status, 200);
  const { server } = await traceOf('trace-capture-1', 1);
  t.match(String(server.attributes['gen_ai.input.messages']), PROMPT);
  t.match(String(server.attributes['gen_ai.output.messages']), res.json.choices[0].message.content);
});

t.test('a failed request: the server span is an error with the last failure kind', async (t) => {
  const relay = await startRelay(config({ endpoint: receiver.url }));
  t.teardown(() => relay.close());
  const res = await postJson(`${relay.url}/v1/chat/completions`, { model: 'down/m', messages: [{ role: 'user', content: 'x' }] }, { 'x-request-id': 'trace-failed-1', 'x-lmrelay-fallbacks': 'none' });
  t.equal(res.status, 502);
  const { server, children } = await traceOf('trace-failed-1', 1);
  t.equal(server.status.code, 2);
  t.match(server.attributes, { 'http.response.status_code': 502, 'error.type': 'connect_refused', 'lmrelay.failure_kind': 'connect_refused' });
  t.equal(children[0].attributes['error.type'], 'connect_refused');
});

t.test('a traceparent that is not valid starts a new trace; the request is served as usual', async (t) => {
  const relay = await startRelay(config({ endpoint: receiver.url }));
  t.teardown(() => relay.close());
  const spellings = [
    'garbage',
    `00-${TRACE_ID.toUpperCase()}-${CLIENT_SPAN}-01`,
    `00-${'0'.repeat(32)}-${CLIENT_SPAN}-01`,
    `ff-${TRACE_ID}-${CLIENT_SPAN}-01`,
    `00-${TRACE_ID}-${CLIENT_SPAN}-01-${'x'.repeat(6000)}`,
    `00-${TRACE_ID}%2D${CLIENT_SPAN}-01`,
  ];
  for (const [i, traceparent] of spellings.entries()) {
    const id = `trace-hostile-${i}`;
    const res = await postJson(`${relay.url}/v1/chat/completions`, { model: 'vllm/m2', messages: [{ role: 'user', content: 'x' }] }, { traceparent, 'x-request-id': id });
    t.equal(res.status, 200, traceparent.slice(0, 60));
    const { server } = await traceOf(id, 1);
    t.equal(server.parentSpanId, '', `no parent from ${traceparent.slice(0, 60)}`);
    t.not(server.traceId, TRACE_ID);
  }
});

t.test('tracing off (no endpoint): no trace on the request and no traceparent to the upstream', async (t) => {
  const seen: unknown[] = [];
  let relay: RelayUnderTest | undefined;
  relay = await startRelay(config(undefined), {
    extend: (app) => app.addHook('onResponse', async (request) => void seen.push(request.trace)),
  });
  t.teardown(() => relay!.close());
  await mock.reset();
  const before = receiver.spans.length;
  const res = await postJson(`${relay.url}/v1/chat/completions`, { model: 'vllm/m2', messages: [{ role: 'user', content: 'x' }] }, { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` });
  t.equal(res.status, 200);
  const [received] = await mock.requests();
  t.notOk('traceparent' in received.headers, 'the client\'s traceparent is not passed on');
  t.same(seen, [undefined], 'no trace object was made');
  await relay.close();
  t.equal(receiver.spans.length, before, 'nothing exported');
});

t.test('settings: the standard OTEL_* variables, and the config over them', async (t) => {
  const otel = (o: unknown = {}) => configSchema.parse({ diagnostics: { otel: o } }).diagnostics.otel;
  t.equal(traceSettings(otel(), {}), undefined, 'off with no endpoint');
  t.equal(traceSettings(otel(), { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/' })?.url, 'http://127.0.0.1:4318/v1/traces');
  t.equal(traceSettings(otel(), { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9/t' })?.url, 'http://127.0.0.1:9/t');
  t.equal(traceSettings(otel(), { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }), undefined);
  t.equal(traceSettings(otel(), { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_EXPORTER: 'none' }), undefined);
  t.equal(traceSettings(otel({ enabled: false }), { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), undefined);
  t.equal(traceSettings(otel({ endpoint: 'http://127.0.0.1:1' }), { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })?.url, 'http://127.0.0.1:1/v1/traces');
  const fromEnv = traceSettings(otel(), { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_EXPORTER_OTLP_HEADERS: 'x-key=a%20b,bad,=x', OTEL_SERVICE_NAME: 'edge' });
  t.same(fromEnv?.headers, { 'x-key': 'a b' });
  t.equal(fromEnv?.serviceName, 'edge');
  t.equal(fromEnv?.captureContent, false, 'content is off unless asked for');
});
