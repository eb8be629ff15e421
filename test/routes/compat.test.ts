/**
 * Per-model compat adapters against mock servers that fail the way real ones do. Each case is
 * asked twice: through a model with the setting (works) and through the same upstream model
 * without it (the server's real failure), so each test fails with the adapter switched off.
 */
import t from 'tap';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, postJson, type RelayUnderTest } from '../helpers/relay.js';

let mock: MockUpstream;
let relay: RelayUnderTest;
const tools = [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } }];

t.before(async () => {
  mock = await startMock('vllm');
  relay = await startRelay({
    models: {
      providers: {
        on: {
          baseUrl: mock.baseUrl,
          models: [
            { id: 'strict-content', compat: { requiresStringContent: true } },
            { id: 'echo', compat: { requiresStringContent: true }, input: ['text', 'image'] },
            { id: 'no-tools-template', compat: { supportsTools: false } },
            { id: 'no-developer', compat: { supportsDeveloperRole: false } },
            { id: 'max-completion-only', compat: { maxTokensField: 'max_completion_tokens' } },
            { id: 'no-strict', compat: { supportsStrictTools: false } },
            { id: 'no-stream-options', compat: { supportsUsageInStreaming: false } },
            { id: 'bracket' },
            { id: 'bracket-unknown' },
            { id: 'bracket-lmstudio' },
            { id: 'array-brackets' },
            { id: 'small', contextWindow: 8000 },
            { id: 'ctx-20k', contextWindow: 20000 },
            { id: 'ctx-200k', contextWindow: 200000 },
          ],
        },
        off: { baseUrl: mock.baseUrl, models: [] },
        nobracket: { baseUrl: mock.baseUrl, models: [{ id: 'bracket', compat: { bracketToolCalls: false } }] },
      },
    },
    agents: {
      defaults: {
        experimental: { leanDropTools: ['browser', 'cron', 'message'] },
        models: {
          'on/echo': { params: { temperature: 0.3, extra_body: { tool_choice: 'required' } }, localModelLean: true },
          'on/ctx-20k': { fallbacks: ['on/ctx-200k'] },
        },
      },
    },
  });
});
t.teardown(async () => {
  await relay.close();
  await mock.close();
});

