/**
 * /v1/responses with tools a Chat server cannot run as declared: hosted tools are left out
 * (one warning per request), namespace and custom tools reach it as plain functions, and
 * their calls come back in the terms the client declared. Also: OpenAI-only metadata never
 * reaches a local server, and a pass-through answer cut at max_output_tokens says so.
 * Every answer is checked against the Open Responses schemas (test/helpers/open-responses.ts).
 */
import t from 'tap';
import { createOpenAI } from '@ai-sdk/openai';
import { streamText } from 'ai';
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
        vllm: { baseUrl: vllm.baseUrl, models: [] },
        lmstudio: { baseUrl: lmstudio.baseUrl, api: 'openai-responses', models: [] },
        anthropic: { baseUrl: vllm.baseUrl, apiKey: 'anthropic-key', api: 'anthropic-messages', models: [] },
        searching: { baseUrl: lmstudio.baseUrl, api: 'openai-responses', models: [{ id: 'm', compat: { nativeToolTypes: ['web_search', 'namespace'] } }] },
      },
    },
  });
});
t.teardown(async () => {
  await relay.close();
  await Promise.all([vllm.close(), lmstudio.close()]);
});

const weather = { type: 'function' as const, name: 'weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false };
const hosted = [{ type: 'web_search' }, { type: 'file_search', vector_store_ids: ['vs_1'] }, { type: 'code_interpreter', container: { type: 'auto' } }, { type: 'image_generation' }, { type: 'mcp', server_label: 'x', server_url: 'https://127.0.0.1/mcp' }, { type: 'local_shell' }];
const lastBody = async (mock: MockUpstream, path: string) => (await mock.requests()).filter((r) => r.path === path).at(-1)!.body;
const CHAT = '/v1/chat/completions';
const RESPONSES = '/v1/responses';

/** Streams a request through the openai SDK; returns its events and final Response. */
async function stream(body: Record<string, unknown>) {
  const s = relay.client.responses.stream(body as any);
  const events: any[] = [];
  for await (const e of s) events.push(e);
  return { events, final: (await s.finalResponse()) as any };
}

t.test('hosted tools are left out, with one warning per request, never a 400', async (t) => {
  for (const [model, path] of [['vllm/tool', CHAT], ['lmstudio/tool', RESPONSES]] as const) {
    const warningsBefore = relay.logs.filter((l) => /hosted tools left out/.test(l.msg)).length;
    const res = await relay.client.responses.create({ model, input: 'Weather in Paris?', tools: [...hosted, weather] as any });
    t.equal(res.status, 'completed', model);
    t.match(res.output.find((o) => o.type === 'function_call'), { name: 'weather' }, 'the function tool still works');
    t.same(res.tools.map((tool: any) => tool.type), ['function'], 'the Response lists the tools the model had');
    const seen = await lastBody(path === CHAT ? vllm : lmstudio, path);
    t.equal(seen.tools.length, 1, 'only the function reaches the server');
    t.equal(path === CHAT ? seen.tools[0].function.name : seen.tools[0].name, 'weather');
    const warnings = relay.logs.filter((l) => /hosted tools left out/.test(l.msg)).slice(warningsBefore);
    t.equal(warnings.length, 1, 'one warning line for the request');
    t.same(warnings[0].tools, ['web_search', 'file_search', 'code_interpreter', 'image_generation', 'mcp', 'local_shell'], 'naming every hosted tool');
  }
  // Only hosted tools, one of them forced: the model answers without tools.
  const only = await postJson(`${relay.url}/v1/responses`, { model: 'vllm/m', input: 'hi', tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } });
  t.equal(only.status, 200);
  t.equal(only.json.tool_choice, 'auto', 'a choice of a tool left out becomes auto');
  const seen = await lastBody(vllm, CHAT);
  t.notOk('tools' in seen || 'tool_choice' in seen, 'no tools and no tool_choice reach the server');
});

