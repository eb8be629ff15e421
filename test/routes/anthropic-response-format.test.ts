/**
 * `response_format` on an `anthropic-messages` model: emulated by Anthropic's documented pattern
 * (one forced tool whose input is the answer), or refused with a 400; never silently dropped.
 */
import t from 'tap';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { postJson, startRelay, type RelayUnderTest } from '../helpers/relay.js';

let anthropic: MockUpstream;
let local: MockUpstream;
let relay: RelayUnderTest;
const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const weatherFormat = { type: 'json_schema' as const, json_schema: { name: 'weather', description: 'The weather report', schema } };
const messages = [{ role: 'user' as const, content: 'Weather in Paris, as JSON?' }];

t.before(async () => {
  [anthropic, local] = await Promise.all([startMock('anthropic'), startMock('vllm')]);
  relay = await startRelay({
    models: {
      providers: {
        anthropic: { baseUrl: anthropic.baseUrl, apiKey: 'sk-ant-test-0123456789abcdef', api: 'anthropic-messages', models: [{ id: 'claude', reasoning: true }, { id: 'tool' }] },
        local: { baseUrl: local.baseUrl, models: [{ id: 'm' }] },
      },
    },
    agents: { defaults: { models: { 'anthropic/claude': { fallbacks: ['local/m'] } } } },
  });
});
t.teardown(async () => {
  await relay.close();
  await Promise.all([anthropic.close(), local.close()]);
});

const lastSent = async () => (await anthropic.requests()).filter((r) => r.path === '/v1/messages').at(-1)?.body;

t.test('json_schema: a forced tool whose input is the answer text', async (t) => {
  const answer = await relay.client.chat.completions.create({ model: 'anthropic/claude', messages, response_format: weatherFormat });
  const message = answer.choices[0].message;
  t.same(JSON.parse(message.content!), { city: 'Paris' }, 'the content is the JSON answer');
  t.notOk(message.tool_calls, 'no tool call reaches the client');
  t.equal(answer.choices[0].finish_reason, 'stop');
  const sent = await lastSent();
  t.same(sent.tools, [{ name: 'weather', description: 'The weather report', input_schema: schema }]);
  t.same(sent.tool_choice, { type: 'tool', name: 'weather' });
  t.notOk('response_format' in sent, 'nothing Anthropic does not know is sent');
});

t.test('json_schema, streamed: the tool input streams as content', async (t) => {
  const stream = await relay.client.chat.completions.create({ model: 'anthropic/claude', messages, response_format: weatherFormat, stream: true });
  let content = '';
  let toolDeltas = 0;
  let finish: string | null = null;
  for await (const chunk of stream) {
    content += chunk.choices[0]?.delta?.content ?? '';
    toolDeltas += chunk.choices[0]?.delta?.tool_calls?.length ?? 0;
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  t.same(JSON.parse(content), { city: 'Paris' });
  t.equal(toolDeltas, 0);
  t.equal(finish, 'stop');
});

t.test('json_object, and the thinking budget gives way to the forced tool', async (t) => {
  const answer = await relay.client.chat.completions.create({ model: 'anthropic/claude', messages, response_format: { type: 'json_object' }, reasoning_effort: 'medium', max_tokens: 8000 });
  t.same(JSON.parse(answer.choices[0].message.content!), { city: 'Paris' });
  const sent = await lastSent();
  t.same(sent.tools, [{ name: 'json_answer', description: 'Give the answer as a JSON object.', input_schema: { type: 'object' } }]);
  t.same(sent.tool_choice, { type: 'tool', name: 'json_answer' });
  t.notOk(sent.thinking, 'Anthropic refuses forced tool use with thinking');
  const text = await relay.client.chat.completions.create({ model: 'anthropic/claude', messages, response_format: { type: 'text' } });
  t.equal(text.choices[0].message.content, 'Hello from anthropic claude', 'type text changes nothing');
  t.notOk((await lastSent()).tools);
});

t.test("beside the client's tools: some tool must be used", async (t) => {
  const tools = [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  const answer = await relay.client.chat.completions.create({ model: 'anthropic/tool', messages, tools, response_format: weatherFormat });
  t.equal(answer.choices[0].message.tool_calls?.[0]?.type === 'function' && answer.choices[0].message.tool_calls[0].function.name, 'lookup', "the client's tool call passes");
  const sent = await lastSent();
  t.same(sent.tools.map((x: any) => x.name), ['lookup', 'weather']);
  t.same(sent.tool_choice, { type: 'any' });
});

t.test('the Responses API text.format too', async (t) => {
  const resp = await relay.client.responses.create({ model: 'anthropic/claude', input: 'Weather?', text: { format: { type: 'json_schema', name: 'weather', schema } } });
  t.same(JSON.parse(resp.output_text), { city: 'Paris' });
});

t.test('what cannot be expressed is refused with a 400, or left to the next model', async (t) => {
  const url = `${relay.url}/v1/chat/completions`;
  const alone = { 'x-lmrelay-fallbacks': 'none' };
  const cases: Array<[unknown, string, RegExp]> = [
    [{ type: 'regex', pattern: 'x+' }, 'response_format.type', /response_format\.type "regex" is not supported/],
    [{ type: 'json_schema', json_schema: { name: 'list', schema: { type: 'array', items: { type: 'string' } } } }, 'response_format.json_schema.schema', /must be a schema of "type": "object"/],
  ];
  for (const [format, param, message] of cases) {
    const res = await postJson(url, { model: 'anthropic/claude', messages, response_format: format }, alone);
    t.equal(res.status, 400, JSON.stringify(format));
    t.match(res.json.error, { code: 'unsupported_response_format', param, type: 'invalid_request_error' });
    t.match(res.json.error.message, message);
  }
  const clash = await postJson(url, { model: 'anthropic/claude', messages, tools: [{ type: 'function', function: { name: 'weather' } }], response_format: weatherFormat }, alone);
  t.equal(clash.status, 400);
  t.match(clash.json.error, { code: 'unsupported_response_format', param: 'response_format.json_schema.name' });
  const before = (await anthropic.requests()).length;
  const fallback = await postJson(url, { model: 'anthropic/claude', messages, response_format: { type: 'json_schema', json_schema: { name: 'list', schema: { type: 'array' } } } });
  t.equal(fallback.status, 200, 'the chain moves on to a model that takes the format');
  t.equal(fallback.headers.get('x-lmrelay-model'), 'local/m');
  t.equal((await anthropic.requests()).length, before, 'nothing was sent to Anthropic');
});
