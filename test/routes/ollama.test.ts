/**
 * lmrelay in front of a mock Ollama speaking its native API (test/upstreams/mock-ollama.ts),
 * driven with the openai and Anthropic SDKs on all three surfaces, plain and streamed: what the
 * clients get, and what Ollama received (num_ctx from /api/show, keep_alive, tools, images).
 */
import t from 'tap';
import { startOllamaMock, type MockUpstream } from '../helpers/mock.js';
import { postJson, startRelay, type RelayUnderTest } from '../helpers/relay.js';
import { anthropicClient } from '../helpers/anthropic.js';

let ollama: MockUpstream;
let relay: RelayUnderTest;

const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] } } };
/** A 1x1 PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

t.before(async () => {
  ollama = await startOllamaMock();
  relay = await startRelay({
    models: {
      mode: 'replace',
      providers: { ollama: { baseUrl: ollama.url, apiKey: 'ollama-local', api: 'ollama', keepAlive: '30m', models: [] } },
    },
    agents: { defaults: { model: { primary: 'ollama/llama3.2' } } },
  });
});
t.teardown(async () => {
  await relay?.close();
  await ollama?.close();
});

/** The /api/chat bodies Ollama received since the last reset. */
async function chatBodies(): Promise<any[]> {
  return (await ollama.requests()).filter((r) => r.path === '/api/chat').map((r) => r.body);
}

t.beforeEach(() => ollama.reset());

t.test('chat, not streamed: the answer, its usage, and num_ctx and keep_alive sent', async (t) => {
  const res = await relay.client.chat.completions.create({ model: 'ollama/llama3.2', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }], max_tokens: 50, temperature: 0.2, top_p: 0.9, stop: 'END', seed: 7 });
  t.equal(res.choices[0].message.content, 'Hello from ollama llama3.2');
  t.equal(res.choices[0].finish_reason, 'stop');
  t.equal(res.object, 'chat.completion');
  t.ok(res.usage!.prompt_tokens > 0);
  t.equal(res.usage!.completion_tokens, 4, 'eval_count');
  const [body] = await chatBodies();
  t.equal(body.stream, false, 'Ollama streams unless told not to');
  t.same(body.messages, [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }]);
  t.same(body.options, { num_ctx: 131072, num_predict: 50, temperature: 0.2, top_p: 0.9, seed: 7, stop: ['END'] }, "num_ctx is the context length /api/show reported");
  t.equal(body.keep_alive, '30m');
  t.notOk('think' in body, 'no think for a model that does not think');
});