t.test('an upstream that runs a tool type itself gets it as it is', async (t) => {
  const crm = { type: 'namespace', name: 'crm', description: 'CRM', tools: [{ ...weather, name: 'lookup' }] };
  const warningsBefore = relay.logs.filter((l) => /hosted tools left out/.test(l.msg)).length;
  const res = await relay.client.responses.create({ model: 'searching/m', input: 'hi', tools: [{ type: 'web_search' }, { type: 'file_search', vector_store_ids: ['vs_1'] }, crm] as any, tool_choice: { type: 'web_search' } as any });
  const seen = await lastBody(lmstudio, RESPONSES);
  t.same(seen.tools, [{ type: 'web_search' }, crm], 'web_search and the namespace sent untouched, file_search left out');
  t.same(seen.tool_choice, { type: 'web_search' });
  t.same(res.tools.map((tool: any) => tool.type), ['web_search', 'namespace']);
  const warnings = relay.logs.filter((l) => /hosted tools left out/.test(l.msg)).slice(warningsBefore);
  t.same(warnings.map((w) => w.tools), [['file_search']]);
});

t.test('namespace tools reach the server flat and come back namespaced', async (t) => {
  const crm = { type: 'namespace', name: 'crm', description: 'Customer records', tools: [{ ...weather, name: 'lookup' }, { ...weather, name: 'update' }] };
  for (const [model, path] of [['vllm/tool', CHAT], ['lmstudio/tool', RESPONSES]] as const) {
    const res = await relay.client.responses.create({ model, input: 'Find Ada', tools: [crm, weather] as any });
    const call = res.output.find((o) => o.type === 'function_call') as any;
    t.match(call, { name: 'lookup', namespace: 'crm', arguments: '{"city":"Paris"}' }, `${model}: the call names the tool as declared`);
    t.match(res.tools[0], { type: 'namespace', name: 'crm' }, 'the namespace is echoed as declared');
    const seen = await lastBody(path === CHAT ? vllm : lmstudio, path);
    const names = seen.tools.map((tool: any) => tool.function?.name ?? tool.name);
    t.same(names, ['crm__lookup', 'crm__update', 'weather'], 'the server sees plain functions');

    const { events, final } = await stream({ model, input: 'Find Ada', tools: [crm, weather] });
    const added = events.find((e) => e.type === 'response.output_item.added' && e.item.type === 'function_call');
    t.match(added.item, { name: 'lookup', namespace: 'crm' }, 'streamed: added under its own name');
    t.match(final.output.find((o: any) => o.type === 'function_call'), { name: 'lookup', namespace: 'crm' });

    const next = await relay.client.responses.create({
      model,
      tools: [crm, weather] as any,
      input: [{ role: 'user', content: 'Find Ada' }, call, { type: 'function_call_output', call_id: call.call_id, output: 'found' }],
    });
    t.equal(next.output_text, 'Tool said: found', 'the next turn carries the call back');
    const again = await lastBody(path === CHAT ? vllm : lmstudio, path);
    if (path === CHAT) t.match(again.messages[1].tool_calls[0].function, { name: 'crm__lookup' }, 'the earlier call is flat again for the server');
    else t.match(again.input[1], { type: 'function_call', name: 'crm__lookup' });
  }
  // A top-level function already named like a flattened one, and names of any script and length.
  const long = 'n'.repeat(300);
  const tricky = { type: 'namespace', name: 'δοκιμή', description: '', tools: [{ ...weather, name: long }] };
  const clash = { type: 'namespace', name: 'crm', description: '', tools: [{ ...weather, name: 'lookup' }] };
  const res = await relay.client.responses.create({ model: 'vllm/tool', input: 'x', tools: [clash, { ...weather, name: 'crm__lookup' }, tricky] as any });
  t.match(res.output.find((o) => o.type === 'function_call'), { name: 'lookup', namespace: 'crm' }, 'the namespaced tool yields its flat name to the top-level one');
  const seen = await lastBody(vllm, CHAT);
  t.same(seen.tools.map((tool: any) => tool.function.name), ['crm__lookup_2', 'crm__lookup', `δοκιμή__${long}`]);
});

