/**
 * Stored responses through a Chat-only upstream: previous_response_id chains replayed into what
 * the upstream receives, item_reference (the Vercel AI SDK's default), GET / DELETE /
 * input_items / cancel as OpenAI answers them, store:false, streamed turns, and one key never
 * seeing another's responses, whatever the spelling of the id.
 */
import t from 'tap';
import OpenAI from 'openai';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, tool, type ModelMessage } from 'ai';
import { z } from 'zod';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, postJson, type RelayUnderTest } from '../helpers/relay.js';
import { checkedFetch, openResponsesChecker } from '../helpers/open-responses.js';
import { rawRequest } from '../helpers/raw-http.js';

const KEY_A = 'sk-stored-alice-0123456789';
const KEY_B = 'sk-stored-bob-0123456789';
let mock: MockUpstream;
let relay: RelayUnderTest;
let alice: OpenAI;
let bob: OpenAI;

t.before(async () => {
  mock = await startMock('vllm', ['--only', 'chat']);
  relay = await startRelay({
    server: { apiKeys: [KEY_A, { key: KEY_B, name: 'bob' }] },
    models: { providers: { chat: { baseUrl: mock.baseUrl, models: [{ id: 'm' }, { id: 'tool' }, { id: 'echo' }] } } },
  });
  const client = (apiKey: string) => new OpenAI({ baseURL: `${relay.url}/v1`, apiKey, maxRetries: 0, timeout: 20_000, fetch: checkedFetch });
  alice = client(KEY_A);
  bob = client(KEY_B);
});
t.teardown(async () => {
  await relay.close();
  await mock.close();
});

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const lastChatBody = async () => (await mock.requests()).filter((r) => r.path === '/v1/chat/completions').at(-1)!.body;
/** The messages the upstream got, as role: text. */
const spoken = (messages: any[]) => messages.map((m) => `${m.role}: ${typeof m.content === 'string' ? m.content : JSON.stringify(m.content)}`);

