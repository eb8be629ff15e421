/**
 * Hosted providers, tested against local servers that speak their protocols: Anthropic
 * Messages (plain, streamed, tools, thinking, errors -> fallback), native OpenAI shaping,
 * OpenRouter-style headers, and hybrid local/hosted chains.
 */
import t from 'tap';
import { startMock, closedPort, type MockUpstream } from '../helpers/mock.js';
import { startRelay, postJson, staticLookup, type RelayUnderTest } from '../helpers/relay.js';
import { ConfigError, validateConfig } from '../../src/config/load.js';

const ANTHROPIC_KEY = 'sk-ant-test-0123456789abcdef';
let anthropic: MockUpstream;
let local: MockUpstream;
let relay: RelayUnderTest;
let downPort: number;

t.before(async () => {
  [anthropic, local] = await Promise.all([startMock('anthropic'), startMock('vllm')]);
  downPort = await closedPort();
  relay = await startRelay(
    {
      models: {
        mode: 'merge',
        providers: {
          anthropic: {
            baseUrl: anthropic.baseUrl,
            apiKey: '${ANTHROPIC_API_KEY}',
            api: 'anthropic-messages',
            models: [
              { id: 'claude-sonnet', maxTokens: 2048 },
              { id: 'tool' },
              { id: 'thinking', reasoning: true },
              { id: 'echo', maxTokens: 1234, reasoning: true },
              { id: 'overloaded' },
              { id: 'retry-after-20' },
            ],
          },
          // OpenAI's own API host, answered here by the local mock through the stand-in DNS
          openai: { baseUrl: `http://api.openai.com:${local.port}/v1`, apiKey: 'sk-proj-test-0123456789abcdef', models: [{ id: 'echo' }] },
          openrouter: {
            baseUrl: `http://openrouter.ai:${local.port}/v1`,
            apiKey: 'sk-or-test-0123456789abcdef',
            headers: { 'HTTP-Referer': 'https://example.com/app', 'X-Title': 'lmrelay test' },
            models: [{ id: 'anthropic/claude-3.5-sonnet:beta' }, { id: 'echo' }],
          },
          local: { baseUrl: local.baseUrl, apiKey: 'vllm-local', models: [{ id: 'Qwen/Qwen3-8B' }, { id: 'echo' }] },
          localdown: { baseUrl: `http://127.0.0.1:${downPort}/v1`, models: [{ id: 'm' }] },
        },
      },
      agents: {
        defaults: {
          model: { primary: 'anthropic/claude-sonnet', fallbacks: ['local/Qwen/Qwen3-8B'] },
          models: {
            'localdown/m': { alias: 'LocalFirst', fallbacks: ['anthropic/claude-sonnet'] },
            'anthropic/overloaded': { fallbacks: ['local/Qwen/Qwen3-8B'] },
            'anthropic/retry-after-20': { fallbacks: ['local/Qwen/Qwen3-8B'] },
          },
        },
      },
    },
    { env: { ANTHROPIC_API_KEY: ANTHROPIC_KEY }, lookup: staticLookup({ 'api.openai.com': '127.0.0.1', 'openrouter.ai': '127.0.0.1' }) },
  );
});
t.teardown(async () => {
  await relay.close();
  await Promise.all([anthropic.close(), local.close()]);
});

const lastAnthropic = async () => (await anthropic.requests()).filter((r) => r.path === '/v1/messages').at(-1)!;