t.test('through an Anthropic upstream too: tools lowered, calls lifted, objects complete', async (t) => {
  const crm = { type: 'namespace', name: 'crm', description: 'CRM', tools: [{ ...weather, name: 'lookup' }] };
  const body = { model: 'anthropic/tool', input: 'Find Ada', tools: [crm, { type: 'web_search' }, { type: 'custom', name: 'apply_patch' }] };
  const res = await relay.client.responses.create(body as any);
  t.match(res.output.find((o) => o.type === 'function_call'), { name: 'lookup', namespace: 'crm', arguments: '{"city":"Paris"}' });
  const seen = await lastBody(vllm, '/v1/messages');
  t.same(seen.tools.map((tool: any) => tool.name), ['crm__lookup', 'apply_patch'], 'Anthropic gets the flat functions only');
  const { final } = await stream(body);
  t.match(final.output.find((o: any) => o.type === 'function_call'), { name: 'lookup', namespace: 'crm' });
});

t.test('custom tools are functions taking one string, and their calls come back custom', async (t) => {
  const patch = { type: 'custom', name: 'apply_patch', description: 'Edit files.', format: { type: 'grammar', syntax: 'lark', definition: 'start: "*** Begin Patch" /(.|\\n)*/' } };
  for (const [model, path] of [['vllm/tool', CHAT], ['lmstudio/tool', RESPONSES]] as const) {
    const res = await relay.client.responses.create({ model, input: 'Fix it', tools: [patch, weather] as any });
    const call = res.output.find((o) => o.type === 'custom_tool_call') as any;
    t.match(call, { type: 'custom_tool_call', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch', call_id: String }, `${model}: a custom_tool_call with the input string`);
    const seen = await lastBody(path === CHAT ? vllm : lmstudio, path);
    const fn = path === CHAT ? seen.tools[0].function : seen.tools[0];
    t.match(fn, { name: 'apply_patch', parameters: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] } }, 'the server gets a one-string function');
    t.match(fn.description, /Edit files\.[\s\S]*lark grammar:\nstart:/, 'with the grammar in its description');

    const { events, final } = await stream({ model, input: 'Fix it', tools: [patch, weather] });
    const types = events.map((e) => e.type);
    t.notOk(types.includes('response.function_call_arguments.delta'), 'no function-argument events for it');
    t.match(events.find((e) => e.type === 'response.custom_tool_call_input.done'), { input: '*** Begin Patch\n*** End Patch' });
    t.match(final.output.find((o: any) => o.type === 'custom_tool_call'), { name: 'apply_patch', input: '*** Begin Patch\n*** End Patch' });

    const next = await relay.client.responses.create({
      model,
      tools: [patch, weather] as any,
      input: [{ role: 'user', content: 'Fix it' }, call, { type: 'custom_tool_call_output', call_id: call.call_id, output: 'patched' }] as any,
    });
    t.equal(next.output_text, 'Tool said: patched', 'the next turn carries the custom call and its output');
    const again = await lastBody(path === CHAT ? vllm : lmstudio, path);
    if (path === CHAT) {
      t.match(again.messages[1].tool_calls[0].function, { name: 'apply_patch', arguments: JSON.stringify({ input: call.input }) });
      t.match(again.messages[2], { role: 'tool', tool_call_id: call.call_id, content: 'patched' });
    } else {
      t.match(again.input[1], { type: 'function_call', name: 'apply_patch', arguments: JSON.stringify({ input: call.input }) });
      t.match(again.input[2], { type: 'function_call_output', call_id: call.call_id, output: 'patched' });
    }
  }
});

