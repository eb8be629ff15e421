/** /v1/responses on Chat and Responses upstreams, and /v1/chat/completions on a Responses upstream. */
import t from 'tap';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText } from 'ai';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, postJson, type RelayUnderTest } from '../helpers/relay.js';
import { checkedFetch } from '../helpers/open-responses.js';

let vllm: MockUpstream;
let lmstudio: MockUpstream;
let relay: RelayUnderTest;

t.before(async () => {
  [vllm, lmstudio] = await Promise.all([startMock('vllm'), startMock('lmstudio')]);
  relay = await startRelay({
    models: {
      providers: {
        vllm: { baseUrl: vllm.baseUrl, models: [{ id: 'm' }, { id: 'echo' }, { id: 'tool' }, { id: 'length' }, { id: 'reasoning', reasoning: true }, { id: 'think', reasoning: true }, { id: 'think-plain', reasoning: false }] },
        plain: { baseUrl: vllm.baseUrl, models: [] },
        stalls: { baseUrl: vllm.baseUrl, idleTimeoutSeconds: 0.3, models: [] },
        lmstudio: { baseUrl: lmstudio.baseUrl, api: 'openai-responses', models: [] },
        lmstudio2: { baseUrl: lmstudio.baseUrl, api: 'openai-responses', models: [{ id: 'history', compat: { supportsPreviousResponseId: true } }] },
      },
    },
  });
});
t.teardown(async () => {
  await relay.close();
  await Promise.all([vllm.close(), lmstudio.close()]);
});

const targets = ['vllm/m', 'lmstudio/m'];

t.test('responses.create: a proper Response whatever the upstream speaks', async (t) => {
  for (const model of targets) {
    const res = await relay.client.responses.create({ model, input: 'hi', instructions: 'Be brief.' });
    t.equal(res.object, 'response', model);
    t.equal(res.status, 'completed');
    t.equal(res.output_text, model.startsWith('vllm') ? 'Hello from vllm m' : 'Hello from lmstudio m');
    t.ok(res.usage!.input_tokens > 0 && res.usage!.output_tokens > 0, 'usage in Responses terms');
  }
  const seen = (await vllm.requests()).at(-1)!.body;
  t.same(seen.messages, [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }], 'instructions -> system message');
});

t.test('responses.stream: full validated event sequence, rising sequence numbers', async (t) => {
  for (const model of [...targets, 'vllm/reasoning', 'lmstudio/reasoning']) {
    const stream = relay.client.responses.stream({ model, input: 'hi' });
    const events: any[] = [];
    for await (const e of stream) events.push(e);
    const final = await stream.finalResponse();
    const types = events.map((e) => e.type);
    t.equal(types[0], 'response.created', model);
    t.equal(types[1], 'response.in_progress');
    t.equal(types.at(-1), 'response.completed');
    for (const need of ['response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done']) {
      t.ok(types.includes(need), `${model}: ${need}`);
    }
    const seqs = events.map((e) => e.sequence_number);
    t.ok(seqs.every((s, i) => typeof s === 'number' && (i === 0 || s > seqs[i - 1])), 'sequence_number rises');
    t.ok(events.filter((e) => e.type.endsWith('.delta')).every((e) => typeof e.output_index === 'number' && typeof e.item_id === 'string'), 'deltas carry output_index and item_id');
    t.match(final.output_text, /^Hello from (vllm|lmstudio) (m|reasoning)$/);
    if (model.endsWith('reasoning')) {
      t.equal(final.output[0].type, 'reasoning', 'reasoning is its own output item');
      t.notMatch(final.output_text, /think/);
    }
  }
});

