/**
 * What an upstream receives from a Messages request: the Chat request a Chat server gets
 * (read back through the mock's `echo` model), the body and headers an Anthropic server gets
 * (passed through), images only for models that take them, and count_tokens.
 */
import t from 'tap';
import type Anthropic from '@anthropic-ai/sdk';
import { startMock, type MockUpstream } from '../../helpers/mock.js';
import { startRelay, postJson, staticLookup, type RelayUnderTest } from '../../helpers/relay.js';
import { anthropicClient } from '../../helpers/anthropic.js';

let chat: MockUpstream;
let anthropic: MockUpstream;
let vllm: MockUpstream;
let relay: RelayUnderTest;
let client: Anthropic;

const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const image = { type: 'image' as const, source: { type: 'base64' as const, media_type: 'image/png' as const, data: PIXEL } };

t.before(async () => {
  [chat, anthropic, vllm] = await Promise.all([startMock('llamacpp', ['--only', 'chat']), startMock('openai'), startMock('vllm', ['--only', 'chat'])]);
  relay = await startRelay({
    models: {
      providers: {
        chat: {
          baseUrl: chat.baseUrl,
          apiKey: 'chat-key',
          models: [{ id: 'echo', maxTokens: 1000, reasoning: true }, { id: 'text-only', input: ['text'] }, { id: 'vision', input: ['text', 'image'] }, { id: 'plain' }],
        },
        vllm: { baseUrl: vllm.baseUrl, apiKey: 'vllm-key', models: [{ id: 'Qwen/Qwen3-8B' }] },
        // A hosted OpenAI-style provider (a public name, answered here by the vLLM mock).
        hosted: { baseUrl: `http://api.hosted-llm.example:${vllm.port}/v1`, apiKey: 'sk-hosted-0123456789', models: [{ id: 'big' }] },
        anth: { baseUrl: anthropic.baseUrl, apiKey: 'anth-provider-key', api: 'anthropic-messages', models: [{ id: 'echo' }, { id: 'plain', input: ['text'] }] },
      },
    },
    agents: { defaults: { models: { 'chat/text-only': { fallbacks: ['chat/vision'] } } } },
  }, { lookup: staticLookup({ 'api.hosted-llm.example': '127.0.0.1' }) });
  client = anthropicClient(relay.url);
});
t.teardown(async () => {
  await relay?.close();
  await Promise.all([chat, anthropic, vllm].map((m) => m?.close()));
});

/** The Chat request the echo model received, from its reply. */
async function chatRequestFor(body: Record<string, unknown>): Promise<any> {
  const message = await client.messages.create({ model: 'chat/echo', max_tokens: 500, messages: [{ role: 'user', content: 'hi' }], ...body } as any);
  return JSON.parse((message.content[0] as { text: string }).text);
}

