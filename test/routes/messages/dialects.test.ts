/**
 * The official Anthropic SDK against /v1/messages over each upstream dialect: a Chat
 * Completions server, a Responses server, an Anthropic server (passed through), and a chain
 * that falls back from a failing model. Plain and streamed; text, thinking, a tool round trip.
 */
import t from 'tap';
import type Anthropic from '@anthropic-ai/sdk';
import { startMock, type MockUpstream } from '../../helpers/mock.js';
import { startRelay, type RelayUnderTest } from '../../helpers/relay.js';
import { anthropicClient, blocksOf, sequenceProblems, streamEvents } from '../../helpers/anthropic.js';

let chat: MockUpstream;
let responses: MockUpstream;
let anthropic: MockUpstream;
let relay: RelayUnderTest;
let client: Anthropic;

t.before(async () => {
  [chat, responses, anthropic] = await Promise.all([startMock('vllm', ['--only', 'chat']), startMock('openai', ['--only', 'responses']), startMock('openai')]);
  relay = await startRelay({
    models: {
      providers: {
        chat: { baseUrl: chat.baseUrl, apiKey: 'chat-key', models: [{ id: 'plain' }, { id: 'reasoning', reasoning: true }, { id: 'think', reasoning: true }, { id: 'tool' }, { id: 'status-500' }] },
        resp: { baseUrl: responses.baseUrl, apiKey: 'resp-key', api: 'openai-responses', models: [{ id: 'plain' }, { id: 'reasoning', reasoning: true }, { id: 'tool' }] },
        anth: { baseUrl: anthropic.baseUrl, apiKey: 'anth-key', api: 'anthropic-messages', models: [{ id: 'plain' }, { id: 'thinking' }, { id: 'tool' }] },
      },
    },
    agents: { defaults: { models: { 'chat/status-500': { fallbacks: ['anth/plain'] } } } },
  });
  client = anthropicClient(relay.url);
});
t.teardown(async () => {
  await relay?.close();
  await Promise.all([chat, responses, anthropic].map((m) => m?.close()));
});

const ask = [{ role: 'user' as const, content: 'hi' }];

const TEXT: Array<[model: string, text: string, usage: { input_tokens: number; output_tokens: number }]> = [
  ['chat/plain', 'Hello from vllm plain', { input_tokens: 7, output_tokens: 5 }],
  ['resp/plain', 'Hello from openai plain', { input_tokens: 9, output_tokens: 4 }],
  ['anth/plain', 'Hello from anthropic plain', { input_tokens: 11, output_tokens: 6 }],
];

t.test('messages.create: a whole Anthropic message from each dialect', async (t) => {
  for (const [model, text, usage] of TEXT) {
    const message = await client.messages.create({ model, max_tokens: 100, messages: ask });
    t.match(message, { type: 'message', role: 'assistant', content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null, usage }, model);
    t.equal(message.content.length, 1, `${model}: one block`);
    t.match(message.id, /^msg_/, `${model}: a message id`);
  }
});

t.test('a stream: Anthropic events in order, the same message as messages.stream assembles', async (t) => {
  for (const [model, text] of TEXT) {
    const { status, headers, events } = await streamEvents(relay.url, { model, max_tokens: 100, messages: ask });
    t.equal(status, 200, model);
    t.match(headers.get('content-type'), /^text\/event-stream/);
    t.same(sequenceProblems(events), [], `${model}: well-formed`);
    t.match(blocksOf(events), [{ type: 'text', text }], model);
    t.equal(events.at(-2)!.data.delta.stop_reason, 'end_turn', `${model}: stop_reason in message_delta`);
    t.ok(events.at(-2)!.data.usage.output_tokens > 0, `${model}: usage in message_delta`);

    const final = await client.messages.stream({ model, max_tokens: 100, messages: ask }).finalMessage();
    t.match(final, { content: [{ type: 'text', text }], stop_reason: 'end_turn' }, `${model}: messages.stream`);
  }
  // Chat -> Anthropic, each event in its place (ping after message_start, as Anthropic sends it).
  const { events } = await streamEvents(relay.url, { model: 'chat/plain', max_tokens: 100, messages: ask });
  t.same(
    events.map((e) => e.event),
    ['message_start', 'ping', 'content_block_start', ...Array(4).fill('content_block_delta'), 'content_block_stop', 'message_delta', 'message_stop'],
  );
});