async function get(path: string, key = KEY_A, method = 'GET') {
  const res = await fetch(`${relay.url}${path}`, { method, headers: auth(key) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

function schemaProblems(response: unknown): string[] {
  return openResponsesChecker()?.checkResponse(response) ?? [];
}

t.test('the openai SDK chains three turns with previous_response_id; retrieve, list input items, delete', async (t) => {
  const one = await alice.responses.create({ model: 'chat/m', input: 'My name is Ada.', instructions: 'Be brief.' });
  t.equal((one as any).store, true, 'stored: the API default');
  t.equal(one.output_text, 'Hello from vllm m');
  t.same(spoken((await lastChatBody()).messages), ['system: Be brief.', 'user: My name is Ada.']);

  const two = await alice.responses.create({ model: 'chat/m', input: 'What is my name?', previous_response_id: one.id });
  t.equal(two.previous_response_id, one.id);
  t.same(
    spoken((await lastChatBody()).messages),
    ['user: My name is Ada.', 'assistant: [{"type":"text","text":"Hello from vllm m"}]', 'user: What is my name?'],
    'the upstream got the conversation; the first turn\'s instructions are not carried over (as OpenAI does)',
  );

  const three = await alice.responses.create({ model: 'chat/m', input: [{ role: 'user', content: 'And again?' }], previous_response_id: two.id, instructions: 'Answer in French.' });
  t.same(spoken((await lastChatBody()).messages), [
    'system: Answer in French.',
    'user: My name is Ada.',
    'assistant: [{"type":"text","text":"Hello from vllm m"}]',
    'user: What is my name?',
    'assistant: [{"type":"text","text":"Hello from vllm m"}]',
    'user: And again?',
  ]);
  t.not(new Set([one.id, two.id, three.id]).size, 2, 'three ids');
  t.match(three.id, /^resp_[0-9a-f]{24}$/, 'a random id');

  const got = await alice.responses.retrieve(two.id);
  t.same(got, two, 'GET gives the Response as it was answered');
  t.same(schemaProblems(got), [], 'and it is a valid Response object');

  const items = await alice.responses.inputItems.list(three.id);
  t.same(
    items.data.map((i: any) => [i.type, i.role, i.content[0].text]),
    [
      ['message', 'user', 'And again?'],
      ['message', 'assistant', 'Hello from vllm m'],
      ['message', 'user', 'What is my name?'],
      ['message', 'assistant', 'Hello from vllm m'],
      ['message', 'user', 'My name is Ada.'],
    ],
    'the whole input of turn three, latest first',
  );
  t.ok(items.data.every((i: any) => typeof i.id === 'string' && i.status === 'completed'), 'each with an id');
  t.match((items.data[4] as any).content[0], { type: 'input_text' });
  t.match((items.data[3] as any).content[0], { type: 'output_text' });

  const firstPage = await get(`/v1/responses/${three.id}/input_items?order=asc&limit=2`);
  t.equal(firstPage.status, 200);
  t.same(firstPage.json.data.map((i: any) => i.content[0].text), ['My name is Ada.', 'Hello from vllm m']);
  t.match(firstPage.json, { object: 'list', has_more: true, first_id: items.data[4].id, last_id: items.data[3].id });
  const nextPage = await get(`/v1/responses/${three.id}/input_items?order=asc&limit=2&after=${firstPage.json.last_id}`);
  t.same(nextPage.json.data.map((i: any) => i.content[0].text), ['What is my name?', 'Hello from vllm m']);
  const lastPage = await get(`/v1/responses/${three.id}/input_items?order=asc&limit=2&after=${nextPage.json.last_id}`);
  t.match(lastPage.json, { has_more: false, data: [{ content: [{ text: 'And again?' }] }] });
  const before = await get(`/v1/responses/${three.id}/input_items?order=asc&before=${items.data[2].id}`);
  t.same(before.json.data.map((i: any) => i.content[0].text), ['My name is Ada.', 'Hello from vllm m']);
  for (const bad of ['limit=0', 'limit=101', 'limit=x', 'order=up', 'after=msg_nope', 'limit=1&limit=2']) {
    const res = await get(`/v1/responses/${three.id}/input_items?${bad}`);
    t.equal(res.status, 400, bad);
    t.match(res.json.error, { type: 'invalid_request_error', code: 'invalid_value' });
  }

  const deleted = await alice.responses.delete(one.id);
  t.same(deleted, { id: one.id, object: 'response.deleted', deleted: true } as any, 'the deleted object as OpenAI answers it');
  const gone = await get(`/v1/responses/${one.id}`);
  t.equal(gone.status, 404);
  t.same(gone.json, { error: { message: `Response with id '${one.id}' not found.`, type: 'invalid_request_error', param: null, code: 'not_found' } });
  t.equal((await get(`/v1/responses/${one.id}`, KEY_A, 'DELETE')).status, 404, 'deleted once only');
  const cont = await postJson(`${relay.url}/v1/responses`, { model: 'chat/m', input: 'x', previous_response_id: one.id }, auth(KEY_A));
  t.equal(cont.status, 400);
  t.match(cont.json.error, { code: 'previous_response_not_found', param: 'previous_response_id' });
  const four = await alice.responses.create({ model: 'chat/m', input: 'Still there?', previous_response_id: three.id });
  t.equal((await lastChatBody()).messages.length, 7, 'a later turn holds the whole conversation, whatever became of the first');
  t.equal(four.status, 'completed');
});

t.test('streamed turns are stored, tool calls and their outputs replayed in pairs', async (t) => {
  const tools = [{ type: 'function' as const, name: 'weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: false }];
  const stream = alice.responses.stream({ model: 'chat/tool', input: 'Weather in Paris?', tools });
  let completed: unknown;
  for await (const event of stream) if (event.type === 'response.completed') completed = event.response;
  const final = await stream.finalResponse();
  const call = final.output.find((i) => i.type === 'function_call') as any;
  t.match(call, { name: 'weather', arguments: '{"city":"Paris"}' });
  t.same((await get(`/v1/responses/${final.id}`)).json, completed, 'the streamed Response is stored as it ended');

  const next = alice.responses.stream({ model: 'chat/tool', previous_response_id: final.id, tools, input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny' }] });
  const answer = await next.finalResponse();
  t.equal(answer.output_text, 'Tool said: sunny');
  const sent = (await lastChatBody()).messages;
  t.same(
    sent.map((m: any) => [m.role, m.tool_calls?.[0]?.id ?? m.tool_call_id ?? null]),
    [
      ['user', null],
      ['assistant', call.call_id],
      ['tool', call.call_id],
    ],
    'the call and its output, paired',
  );
  t.same(sent[1].tool_calls[0].function, { name: 'weather', arguments: '{"city":"Paris"}' });
});

t.test("a replayed answer's text and the calls it made reach a Chat upstream as one assistant message", async (t) => {
  const first = await alice.responses.create({
    model: 'chat/m',
    input: [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: 'Checking.' },
      { type: 'function_call', call_id: 'call_9', name: 'weather', arguments: '{"city":"Oslo"}' },
      { type: 'function_call_output', call_id: 'call_9', output: 'rain' },
    ],
  });
  await alice.responses.create({ model: 'chat/m', input: 'Thanks', previous_response_id: first.id });
  const sent = (await lastChatBody()).messages;
  t.same(
    sent.map((m: any) => [m.role, m.content, m.tool_calls?.map((c: any) => c.id) ?? m.tool_call_id ?? null]),
    [
      ['user', 'Weather?', null],
      ['assistant', 'Checking.', ['call_9']],
      ['tool', 'rain', 'call_9'],
      ['assistant', [{ type: 'text', text: 'Tool said: rain' }], null],
      ['user', 'Thanks', null],
    ],
  );
});

t.test('store: false keeps nothing', async (t) => {
  const res = await alice.responses.create({ model: 'chat/m', input: 'secret', store: false });
  t.equal((res as any).store, false);
  t.equal((await get(`/v1/responses/${res.id}`)).status, 404);
  const cont = await postJson(`${relay.url}/v1/responses`, { model: 'chat/m', input: 'x', previous_response_id: res.id }, auth(KEY_A));
  t.equal(cont.status, 400);
  t.equal(cont.json.error.code, 'previous_response_not_found');
  const streamed = alice.responses.stream({ model: 'chat/m', input: 'secret', store: false });
  const final = await streamed.finalResponse();
  t.equal((final as any).store, false);
  t.equal((await get(`/v1/responses/${final.id}`)).status, 404);
});

t.test("one key never reads, continues, lists, cancels or deletes another's responses", async (t) => {
  const mine = await alice.responses.create({ model: 'chat/m', input: 'private to Alice' });
  for (const [method, path] of [['GET', ''], ['GET', '/input_items'], ['POST', '/cancel'], ['DELETE', '']] as const) {
    const res = await get(`/v1/responses/${mine.id}${path}`, KEY_B, method);
    t.equal(res.status, 404, `${method} ${path || '/'} with the other key`);
    t.equal(res.json.error.code, 'not_found');
  }
  const cont = await postJson(`${relay.url}/v1/responses`, { model: 'chat/m', input: 'x', previous_response_id: mine.id }, auth(KEY_B));
  t.equal(cont.status, 400);
  t.equal(cont.json.error.code, 'previous_response_not_found');
  const item = mine.output[0] as any;
  const ref = await postJson(`${relay.url}/v1/responses`, { model: 'chat/m', input: [{ type: 'item_reference', id: item.id }] }, auth(KEY_B));
  t.equal(ref.status, 404, "another key's item is not found either");
  t.match(ref.json.error, { code: 'not_found', param: 'input[0]' });
  t.same(await alice.responses.retrieve(mine.id), mine, 'still there for its owner');
  const bobs = await bob.responses.create({ model: 'chat/m', input: 'x', previous_response_id: undefined });
  t.equal((await get(`/v1/responses/${bobs.id}`, KEY_B)).status, 200, 'Bob reads his own');
  t.equal((await get(`/v1/responses/${bobs.id}`, KEY_A)).status, 404);
});

t.test('cancel answers as OpenAI does for a response that was not a background one', async (t) => {
  const res = await alice.responses.create({ model: 'chat/m', input: 'x' });
  const cancel = await get(`/v1/responses/${res.id}/cancel`, KEY_A, 'POST');
  t.equal(cancel.status, 400);
  t.match(cancel.json.error, { type: 'invalid_request_error', message: /background=true/ });
  t.equal((await get('/v1/responses/resp_000000000000000000000000/cancel', KEY_A, 'POST')).status, 404);
});

t.test('item_reference: a stored item is put back in place; an unknown one is 404', async (t) => {
  const first = await alice.responses.create({ model: 'chat/m', input: 'Hi' });
  await alice.responses.create({ model: 'chat/m', input: [{ role: 'user', content: 'Hi' }, { type: 'item_reference', id: first.output[0].id! } as any, { role: 'user', content: 'Again' }] });
  t.same(spoken((await lastChatBody()).messages), ['user: Hi', 'assistant: [{"type":"text","text":"Hello from vllm m"}]', 'user: Again']);
  const unknown = await postJson(`${relay.url}/v1/responses`, { model: 'chat/m', input: [{ role: 'user', content: 'Hi' }, { type: 'item_reference', id: 'msg_unknown' }] }, auth(KEY_A));
  t.equal(unknown.status, 404);
  t.match(unknown.json.error, { code: 'not_found', param: 'input[1]', message: "Item with id 'msg_unknown' not found. Items are kept only when `store` is true, and for state.responses.ttlSeconds." });
});

t.test('the Vercel AI SDK holds a three-turn conversation with a tool, store at its default (item_reference)', async (t) => {
  const sentBySdk: any[] = [];
  const recording: typeof fetch = (input, init) => {
    if (typeof init?.body === 'string') sentBySdk.push(JSON.parse(init.body));
    return checkedFetch(input, init);
  };
  const provider = createOpenAI({ baseURL: `${relay.url}/v1`, apiKey: KEY_A, fetch: recording });
  const weather = tool({ description: 'Weather of a city', inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => `sunny in ${city}` });
  const messages: ModelMessage[] = [];
  const bodies: any[] = [];
  for (const question of ['Weather in Paris?', 'And tomorrow?', 'And the day after?']) {
    messages.push({ role: 'user', content: question });
    const before = (await mock.requests()).length;
    const result = await generateText({ model: provider.responses('chat/tool'), messages, tools: { weather }, stopWhen: stepCountIs(3) });
    t.equal(result.text, 'Tool said: sunny in Paris', question);
    messages.push(...result.response.messages);
    bodies.push(...(await mock.requests()).slice(before).map((r) => r.body));
  }
  const last = bodies.at(-1).messages;
  t.same(
    last.map((m: any) => m.role),
    ['user', 'assistant', 'tool', 'assistant', 'user', 'assistant', 'tool', 'assistant', 'user', 'assistant', 'tool'],
    'the third turn reached the upstream with the whole conversation',
  );
  for (let i = 0; i < last.length; i++) {
    if (last[i].role === 'tool') t.equal(last[i].tool_call_id, last[i - 1].tool_calls?.[0]?.id, `tool result ${i} follows its call`);
  }
  const lastSent = sentBySdk.at(-1);
  t.equal(lastSent.store, undefined, 'store left at its default');
  t.ok(
    lastSent.input.filter((i: any) => i.type === 'item_reference').length >= 4,
    'the SDK sent its earlier output as item_reference, and lmrelay put the items back',
  );
});

t.test('hostile ids on the {id} routes: a clear 404 or 400, never a crash', async (t) => {
  const real = await alice.responses.create({ model: 'chat/m', input: 'x' });
  const id = real.id;
  const spellings = [
    id.toUpperCase(),
    `${id}%00`,
    `${id}%20`,
    `%2e%2e%2f${id}`,
    `..%2F..%2Fetc%2Fpasswd`,
    `..%5c..%5cwindows`,
    `${id}/..`,
    `/${id}`,
    `${id}%2F`,
    'résp_é',
    encodeURIComponent('模型_响应'),
    '%ZZ',
    '%',
    'a'.repeat(5000),
    `${id}${'b'.repeat(200)}`,
    'resp_' + '%41'.repeat(300),
    '%F0%9F%92%A9',
    '*',
    'null',
    '__proto__',
    'constructor',
  ];
  for (const spelled of spellings) {
    for (const [method, suffix] of [['GET', ''], ['DELETE', ''], ['GET', '/input_items'], ['POST', '/cancel']] as const) {
      const res = await rawRequest(relay.url, method, `/v1/responses/${spelled}${suffix}`, auth(KEY_A));
      if (![400, 404, 414].includes(res.status)) t.fail(`${method} ${spelled.slice(0, 40)}${suffix}: ${res.status}`);
      t.match(res.json, { error: { code: String, type: String, message: String } }, `${method} ${spelled.slice(0, 40)}${suffix}: an OpenAI-shaped ${res.status}`);
    }
  }
  for (const hostile of ['x'.repeat(100_000), `../../${id}`, 'résp_é', `${id}\u0000`, id.toUpperCase(), ' ']) {
    const cont = await postJson(`${relay.url}/v1/responses`, { model: 'chat/m', input: 'x', previous_response_id: hostile }, auth(KEY_A));
    t.equal(cont.status, 400, `previous_response_id ${JSON.stringify(hostile.slice(0, 20))}`);
    t.equal(cont.json.error.code, 'previous_response_not_found');
    t.ok(cont.json.error.message.length < 200, 'the message quotes a long id cut short');
    const ref = await postJson(`${relay.url}/v1/responses`, { model: 'chat/m', input: [{ type: 'item_reference', id: hostile }] }, auth(KEY_A));
    t.equal(ref.status, 404, `item_reference ${JSON.stringify(hostile.slice(0, 20))}`);
  }
  const encoded = await get(`/v1/responses/${encodeURIComponent(id).replace('r', '%72')}`);
  t.equal(encoded.status, 200, 'a percent-encoded spelling of the real id is that id');
  t.same(await alice.responses.retrieve(id), real, 'the server is unharmed');
  t.equal((await get(`/v1/responses/${id}`, 'wrong-key')).status, 401);
});