t.test('Chat Completions <-> Anthropic Messages, plain and streamed', async (t) => {
  const res = await relay.client.chat.completions.create({ model: 'anthropic/claude-sonnet', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }] });
  t.equal(res.choices[0].message.content, 'Hello from anthropic claude-sonnet');
  t.equal(res.choices[0].finish_reason, 'stop');
  t.same(res.usage, { prompt_tokens: 17, completion_tokens: 6, total_tokens: 23, prompt_tokens_details: { cached_tokens: 4, cache_creation_tokens: 2 } }, 'cache tokens counted');
  const seen = await lastAnthropic();
  t.equal(seen.headers['x-api-key'], ANTHROPIC_KEY);
  t.equal(seen.headers['anthropic-version'], '2023-06-01');
  t.notOk(seen.headers.authorization, 'no Bearer header to Anthropic');
  t.equal(seen.body.system, 'Be brief.');
  t.equal(seen.body.max_tokens, 2048, "max_tokens from the model's maxTokens");
  t.same(seen.body.messages, [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);

  const stream = await relay.client.chat.completions.create({ model: 'anthropic/claude-sonnet', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
  let text = '';
  let finish;
  let usage;
  for await (const c of stream) {
    text += c.choices[0]?.delta?.content ?? '';
    finish ??= c.choices[0]?.finish_reason;
    usage ??= c.usage;
  }
  t.equal(text, 'Hello from anthropic claude-sonnet');
  t.equal(finish, 'stop');
  t.match(usage, { prompt_tokens: 17, completion_tokens: 6 });
});

t.test('tools, tool_choice, tool_use / tool_result, images, thinking', async (t) => {
  const tools = [{ type: 'function' as const, function: { name: 'weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  const first = await relay.client.chat.completions.create({ model: 'anthropic/tool', tools, tool_choice: 'required', messages: [{ role: 'user', content: 'Weather?' }] });
  const call = first.choices[0].message.tool_calls![0] as any;
  t.match(call, { id: 'toolu_01', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } });
  t.equal(first.choices[0].finish_reason, 'tool_calls');
  const sent = (await lastAnthropic()).body;
  t.same(sent.tools, [{ name: 'weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }]);
  t.same(sent.tool_choice, { type: 'any' }, 'required -> any');
  for (const [choice, want] of [['auto', { type: 'auto' }], ['none', { type: 'none' }], [{ type: 'function', function: { name: 'weather' } }, { type: 'tool', name: 'weather' }]] as const) {
    await relay.client.chat.completions.create({ model: 'anthropic/echo', tools, tool_choice: choice as any, messages: [{ role: 'user', content: 'x' }] });
    const sentBody = (await lastAnthropic()).body;
    t.same(sentBody.tool_choice, want, JSON.stringify(choice));
    t.equal(sentBody.max_tokens, 1234, "no max_tokens from the client: the model's maxTokens");
  }
  const second = await relay.client.chat.completions.create({
    model: 'anthropic/tool',
    tools,
    messages: [{ role: 'user', content: 'Weather?' }, first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'sunny' }],
  });
  t.equal(second.choices[0].message.content, 'Tool said: sunny');
  const history = (await lastAnthropic()).body.messages;
  t.match(history[1], { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_01', name: 'weather', input: { city: 'Paris' } }] });
  t.match(history[2], { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'sunny' }] });

  const stream = await relay.client.chat.completions.create({ model: 'anthropic/tool', tools, stream: true, messages: [{ role: 'user', content: 'Weather?' }] });
  let args = '';
  let name = '';
  for await (const c of stream) {
    name += c.choices[0]?.delta?.tool_calls?.[0]?.function?.name ?? '';
    args += c.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? '';
  }
  t.equal(name, 'weather');
  t.equal(args, '{"city": "Paris"}');

  await relay.client.chat.completions.create({
    model: 'anthropic/echo',
    reasoning_effort: 'medium',
    max_tokens: 8000,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'see' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }, { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }],
  } as any);
  const echo = (await lastAnthropic()).body;
  t.same(echo.messages[0].content.slice(1), [
    { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
    { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
  ]);
  t.same(echo.thinking, { type: 'enabled', budget_tokens: 4096 }, 'reasoning_effort -> a thinking budget below max_tokens');
  t.equal(echo.max_tokens, 8000);

  const thought = await relay.client.chat.completions.create({ model: 'anthropic/thinking', messages: [{ role: 'user', content: 'hi' }] });
  t.equal((thought.choices[0].message as any).reasoning_content, 'Weighing it up.', 'thinking -> reasoning, apart from the text');
  t.equal(thought.choices[0].message.content, 'Hello from anthropic thinking');
  const resp = await relay.client.responses.create({ model: 'anthropic/thinking', input: 'hi' });
  t.equal(resp.output_text, 'Hello from anthropic thinking', 'the Responses API works on Anthropic too');
  t.equal(resp.output[0].type, 'reasoning');
  const rstream = relay.client.responses.stream({ model: 'anthropic/thinking', input: 'hi' });
  for await (const _ of rstream) void _;
  t.equal((await rstream.finalResponse()).output_text, 'Hello from anthropic thinking');
});

t.test('hybrid chains: hosted primary with local fallback, local-first with hosted safety net', async (t) => {
  const hosted = await postJson(`${relay.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hi' }] });
  t.equal(hosted.headers.get('x-lmrelay-model'), 'anthropic/claude-sonnet', 'the hosted primary answers');
  const safety = await postJson(`${relay.url}/v1/chat/completions`, { model: 'LocalFirst', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(safety.status, 200);
  t.equal(safety.headers.get('x-lmrelay-model'), 'anthropic/claude-sonnet', 'local is down: the hosted safety net answers');
});

// Last of the Anthropic tests: the 429 holds the provider for its Retry-After.
t.test('529 overloaded and 429 Retry-After fall back to the local model', async (t) => {
  for (const model of ['anthropic/overloaded', 'anthropic/retry-after-20']) {
    const res = await postJson(`${relay.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }] });
    t.equal(res.status, 200, model);
    t.equal(res.headers.get('x-lmrelay-model'), 'local/Qwen/Qwen3-8B');
  }
  const kinds = relay.logs.filter((l) => l.msg?.startsWith('model call failed')).map((l) => l.failureKind);
  t.same(kinds.slice(-2), ['http_5xx', 'http_429']);
  const alone = await postJson(`${relay.url}/v1/chat/completions`, { model: 'anthropic/overloaded', messages: [{ role: 'user', content: 'hi' }] }, { 'x-lmrelay-fallbacks': 'none' });
  t.equal(alone.status, 502);
  t.match(alone.json.error.message, /answered 529 Overloaded/);
});

t.test('native OpenAI keeps OpenAI-only fields; OpenRouter gets its headers and region-pinned ids', async (t) => {
  const fields = { store: true, service_tier: 'flex', prompt_cache_key: 'k', prompt_cache_retention: '24h' };
  await postJson(`${relay.url}/v1/chat/completions`, { model: 'openai/echo', messages: [{ role: 'user', content: 'hi' }], ...fields });
  const openai = (await local.requests()).at(-1)!;
  t.equal(openai.headers.host, `api.openai.com:${local.port}`);
  t.match(openai.body, fields, 'passed to OpenAI itself');
  await postJson(`${relay.url}/v1/chat/completions`, { model: 'local/echo', messages: [{ role: 'user', content: 'hi' }], ...fields });
  const proxied = (await local.requests()).at(-1)!.body;
  for (const f of Object.keys(fields)) t.notOk(f in proxied, `${f} not sent to a local server`);

  const res = await postJson(`${relay.url}/v1/chat/completions`, { model: 'openrouter/anthropic/claude-3.5-sonnet:beta', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(res.status, 200);
  const or = (await local.requests()).at(-1)!;
  t.equal(or.body.model, 'anthropic/claude-3.5-sonnet:beta');
  t.equal(or.headers['http-referer'], 'https://example.com/app');
  t.equal(or.headers['x-title'], 'lmrelay test');
  t.equal(or.headers.authorization, 'Bearer sk-or-test-0123456789abcdef');
});

t.test('a missing hosted key variable is a config error naming it', async (t) => {
  const err = (() => {
    try {
      validateConfig({ models: { providers: { anthropic: { baseUrl: 'https://api.anthropic.com/v1', api: 'anthropic-messages', apiKey: '${ANTHROPIC_API_KEY}', models: [{ id: 'c' }] } } } }, 'test', {});
    } catch (e) {
      return e;
    }
  })();
  t.ok(err instanceof ConfigError);
  t.same((err as ConfigError).problems, ['models.providers.anthropic.apiKey: environment variable ANTHROPIC_API_KEY is not set']);
});