t.test('chat, streamed from NDJSON: the same text, a finish reason and usage', async (t) => {
  const stream = await relay.client.chat.completions.create({ model: 'ollama/llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
  let text = '';
  let finish: string | null = null;
  let usage: any;
  const ids = new Set<string>();
  for await (const chunk of stream) {
    ids.add(chunk.id);
    text += chunk.choices[0]?.delta?.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  t.equal(text, 'Hello from ollama llama3.2');
  t.equal(finish, 'stop');
  t.equal(usage?.completion_tokens, 4);
  t.equal(ids.size, 1);
  const [body] = await chatBodies();
  t.equal(body.stream, true);
  t.equal(body.options.num_ctx, 131072);
});

t.test('a tool round trip: object arguments become JSON text, ids are made, the result goes back by name', async (t) => {
  const messages: any[] = [{ role: 'user', content: 'Weather in Paris?' }];
  const first = await relay.client.chat.completions.create({ model: 'ollama/llama3.2', messages, tools: [weather] });
  const call = first.choices[0].message.tool_calls![0] as any;
  t.equal(first.choices[0].finish_reason, 'tool_calls');
  t.equal(call.function.name, 'get_weather');
  t.same(JSON.parse(call.function.arguments), { city: 'Paris', days: 2 });
  t.match(call.id, /^call_[0-9a-f]{24}$/, 'Ollama gave no id: one is made');
  messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'sunny' });
  const second = await relay.client.chat.completions.create({ model: 'ollama/llama3.2', messages, tools: [weather] });
  t.equal(second.choices[0].message.content, 'Tool said: sunny');
  const [toOllama, back] = await chatBodies();
  t.same(toOllama.tools, [{ type: 'function', function: weather.function }]);
  t.same(back.messages[1].tool_calls, [{ id: call.id, function: { name: 'get_weather', arguments: { city: 'Paris', days: 2 } } }], 'arguments go back as an object');
  t.same(back.messages[2], { role: 'tool', content: 'sunny', tool_name: 'get_weather', tool_call_id: call.id });
});

t.test('a streamed tool call, with the id Ollama gave', async (t) => {
  const stream = await relay.client.chat.completions.create({ model: 'ollama/qwen3', messages: [{ role: 'user', content: 'Weather?' }], tools: [weather], stream: true });
  const calls: any[] = [];
  let finish: string | null = null;
  for await (const chunk of stream) {
    for (const c of chunk.choices[0]?.delta?.tool_calls ?? []) {
      const at = (calls[c.index] ??= { id: c.id, name: c.function?.name, arguments: '' });
      at.arguments += c.function?.arguments ?? '';
    }
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  t.same(calls, [{ id: 'call_qwen_1', name: 'get_weather', arguments: '{"city":"Paris","days":2}' }]);
  t.equal(finish, 'tool_calls');
});

t.test('thinking: think is sent to a model that can think, and the thinking stays apart from the answer', async (t) => {
  const plain = await relay.client.chat.completions.create({ model: 'ollama/qwen3', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(plain.choices[0].message.content, 'Hello from ollama qwen3');
  t.equal((plain.choices[0].message as any).reasoning_content, 'Let me think.');
  const stream = await relay.client.chat.completions.create({ model: 'ollama/qwen3', messages: [{ role: 'user', content: 'hi' }], stream: true, reasoning_effort: 'high' });
  let reasoning = '';
  let text = '';
  for await (const chunk of stream) {
    const d: any = chunk.choices[0]?.delta ?? {};
    reasoning += d.reasoning_content ?? '';
    text += d.content ?? '';
  }
  t.equal(reasoning, 'Let me think.');
  t.equal(text, 'Hello from ollama qwen3');
  const off = await relay.client.chat.completions.create({ model: 'ollama/qwen3', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'none' as any });
  t.notOk((off.choices[0].message as any).reasoning_content);
  const bodies = await chatBodies();
  t.same(bodies.map((b) => b.think), [true, 'high', false]);
  t.equal(bodies[0].options.num_ctx, 40960);
});

t.test('images reach a vision model as base64; links and non-vision models are refused before sending', async (t) => {
  const res = await relay.client.chat.completions.create({
    model: 'ollama/llava',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] }],
  });
  t.equal(res.choices[0].message.content, 'I see 1 image');
  const [body] = await chatBodies();
  t.same(body.messages, [{ role: 'user', content: 'What is this?', images: [PNG] }]);
  const link = await postJson(`${relay.url}/v1/chat/completions`, { model: 'ollama/llava', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://127.0.0.1:1/cat.png' } }] }] });
  t.equal(link.status, 400);
  t.match(link.json.error, { code: 'unsupported_content', param: 'messages[0].content[0].image_url.url' });
  const blind = await postJson(`${relay.url}/v1/chat/completions`, { model: 'ollama/gemma', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] }] });
  t.equal(blind.status, 400);
  t.match(blind.json.error, { code: 'unsupported_content', message: /gemma takes no images/ });
  t.equal((await chatBodies()).length, 1, 'neither refused request reached Ollama');
});

t.test('a model without the tools capability: refused before sending, so the chain can move on', async (t) => {
  const res = await postJson(`${relay.url}/v1/chat/completions`, { model: 'ollama/gemma', messages: [{ role: 'user', content: 'hi' }], tools: [weather] });
  t.equal(res.status, 400);
  t.match(res.json.error, { code: 'unsupported_tool', param: 'tools', message: /gemma cannot call tools/ });
  t.same(await chatBodies(), []);
});