t.test('reasoning kept apart from the answer on both APIs', async (t) => {
  const chat = await relay.client.chat.completions.create({ model: 'vllm/think', messages: [{ role: 'user', content: 'hi' }] });
  const msg = chat.choices[0].message as any;
  t.equal(msg.content, 'Hello from vllm think');
  t.equal(msg.reasoning_content, 'secret plan');

  const streamed = await relay.client.chat.completions.create({ model: 'vllm/think', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  let content = '';
  let reasoning = '';
  for await (const c of streamed) {
    content += c.choices[0]?.delta?.content ?? '';
    reasoning += (c.choices[0]?.delta as any)?.reasoning_content ?? '';
  }
  t.equal(content, 'Hello from vllm think', 'tags split across chunks never reach the text');
  t.equal(reasoning, 'secret plan');

  const resp = await relay.client.responses.create({ model: 'vllm/think', input: 'hi' });
  t.equal(resp.output_text, 'Hello from vllm think');
  t.match(resp.output[0], { type: 'reasoning', content: [{ text: 'secret plan' }] });

  const untouched = await relay.client.chat.completions.create({ model: 'vllm/think-plain', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(untouched.choices[0].message.content, '<think>secret plan</think>Hello from vllm think-plain', 'reasoning: false passes text untouched');

  const field = await relay.client.chat.completions.create({ model: 'lmstudio/reasoning', messages: [{ role: 'user', content: 'hi' }] });
  t.equal((field.choices[0].message as any).reasoning_content, 'Let me think.', 'Responses reasoning item -> reasoning_content');
  t.equal(field.choices[0].message.content, 'Hello from lmstudio reasoning');
});

t.test('tool-call round trips in both directions', async (t) => {
  const tools = [{ type: 'function' as const, name: 'weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];
  for (const model of ['vllm/tool', 'lmstudio/tool']) {
    const first = await relay.client.responses.create({ model, input: 'Weather in Paris?', tools });
    const call = first.output.find((o) => o.type === 'function_call') as any;
    t.match(call, { name: 'weather', arguments: '{"city":"Paris"}', call_id: String }, model);
    const second = await relay.client.responses.create({
      model,
      tools,
      input: [{ role: 'user', content: 'Weather in Paris?' }, call, { type: 'function_call_output', call_id: call.call_id, output: 'sunny' }],
    });
    t.equal(second.output_text, 'Tool said: sunny');
  }
  const vllmSeen = (await vllm.requests()).at(-1)!.body;
  t.match(vllmSeen.messages[1], { role: 'assistant', tool_calls: [{ id: 'call_mock1', function: { name: 'weather' } }] });
  t.match(vllmSeen.messages[2], { role: 'tool', tool_call_id: 'call_mock1', content: 'sunny' });
  t.match(vllmSeen.tools[0], { type: 'function', function: { name: 'weather', parameters: { type: 'object' } } });

  const chatTools = [{ type: 'function' as const, function: { name: 'weather', parameters: { type: 'object', properties: {} } } }];
  for (const model of ['lmstudio/tool', 'vllm/tool']) {
    const a = await relay.client.chat.completions.create({ model, tools: chatTools, messages: [{ role: 'user', content: 'Weather?' }] });
    const tc = a.choices[0].message.tool_calls![0] as any;
    t.equal(tc.function.name, 'weather', model);
    t.equal(a.choices[0].finish_reason, 'tool_calls');
    const b = await relay.client.chat.completions.create({
      model,
      tools: chatTools,
      messages: [{ role: 'user', content: 'Weather?' }, a.choices[0].message, { role: 'tool', tool_call_id: tc.id, content: 'rainy' }],
    });
    t.equal(b.choices[0].message.content, 'Tool said: rainy');
    const stream = await relay.client.chat.completions.create({ model, tools: chatTools, stream: true, messages: [{ role: 'user', content: 'Weather?' }] });
    let args = '';
    let finish;
    for await (const c of stream) {
      args += c.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? '';
      finish ??= c.choices[0]?.finish_reason;
    }
    t.equal(args, '{"city":"Paris"}', `${model} streamed arguments`);
    t.equal(finish, 'tool_calls');
  }
  const lmSeen = (await lmstudio.requests()).filter((r) => r.path === '/v1/responses').at(-2)!.body;
  t.match(lmSeen.input.at(-1), { type: 'function_call_output', output: 'rainy' });
  t.match(lmSeen.tools[0], { type: 'function', name: 'weather' });
});

t.test('field mapping, incomplete status, OpenAI-only fields dropped', async (t) => {
  await vllm.reset();
  await relay.client.responses.create({
    model: 'vllm/echo',
    input: [{ role: 'user', content: [{ type: 'input_text', text: 'describe' }, { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' }] }],
    max_output_tokens: 50,
    temperature: 0.2,
    text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
    reasoning: { effort: 'low' },
    store: true,
    service_tier: 'flex',
    prompt_cache_key: 'k',
    include: ['reasoning.encrypted_content'],
  } as any);
  const seen = (await vllm.requests()).at(-1)!.body;
  t.equal(seen.max_tokens, 50);
  t.equal(seen.temperature, 0.2);
  t.same(seen.response_format, { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } });
  t.same(seen.messages[0].content[1], { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } });
  t.notOk('reasoning_effort' in seen, 'no reasoning_effort to a model without reasoning: true');
  for (const f of ['store', 'service_tier', 'prompt_cache_key', 'include', 'input', 'text']) t.notOk(f in seen, `${f} not sent`);

  await lmstudio.reset();
  await relay.client.responses.create({ model: 'lmstudio/m', input: 'x', store: true, service_tier: 'auto', prompt_cache_key: 'k' } as any);
  const lm = (await lmstudio.requests()).at(-1)!;
  for (const f of ['store', 'service_tier', 'prompt_cache_key']) t.notOk(f in lm.body, `${f} not sent to a local Responses server`);
  t.notOk(lm.headers.originator, 'no attribution headers');
  t.notMatch(lm.headers['user-agent'] ?? '', /openai|lmrelay/i);

  const cut = await relay.client.responses.create({ model: 'vllm/length', input: 'x' });
  t.equal(cut.status, 'incomplete');
  t.same(cut.incomplete_details, { reason: 'max_output_tokens' });
});

t.test('previous_response_id: unknown to lmrelay, 400 previous_response_not_found, or passed where the upstream keeps its own', async (t) => {
  const res = await postJson(`${relay.url}/v1/responses`, { model: 'vllm/m', input: 'x', previous_response_id: 'resp_123' });
  t.equal(res.status, 400);
  t.match(res.json.error, { code: 'previous_response_not_found', param: 'previous_response_id', type: 'invalid_request_error', message: "Previous response with id 'resp_123' not found." });
  const lm = await postJson(`${relay.url}/v1/responses`, { model: 'lmstudio/m', input: 'x', previous_response_id: 'resp_123' });
  t.equal(lm.status, 400, 'a Responses upstream that does not say it supports it');
  const ok = await postJson(`${relay.url}/v1/responses`, { model: 'lmstudio2/history', input: 'x', previous_response_id: 'resp_123' });
  t.equal(ok.status, 200);
  t.equal((await lmstudio.requests()).at(-1)!.body.previous_response_id, 'resp_123');
  const bad = await postJson(`${relay.url}/v1/responses`, { model: 'vllm/m', input: [{ type: 'web_search_call' }] });
  t.equal(bad.status, 400);
  t.equal(bad.json.error.param, 'input[0].type');
});

t.test('chat.completions on a Responses upstream, plain and streamed', async (t) => {
  const plain = await relay.client.chat.completions.create({ model: 'lmstudio/m', messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'hi' }], max_tokens: 9 });
  t.equal(plain.choices[0].message.content, 'Hello from lmstudio m');
  t.equal(plain.object, 'chat.completion');
  t.equal(plain.usage?.prompt_tokens, 9);
  const seen = (await lmstudio.requests()).at(-1)!.body;
  t.equal(seen.instructions, 'S');
  t.equal(seen.max_output_tokens, 9);
  const stream = await relay.client.chat.completions.create({ model: 'lmstudio/m', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
  let text = '';
  let usage;
  for await (const c of stream) {
    text += c.choices[0]?.delta?.content ?? '';
    usage ??= c.usage;
  }
  t.equal(text, 'Hello from lmstudio m');
  t.match(usage, { prompt_tokens: 9, completion_tokens: 4 });
});

t.test('Vercel AI SDK generateText / streamText against /v1/responses', async (t) => {
  const provider = createOpenAI({ baseURL: `${relay.url}/v1`, apiKey: 'x', fetch: checkedFetch });
  for (const model of ['vllm/m', 'lmstudio/m', 'vllm/reasoning']) {
    const gen = await generateText({ model: provider.responses(model), prompt: 'hi' });
    t.match(gen.text, /^Hello from/, `generateText ${model}`);
    const streamed = streamText({ model: provider.responses(model), prompt: 'hi', onError: ({ error }) => void t.fail(String(error)) });
    let text = '';
    for await (const part of streamed.textStream) text += part;
    t.match(text, /^Hello from/, `streamText ${model}`);
    t.equal(await streamed.finishReason, 'stop');
  }
});

t.test('a Responses stream that fails mid-way ends with error and response.failed', async (t) => {
  const res = await postJson(`${relay.url}/v1/responses`, { model: 'stalls/stall-after-3', input: 'hi', stream: true });
  t.equal(res.status, 200);
  const events = [...res.text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
  t.ok(events.includes('response.output_text.delta'), 'the text already sent arrived');
  t.same(events.slice(-2), ['error', 'response.failed']);
  t.match(res.text, /stream idle after 0.3s/);
  const sdkError = await (async () => {
    const stream = relay.client.responses.stream({ model: 'stalls/stall-after-3', input: 'hi' }, { headers: { 'x-lmrelay-fallbacks': 'none' } });
    for await (const _ of stream) void _;
  })().catch((e) => e);
  t.ok(sdkError instanceof Error, 'the SDK raises it');
});