t.test('fields and content a Chat server receives', async (t) => {
  const sent = await chatRequestFor({
    system: [
      { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.112; cch=00000;' },
      { type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'Answer in French.' },
    ],
    max_tokens: 32000,
    temperature: 0.2,
    top_p: 0.9,
    top_k: 40,
    stop_sequences: ['END'],
    metadata: { user_id: 'user-7' },
    thinking: { type: 'enabled', budget_tokens: 4096 },
    service_tier: 'auto',
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Look:' }, image, { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'a note' } }] },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'redacted_thinking', data: 'xx' }, { type: 'text', text: 'Seen.' }] },
      { role: 'system', content: [{ type: 'text', text: 'Be briefer still.' }] },
      { role: 'user', content: 'And now?' },
    ],
  });
  // `user` is an OpenAI-only identifier: a local server never gets it.
  t.notOk('user' in sent, 'metadata.user_id does not reach a local server');
  t.match(sent, {
    model: 'echo',
    max_tokens: 1000,
    temperature: 0.2,
    top_p: 0.9,
    top_k: 40,
    stop: ['END'],
    reasoning_effort: 'medium',
  });
  t.equal(sent.max_tokens, 1000, "max_tokens is capped at the model's maxTokens");
  t.notOk('service_tier' in sent || 'metadata' in sent || 'thinking' in sent || 'system' in sent, 'Anthropic-only fields are not sent');
  t.same(sent.messages, [
    { role: 'system', content: 'You are terse.\n\nAnswer in French.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Look:' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PIXEL}` } },
        { type: 'text', text: 'a note' },
      ],
    },
    { role: 'assistant', content: 'Seen.', reasoning_content: 'hmm' },
    { role: 'system', content: 'Be briefer still.' },
    { role: 'user', content: 'And now?' },
  ]);
});

t.test('tool_choice and parallel tool use, tool results with images', async (t) => {
  const tools = [{ name: 'weather', input_schema: { type: 'object', properties: {} } }];
  const cases: Array<[unknown, Record<string, unknown>]> = [
    [{ type: 'auto' }, { tool_choice: 'auto' }],
    [{ type: 'any' }, { tool_choice: 'required' }],
    [{ type: 'tool', name: 'weather', disable_parallel_tool_use: true }, { tool_choice: { type: 'function', function: { name: 'weather' } }, parallel_tool_calls: false }],
    [{ type: 'none' }, { tool_choice: 'none' }],
  ];
  for (const [choice, want] of cases) t.match(await chatRequestFor({ tools, tool_choice: choice }), want, JSON.stringify(choice));

  const sent = await chatRequestFor({
    tools,
    messages: [
      { role: 'user', content: 'Screenshot the page' },
      { role: 'assistant', content: [{ type: 'text', text: 'On it.' }, { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } }, { type: 'tool_use', id: 'toolu_2', name: 'weather', input: {} }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'rain' }, image] },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'failed', is_error: true },
          { type: 'text', text: 'Go on.' },
        ],
      },
    ],
  });
  t.same(sent.messages, [
    { role: 'user', content: 'Screenshot the page' },
    {
      role: 'assistant',
      content: 'On it.',
      tool_calls: [
        { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
        { id: 'toolu_2', type: 'function', function: { name: 'weather', arguments: '{}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'toolu_1', content: 'rain' },
    { role: 'tool', tool_call_id: 'toolu_2', content: 'failed' },
    // Chat's tool messages hold no images: they follow in a user turn, before the user's text.
    { role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${PIXEL}` } }, { type: 'text', text: 'Go on.' }] },
  ]);
});

t.test('content a translation cannot carry gets a clear 400, in Anthropic shape', async (t) => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ messages: [{ role: 'user', content: [{ type: 'search_result', source: 'x', title: 't', content: [] }] }] }, /messages\[0\]\.content\[0\]: content block type "search_result" is not supported here/],
    [{ messages: [{ role: 'assistant', content: [{ type: 'server_tool_use', id: 's', name: 'web_search', input: {} }] }] }, /messages\[0\]\.content\[0\]: content block type "server_tool_use"/],
    [{ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f1' } }] }] }, /source type "file" is not supported \(use base64 or url\)/],
    [{ tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, /tools\[0\]: tool type "web_search_20250305" is one of Anthropic's server tools/],
  ];
  for (const [body, message] of cases) {
    const res = await postJson(`${relay.url}/v1/messages`, { model: 'chat/plain', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], ...body });
    t.equal(res.status, 400, String(message));
    t.match(res.json, { type: 'error', error: { type: 'invalid_request_error', message } });
  }
  t.notOk((await chat.requests()).some((r) => r.body?.model === 'plain'), 'nothing reached the upstream');
});