t.test('the 2048-token cut is gone: a long conversation keeps its start', async (t) => {
  const filler = 'lorem ipsum dolor sit amet '.repeat(60);
  const messages = [{ role: 'user', content: 'Remember the code X-4471.' }, { role: 'assistant', content: 'Noted.' }];
  for (let i = 0; i < 8; i++) messages.push({ role: 'user', content: `${filler} (${i})` }, { role: 'assistant', content: 'ok' });
  messages.push({ role: 'user', content: 'What was the code?' });
  // Sent straight to the mock without num_ctx, the way Ollama's /v1 gets it: the start is cut off.
  const direct = await postJson(`${ollama.url}/api/chat`, { model: 'needle', messages, stream: false });
  t.equal(direct.json.message.content, 'I do not know the code', 'the mock cuts at 2048 tokens as Ollama does');
  const res = await relay.client.chat.completions.create({ model: 'ollama/needle', messages: messages as any });
  t.equal(res.choices[0].message.content, 'The code is X-4471.');
  const bodies = await chatBodies();
  t.equal(bodies.at(-1).options.num_ctx, 65536);
});

t.test('max tokens: num_predict, and done_reason "length" is finish_reason "length"', async (t) => {
  const res = await relay.client.chat.completions.create({ model: 'ollama/long', messages: [{ role: 'user', content: 'go on' }], max_completion_tokens: 3 });
  t.equal(res.choices[0].finish_reason, 'length');
  t.equal(res.choices[0].message.content, 'w0 w1 w2 ');
  t.equal((await chatBodies())[0].options.num_predict, 3);
});