t.test('thinking: reasoning_content, <think> tags, Responses reasoning and Anthropic thinking become thinking blocks', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['chat/reasoning', 'Let me think.', 'Hello from vllm reasoning'],
    ['chat/think', 'secret plan', 'Hello from vllm think'],
    ['resp/reasoning', 'Let me think.', 'Hello from openai reasoning'],
    ['anth/thinking', 'Weighing it up.', 'Hello from anthropic thinking'],
  ];
  for (const [model, thinking, text] of cases) {
    const message = await client.messages.create({ model, max_tokens: 100, messages: ask });
    t.match(message.content, [{ type: 'thinking', thinking }, { type: 'text', text }], `${model}: plain`);
    t.equal(message.content.length, 2, `${model}: nothing else`);
    const { events } = await streamEvents(relay.url, { model, max_tokens: 100, messages: ask });
    t.same(sequenceProblems(events), [], `${model}: well-formed`);
    t.match(blocksOf(events), [{ type: 'thinking', thinking }, { type: 'text', text }], `${model}: streamed`);
    t.ok(events.some((e) => e.data.delta?.type === 'thinking_delta'), `${model}: thinking_delta events`);
  }
  const passed = await client.messages.create({ model: 'anth/thinking', max_tokens: 100, messages: ask });
  t.match(passed.content[0], { signature: 'sig' }, 'an Anthropic upstream keeps its signature');
});

const weather = { name: 'weather', description: 'Weather of a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } };

t.test('tool use round trip: tool_use out, tool_result back, plain and streamed', async (t) => {
  // How many pieces each server cuts the arguments into; each piece is one input_json_delta.
  for (const [model, pieces] of [
    ['chat/tool', 3],
    ['resp/tool', 1],
    ['anth/tool', 2],
  ] as const) {
    const first = await client.messages.create({ model, max_tokens: 100, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weather] });
    t.equal(first.stop_reason, 'tool_use', `${model}: stops for the tool`);
    const use = first.content.find((b) => b.type === 'tool_use');
    t.match(use, { type: 'tool_use', id: String, name: 'weather', input: { city: 'Paris' } }, `${model}: tool_use block`);

    const streamed = await streamEvents(relay.url, { model, max_tokens: 100, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weather] });
    t.same(sequenceProblems(streamed.events), [], `${model}: well-formed`);
    const jsonDeltas = streamed.events.filter((e) => e.data.delta?.type === 'input_json_delta');
    t.equal(jsonDeltas.length, pieces, `${model}: arguments arrive as input_json_delta pieces`);
    const block = blocksOf(streamed.events).find((b) => b.type === 'tool_use');
    t.match(block, { name: 'weather', input: {} }, `${model}: tool_use opens with an empty input`);
    t.same(JSON.parse(block.json), { city: 'Paris' }, `${model}: the pieces make the input`);
    t.equal(streamed.events.at(-2)!.data.delta.stop_reason, 'tool_use');
    const final = await client.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weather] }).finalMessage();
    t.match(final.content.find((b) => b.type === 'tool_use'), { name: 'weather', input: { city: 'Paris' } }, `${model}: messages.stream parses the input`);

    const second = await client.messages.create({
      model,
      max_tokens: 100,
      tools: [weather],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use!.id, content: 'sunny' }] },
      ],
    });
    t.match(second.content, [{ type: 'text', text: 'Tool said: sunny' }], `${model}: the tool's result reached the model`);
    t.equal(second.stop_reason, 'end_turn');
  }
  const seen = (await chat.requests()).filter((r) => r.body?.model === 'tool').at(-1)!.body;
  t.match(seen.tools, [{ type: 'function', function: { name: 'weather', description: 'Weather of a city', parameters: weather.input_schema } }], 'a Chat upstream gets function tools');
  t.match(seen.messages, [
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_mock1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'call_mock1', content: 'sunny' },
  ]);
});

t.test('fallback: a failing first model, then an Anthropic upstream answers, plain and streamed', async (t) => {
  const { data, response } = await client.messages.create({ model: 'chat/status-500', max_tokens: 100, messages: ask }).withResponse();
  t.match(data.content, [{ type: 'text', text: 'Hello from anthropic plain' }]);
  t.equal(response.headers.get('x-lmrelay-model'), 'anth/plain');
  t.equal(response.headers.get('x-lmrelay-attempts'), '2');
  const { events, headers } = await streamEvents(relay.url, { model: 'chat/status-500', max_tokens: 100, messages: ask });
  t.equal(headers.get('x-lmrelay-model'), 'anth/plain');
  t.same(sequenceProblems(events), []);
  t.match(blocksOf(events), [{ type: 'text', text: 'Hello from anthropic plain' }]);
  const line = relay.logs.filter((l) => l.msg === 'request completed' && l.route === '/v1/messages').at(-1);
  t.match(line, { model: 'anth/plain', provider: 'anth', attempts: 2, stream: true, status: 200 }, 'the access line says who answered');
  const metrics = await (await fetch(`${relay.url}/metrics`)).text();
  t.match(metrics, /lmrelay_fallbacks_total\{from="chat\/status-500",to="anth\/plain"\} [1-9]/, 'the fallback is counted');
  t.match(metrics, /lmrelay_tokens_total\{provider="anth",model="anth\/plain",direction="output"\} [1-9]/, 'tokens are counted');
});