t.test("images only for a model whose input lists them; the chain moves on to one that does", async (t) => {
  await chat.reset();
  const withImage = { max_tokens: 10, messages: [{ role: 'user' as const, content: [image, { type: 'text' as const, text: 'What is this?' }] }] };
  const refused = await client.messages.create({ model: 'chat/text-only', ...withImage }, { headers: { 'x-lmrelay-fallbacks': 'none' } }).catch((err) => err);
  t.equal(refused.status, 400);
  t.match(refused.error, { type: 'error', error: { type: 'invalid_request_error', message: /chat\/text-only takes text only: this request holds an image \(list "image" in the model's input to allow it\)/ } });
  const passThroughRefused = await client.messages.create({ model: 'anth/plain', ...withImage }).catch((err) => err);
  t.equal(passThroughRefused.status, 400, 'also before a pass-through');
  t.same(await chat.requests(), [], 'refused before anything was sent');

  const { data, response } = await client.messages.create({ model: 'chat/text-only', ...withImage }).withResponse();
  t.match(data.content, [{ type: 'text', text: 'Hello from llamacpp vision' }]);
  t.equal(response.headers.get('x-lmrelay-model'), 'chat/vision');
  t.equal(response.headers.get('x-lmrelay-attempts'), '1', 'a refusal before sending is no attempt');
  t.match(await client.messages.create({ model: 'chat/plain', ...withImage }), { content: [{ text: 'Hello from llamacpp plain' }] }, 'a model that declares no input is not judged');
});

t.test('an Anthropic upstream gets the body as sent, its own key and version, the client beta', async (t) => {
  await anthropic.reset();
  const body = {
    model: 'anth/echo',
    max_tokens: 50,
    system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral', ttl: '1h' } }] }],
    metadata: { user_id: 'u1' },
    context_management: { edits: [] },
  };
  const res = await postJson(`${relay.url}/v1/messages`, body, { 'x-api-key': 'client-key', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'context-management-2025-06-27,extended-cache-ttl-2025-04-11' });
  t.equal(res.status, 200);
  t.same(JSON.parse(res.json.content[0].text), { ...body, model: 'echo' }, 'the body as the client sent it, under the upstream id');
  const [seen] = await anthropic.requests();
  t.equal(seen.headers['x-api-key'], 'anth-provider-key', "the provider's key, never the client's");
  t.equal(seen.headers['anthropic-version'], '2023-06-01');
  t.equal(seen.headers['anthropic-beta'], 'context-management-2025-06-27,extended-cache-ttl-2025-04-11');
  t.notOk(seen.headers.authorization);

  await chat.reset();
  await postJson(`${relay.url}/v1/messages`, { model: 'chat/plain', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }, { 'anthropic-beta': 'x-beta' });
  const [chatSeen] = await chat.requests();
  t.notOk(chatSeen.headers['anthropic-beta'], 'a Chat server never sees anthropic-beta');
  t.equal(chatSeen.headers.authorization, 'Bearer chat-key');
});

t.test('count_tokens: the upstream count where it has one, else an estimate that says so', async (t) => {
  const body = { messages: [{ role: 'user', content: 'How many tokens is this sentence?' }], system: 'Be brief.' };
  const upstream = await postJson(`${relay.url}/v1/messages/count_tokens`, { model: 'anth/plain', ...body }, { 'anthropic-beta': 'token-counting-2024-11-01' });
  t.equal(upstream.status, 200);
  t.same(upstream.json, { input_tokens: 42 });
  t.equal(upstream.headers.get('x-lmrelay-token-count'), 'upstream');
  const seen = (await anthropic.requests()).at(-1)!;
  t.match(seen, { path: '/v1/messages/count_tokens', headers: { 'x-api-key': 'anth-provider-key', 'anthropic-beta': 'token-counting-2024-11-01' }, body: { model: 'plain' } });

  await chat.reset();
  const textChars = 'Be brief.'.length + 'How many tokens is this sentence?'.length;
  for (let i = 0; i < 2; i++) {
    const estimate = await client.messages.countTokens({ model: 'chat/plain', ...body } as any).withResponse();
    t.equal(estimate.response.headers.get('x-lmrelay-token-count'), 'estimate');
    // About characters / 4 (the roles' names count too).
    t.ok(estimate.data.input_tokens >= textChars / 4 && estimate.data.input_tokens <= textChars / 4 + 5, `about characters / 4: ${estimate.data.input_tokens}`);
  }
  const asked = (await chat.requests()).filter((r) => r.method === 'POST').map((r) => r.path);
  t.same(asked, ['/v1/messages/count_tokens', '/apply-template', '/tokenize'], "each way is asked once: a server without any is remembered");

  const counted = await client.messages.countTokens({ model: 'vllm/Qwen/Qwen3-8B', ...body, tools: [{ name: 'f', input_schema: { type: 'object' } }] } as any).withResponse();
  t.equal(counted.response.headers.get('x-lmrelay-token-count'), 'upstream');
  t.equal(counted.data.input_tokens, 2 * 10 + 100, "vLLM's /tokenize count (the mock's: 10 a message, 100 a tool)");
  const tokenized = (await vllm.requests()).find((r) => r.path === '/tokenize');
  t.match(tokenized?.body, { model: 'Qwen/Qwen3-8B', add_generation_prompt: true, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user' }], tools: [{ type: 'function', function: { name: 'f' } }] });

  await vllm.reset();
  const hosted = await client.messages.countTokens({ model: 'hosted/big', ...body } as any).withResponse();
  t.equal(hosted.response.headers.get('x-lmrelay-token-count'), 'estimate');
  t.same((await vllm.requests()).filter((r) => r.method === 'POST').map((r) => r.path), ['/v1/messages/count_tokens'], 'a hosted provider is asked under its API path only: no prompt sent to its root /tokenize');

  const missing = await postJson(`${relay.url}/v1/messages/count_tokens`, { model: 'nope', ...body });
  t.equal(missing.status, 404);
  t.match(missing.json, { type: 'error', error: { type: 'not_found_error', message: /nope/ } });
});