t.test('tool_choice in client terms: a namespaced or custom tool forced, allowed_tools narrowing', async (t) => {
  const crm = { type: 'namespace', name: 'crm', description: 'CRM', tools: [{ ...weather, name: 'lookup' }] };
  const patch = { type: 'custom', name: 'apply_patch' };
  await relay.client.responses.create({ model: 'vllm/m', input: 'x', tools: [crm, patch, weather] as any, tool_choice: { type: 'function', name: 'lookup', namespace: 'crm' } as any });
  t.same((await lastBody(vllm, CHAT)).tool_choice, { type: 'function', function: { name: 'crm__lookup' } });
  const custom = await relay.client.responses.create({ model: 'vllm/m', input: 'x', tools: [crm, patch, weather] as any, tool_choice: { type: 'custom', name: 'apply_patch' } as any });
  t.same((await lastBody(vllm, CHAT)).tool_choice, { type: 'function', function: { name: 'apply_patch' } });
  t.same(custom.tool_choice, { type: 'custom', name: 'apply_patch' }, 'echoed as the client said it');
  await relay.client.responses.create({
    model: 'vllm/m',
    input: 'x',
    tools: [crm, patch, weather] as any,
    tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'weather' }, { type: 'custom', name: 'apply_patch' }] } as any,
  });
  const seen = await lastBody(vllm, CHAT);
  t.equal(seen.tool_choice, 'required');
  t.same(seen.tools.map((tool: any) => tool.function.name), ['apply_patch', 'weather'], 'only the allowed tools are sent');
});

t.test('OpenAI-only metadata never reaches a local server', async (t) => {
  const meta = { client_metadata: { 'x-codex-installation-id': 'install-1', session_id: 's-1' }, user: 'user-1', safety_identifier: 'hash-1', prompt_cache_key: 'k', include: ['reasoning.encrypted_content'], store: false };
  for (const [mock, model, path] of [[vllm, 'vllm/m', CHAT], [lmstudio, 'lmstudio/m', RESPONSES]] as const) {
    for (const streamed of [false, true]) {
      const res = await postJson(`${relay.url}/v1/responses`, { model, input: 'hi', stream: streamed, ...meta });
      t.equal(res.status, 200);
      const seen = await lastBody(mock, path);
      for (const field of Object.keys(meta)) t.notOk(field in seen, `${model}${streamed ? ' streamed' : ''}: no ${field}`);
      t.notMatch(JSON.stringify(seen), /install-1|user-1|hash-1/, 'nor its values anywhere');
    }
  }
});

t.test('a passed-through answer cut at max_output_tokens is incomplete, streamed or not', async (t) => {
  // The mock answers 4 output tokens and calls every answer completed, as llama.cpp does.
  const cut = await relay.client.responses.create({ model: 'lmstudio/m', input: 'hi', max_output_tokens: 4 });
  t.equal(cut.status, 'incomplete');
  t.same(cut.incomplete_details, { reason: 'max_output_tokens' });
  t.equal(cut.completed_at, null);
  const room = await relay.client.responses.create({ model: 'lmstudio/m', input: 'hi', max_output_tokens: 64 });
  t.equal(room.status, 'completed', 'an answer within the limit stays completed');
  t.type(room.completed_at, 'number');

  const { events, final } = await stream({ model: 'lmstudio/m', input: 'hi', max_output_tokens: 4 });
  t.equal(events.at(-1).type, 'response.incomplete');
  t.equal(final.status, 'incomplete');

  const provider = createOpenAI({ baseURL: `${relay.url}/v1`, apiKey: 'x', fetch: checkedFetch });
  const streamed = streamText({ model: provider.responses('lmstudio/m'), prompt: 'hi', maxOutputTokens: 4, onError: ({ error }) => void t.fail(String(error)) });
  for await (const _ of streamed.textStream) void _;
  t.equal(await streamed.finishReason, 'length', 'the Vercel AI SDK reports the cut');
});