const chat = (model: string, extra: Record<string, unknown> = {}) =>
  postJson(`${relay.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }], ...extra });
const lastSeen = async () => (await mock.requests()).at(-1)!.body;
const warnings = (pattern: RegExp) => relay.logs.filter((l) => l.level === 40 && pattern.test(l.msg));

t.test('requiresStringContent: arrays flattened; non-text parts refused or kept by input', async (t) => {
  const parts = { messages: [{ role: 'system', content: [{ type: 'text', text: 'Be nice.' }] }, { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }] };
  const off = await chat('off/strict-content', parts);
  t.equal(off.status, 400, 'the strict server rejects arrays');
  t.match(off.json.error.message, /Input should be a valid string/);
  const on = await chat('on/strict-content', parts);
  t.equal(on.status, 200);
  t.same((await lastSeen()).messages, [{ role: 'system', content: 'Be nice.' }, { role: 'user', content: 'a\nb' }]);
  const image = { messages: [{ role: 'user', content: [{ type: 'text', text: 'see' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] }] };
  const refused = await chat('on/strict-content', image);
  t.equal(refused.status, 400);
  t.match(refused.json.error.message, /on\/strict-content takes text only: messages\[0\] has a "image_url" part/);
  const kept = await chat('on/echo', image);
  t.equal(kept.status, 200, 'a model that lists image input keeps its array');
  t.ok(Array.isArray((await lastSeen()).messages[0].content));
});

t.test('supportsTools: false drops tools and renders tool turns as text, warning once', async (t) => {
  const history = {
    tools,
    messages: [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
    ],
  };
  const off = await chat('off/no-tools-template', history);
  t.equal(off.status, 502, 'the template error is a 5xx upstream');
  const on = await chat('on/no-tools-template', history);
  t.equal(on.status, 200);
  const seen = await lastSeen();
  t.notOk('tools' in seen || 'tool_choice' in seen);
  t.same(seen.messages.slice(1), [
    { role: 'assistant', content: '[called tool weather with {"city":"Paris"}]' },
    { role: 'user', content: '[result of tool weather]\nsunny' },
  ]);
  await chat('on/no-tools-template', history);
  t.equal(warnings(/tools are dropped/).length, 1, 'warned once per model');
});

t.test('params merged, extra_body last, tool_choice auto by default, lean tools dropped', async (t) => {
  await chat('on/echo', { temperature: 0.9, tools: [...tools, { type: 'function', function: { name: 'browser', parameters: {} } }] });
  const seen = await lastSeen();
  t.equal(seen.temperature, 0.9, 'the client overrides params');
  t.equal(seen.tool_choice, 'required', 'extra_body wins');
  t.same(seen.tools.map((x: any) => x.function.name), ['weather'], 'localModelLean drops browser');
  await chat('on/echo', {});
  t.equal((await lastSeen()).temperature, 0.3, 'params fill in what the client did not set');
  await chat('off/echo', { tools });
  t.equal((await lastSeen()).tool_choice, 'auto', 'tools and no tool_choice: auto');
  await chat('off/echo', { tools, tool_choice: 'none' });
  t.equal((await lastSeen()).tool_choice, 'none', 'an explicit choice is kept');
});

t.test('developer role, max tokens field, strict tools, stream_options', async (t) => {
  const dev = { messages: [{ role: 'developer', content: 'Rules.' }, { role: 'user', content: 'hi' }] };
  t.equal((await chat('off/no-developer', dev)).status, 400);
  t.equal((await chat('on/no-developer', dev)).status, 200);
  t.equal((await lastSeen()).messages[0].role, 'system');

  t.equal((await chat('off/max-completion-only', { max_tokens: 5 })).status, 400);
  t.equal((await chat('on/max-completion-only', { max_tokens: 5 })).status, 200);
  t.equal((await lastSeen()).max_completion_tokens, 5);

  t.equal((await chat('off/no-strict', { tools })).status, 400);
  t.equal((await chat('on/no-strict', { tools })).status, 200);
  t.notOk('strict' in (await lastSeen()).tools[0].function);

  t.equal((await chat('off/no-stream-options', { stream: true })).status, 400);
  const streamed = await chat('on/no-stream-options', { stream: true });
  t.equal(streamed.status, 200);
  t.notOk('stream_options' in (await lastSeen()));
});

t.test('bracketed text tool calls, plain and cut into 1-3 character chunks', async (t) => {
  const plain = await chat('on/bracket', { tools });
  const msg = plain.json.choices[0].message;
  t.equal(plain.json.choices[0].finish_reason, 'tool_calls');
  t.match(msg.tool_calls, [{ type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }]);
  t.equal(msg.content, 'Let me check.');

  const off = await chat('nobracket/bracket', { tools });
  t.match(off.json.choices[0].message.content, /\[END_TOOL_REQUEST\]/, 'switched off: the text stays');

  const lm = await chat('on/bracket-lmstudio', { tools });
  t.match(lm.json.choices[0].message.tool_calls, [{ function: { name: 'weather', arguments: '{"city":"Oslo"}' } }]);

  const unknown = await chat('on/bracket-unknown', { tools });
  t.equal(unknown.json.choices[0].message.content, 'Sure. Done.', 'a block naming no tool of the request is removed');
  t.notOk(unknown.json.choices[0].message.tool_calls);

  const noTools = await chat('on/bracket');
  t.match(noTools.json.choices[0].message.content, /\[weather\]/, 'no tools in the request: nothing is parsed');

  for (const model of ['on/bracket', 'on/bracket-unknown', 'on/array-brackets']) {
    const stream = await relay.client.chat.completions.create({ model, tools: tools as any, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    let args = '';
    let name = '';
    let finish;
    for await (const c of stream) {
      const d = c.choices[0]?.delta;
      text += d?.content ?? '';
      name += d?.tool_calls?.[0]?.function?.name ?? '';
      args += d?.tool_calls?.[0]?.function?.arguments ?? '';
      finish ??= c.choices[0]?.finish_reason;
    }
    if (model === 'on/bracket') {
      t.equal(text, 'Let me check. ', 'streamed: the block never reaches the text');
      t.equal(name, 'weather');
      t.equal(args, '{"city":"Paris"}');
      t.equal(finish, 'tool_calls');
    } else if (model === 'on/bracket-unknown') {
      t.equal(text, 'Sure. Done.');
      t.equal(finish, 'stop');
    } else {
      t.equal(text, 'Arrays look like [1, 2, 3] and [x] is fine.', 'ordinary brackets are released untouched');
    }
  }
});

t.test('look-alike tool calls are left as text and reported; empty tool_calls normalised', async (t) => {
  for (const [model, pattern] of [['off/lookalike-xml', 'xml'], ['off/lookalike-json', 'json'], ['off/lookalike-react', 'react']]) {
    const before = relay.logs.length;
    const res = await chat(model, { tools });
    t.notOk(res.json.choices[0].message.tool_calls, `${model}: no blind conversion`);
    const warn = relay.logs.slice(before).find((l) => /looks like a tool call/.test(l.msg));
    t.match(warn, { pattern, tool: 'weather', model, provider: 'off', runId: String }, model);
  }
  const empty = await chat('off/empty-tools', { tools });
  t.notOk('tool_calls' in empty.json.choices[0].message);
  const stream = await chat('off/empty-tools', { tools, stream: true });
  t.notMatch(stream.text, /"tool_calls":\[\]/);
});

t.test('context-window preflight', async (t) => {
  const small = await chat('on/small');
  t.equal(small.status, 400);
  t.equal(small.json.error.code, 'context_window_too_small');
  t.match(small.json.error.message, /raise the model server's context limit/);
  const big = 'lorem ipsum '.repeat(10_000); // ~30k tokens by the estimate
  const over = await chat('on/ctx-200k', { messages: [{ role: 'user', content: big }], max_tokens: 190_000 });
  t.equal(over.status, 400);
  t.equal(over.json.error.code, 'context_length_exceeded');
  const moved = await chat('on/ctx-20k', { messages: [{ role: 'user', content: big }] });
  t.equal(moved.status, 200, 'goes to the next model of the chain with a larger window');
  t.equal(moved.headers.get('x-lmrelay-model'), 'on/ctx-200k');
  t.equal(moved.headers.get('x-lmrelay-attempts'), '1', 'the refused model was never called');
  t.ok(relay.app.relay.state.catalog.errors.some((w) => /on\.models\[11\]\.contextWindow: on\/small has a context window of 8000 tokens/.test(w)), 'load-time error names the model');
});