t.test('JSON mode and json_schema become format; a client\'s own options win over lmrelay\'s', async (t) => {
  const schema = { type: 'object', properties: { age: { type: 'integer' } }, required: ['age'] };
  await relay.client.chat.completions.create({ model: 'ollama/echo', messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_schema', json_schema: { name: 'person', schema } } });
  await relay.client.chat.completions.create({ model: 'ollama/echo', messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_object' } });
  await postJson(`${relay.url}/v1/chat/completions`, { model: 'ollama/echo', messages: [{ role: 'user', content: 'hi' }], options: { num_ctx: 8192, num_gpu: 1 }, keep_alive: 0 });
  const [withSchema, jsonMode, own] = await chatBodies();
  t.same(withSchema.format, schema);
  t.equal(jsonMode.format, 'json');
  t.same(own.options, { num_ctx: 8192, num_gpu: 1 });
  t.equal(own.keep_alive, 0);
});

t.test("Ollama's errors: a model not pulled is 404 model_not_found; a 5xx is a bad gateway", async (t) => {
  const missing = await postJson(`${relay.url}/v1/chat/completions`, { model: 'ollama/nope', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(missing.status, 404);
  t.match(missing.json.error, { code: 'model_not_found', type: 'invalid_request_error', message: /model "nope" not found, try pulling it first/ });
  t.notMatch(missing.json.error.message, /baseUrl/, 'no baseUrl advice when the server names the model it lacks');
  const failing = await postJson(`${relay.url}/v1/chat/completions`, { model: 'ollama/status-500', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(failing.status, 502);
  t.match(failing.json.error, { code: 'upstream_error', message: /mock ollama failure 500/ });
});

t.test('an error line mid-stream ends the stream with an error event after what was sent', async (t) => {
  const res = await fetch(`${relay.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'ollama/error-after-2', stream: true, messages: [{ role: 'user', content: 'hi' }] }) });
  const text = await res.text();
  t.equal(res.status, 200);
  const events = text.split('\n\n').filter(Boolean).map((block) => block.replace(/^data: /, ''));
  const contents = events.filter((e) => e.startsWith('{"id"')).map((e) => JSON.parse(e).choices[0]?.delta?.content ?? '').join('');
  t.equal(contents, 'Hello from ');
  t.match(text, /unexpected EOF/);
  t.match(JSON.parse(events.find((e) => e.includes('unexpected EOF'))!), { error: { code: 'upstream_error' } });
});

t.test('the Responses API over Ollama: plain, streamed, and a tool call', async (t) => {
  const plain = await relay.client.responses.create({ model: 'ollama/qwen3', input: 'hi', instructions: 'Be brief.' });
  t.equal(plain.output_text, 'Hello from ollama qwen3');
  t.ok(plain.output.some((item) => item.type === 'reasoning'), 'the thinking is a reasoning item');
  const stream = relay.client.responses.stream({ model: 'ollama/llama3.2', input: 'hi' });
  let text = '';
  for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
  t.equal(text, 'Hello from ollama llama3.2');
  const final = await stream.finalResponse();
  t.equal(final.status, 'completed');
  const called = await relay.client.responses.create({ model: 'ollama/llama3.2', input: 'Weather in Paris?', tools: [{ type: 'function', name: 'get_weather', parameters: weather.function.parameters, strict: false }] });
  const call = called.output.find((item) => item.type === 'function_call') as any;
  t.same(JSON.parse(call.arguments), { city: 'Paris', days: 2 });
  const answered = await relay.client.responses.create({
    model: 'ollama/llama3.2',
    input: [{ role: 'user', content: 'Weather in Paris?' }, call, { type: 'function_call_output', call_id: call.call_id, output: 'rainy' }],
    tools: [{ type: 'function', name: 'get_weather', parameters: weather.function.parameters, strict: false }],
  });
  t.equal(answered.output_text, 'Tool said: rainy');
  const bodies = await chatBodies();
  t.equal(bodies[0].messages[0].role, 'system');
  t.same(bodies.at(-1).messages.at(-1), { role: 'tool', content: 'rainy', tool_name: 'get_weather', tool_call_id: call.call_id });
});

t.test('the Anthropic SDK over Ollama: plain, streamed with thinking, and tool_use', async (t) => {
  const client = anthropicClient(relay.url);
  const plain = await client.messages.create({ model: 'ollama/llama3.2', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
  t.same(plain.content, [{ type: 'text', text: 'Hello from ollama llama3.2' }]);
  t.equal(plain.stop_reason, 'end_turn');
  const stream = client.messages.stream({ model: 'ollama/qwen3', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
  const message = await stream.finalMessage();
  t.same(message.content.map((b) => b.type), ['thinking', 'text']);
  t.match(message.content[0], { thinking: 'Let me think.' });
  t.match(message.content[1], { text: 'Hello from ollama qwen3' });
  const tools = [{ name: 'get_weather', description: 'Weather in a city', input_schema: weather.function.parameters as any }];
  const used = await client.messages.create({ model: 'ollama/llama3.2', max_tokens: 100, tools, messages: [{ role: 'user', content: 'Weather?' }] });
  const block = used.content.find((b) => b.type === 'tool_use') as any;
  t.same(block.input, { city: 'Paris', days: 2 });
  t.equal(used.stop_reason, 'tool_use');
  const after = await client.messages.create({
    model: 'ollama/llama3.2',
    max_tokens: 100,
    tools,
    messages: [{ role: 'user', content: 'Weather?' }, { role: 'assistant', content: used.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: block.id, content: 'windy' }] }],
  });
  t.same(after.content, [{ type: 'text', text: 'Tool said: windy' }]);
  t.equal((await chatBodies())[0].options.num_predict, 100);
});

t.test('the models Ollama has are listed, from /api/tags', async (t) => {
  const list = await relay.client.models.list();
  const ids = list.data.map((m) => m.id);
  t.ok(ids.includes('ollama/llama3.2:latest'), ids.join());
  t.ok(ids.includes('ollama/qwen3:latest'));
});

t.test('embeddings through Ollama', async (t) => {
  const res = await relay.client.embeddings.create({ model: 'ollama/nomic-embed-text', input: ['abc', 'de'], encoding_format: 'float' });
  t.same(res.data.map((d) => d.embedding), [[3, 0, 0.5], [2, 1, 0.5]]);
  const [req] = (await ollama.requests()).filter((r) => r.path === '/v1/embeddings');
  t.equal(req.body.model, 'nomic-embed-text');
});
