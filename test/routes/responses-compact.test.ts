/**
 * POST /v1/responses/compact: a Chat-only upstream summarises, lmrelay seals the summary into the
 * compaction item and opens it on later turns; altered or foreign items are refused; OpenAI
 * compacts natively and its items pass untouched.
 */
import t from 'tap';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, postJson, staticLookup, type RelayUnderTest } from '../helpers/relay.js';
import { checkedFetch } from '../helpers/open-responses.js';
import { validateConfig } from '../../src/config/load.js';
import { serve } from '../helpers/cli.js';

const KEY_A = 'lmr-compact-key-alpha';
const KEY_B = 'lmr-compact-key-beta';
const dir = mkdtempSync(join(tmpdir(), 'lmrelay-compact-'));

let chat: MockUpstream;
let openai: MockUpstream;
let relay: RelayUnderTest;
let other: RelayUnderTest;

const providers = () => ({
  local: { baseUrl: chat.baseUrl, models: [{ id: 'm' }, { id: 'echo' }, { id: 'badjson' }] },
  // A Responses server that is not OpenAI (LM Studio, llama.cpp): it reads no compaction item.
  lmresp: { baseUrl: openai.baseUrl, api: 'openai-responses', models: [{ id: 'r' }] },
  openai: { baseUrl: `http://api.openai.com:${openai.port}/v1`, api: 'openai-responses', apiKey: 'sk-proj-test-0123456789abcdef', models: [{ id: 'gpt-x' }] },
});

t.before(async () => {
  [chat, openai] = await Promise.all([startMock('vllm', ['--only', 'chat']), startMock('openai')]);
  relay = await startRelay(
    { server: { apiKeys: [KEY_A, KEY_B] }, state: { compaction: { keyFile: join(dir, 'a', 'compaction.key') } }, models: { mode: 'replace', providers: providers() } },
    { lookup: staticLookup({ 'api.openai.com': '127.0.0.1' }) },
  );
  // Another lmrelay with its own key: its items are foreign to the first.
  other = await startRelay({ state: { compaction: { keyFile: join(dir, 'b', 'compaction.key') } }, models: { mode: 'replace', providers: providers() } }, { lookup: staticLookup({ 'api.openai.com': '127.0.0.1' }) });
});
t.teardown(async () => {
  await Promise.all([relay.close(), other.close()]);
  await Promise.all([chat.close(), openai.close()]);
});

const sdk = (url: string, apiKey = KEY_A) => new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0, timeout: 20_000, fetch: checkedFetch });
const auth = (key = KEY_A) => ({ authorization: `Bearer ${key}` });

const conversation: any[] = [
  { role: 'user', content: 'Find the weather in Paris.' },
  { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
  { type: 'function_call_output', call_id: 'call_1', output: '22C and sunny' },
  { role: 'assistant', content: [{ type: 'output_text', text: 'It is 22C and sunny in Paris.' }] },
  { role: 'user', content: [{ type: 'input_text', text: 'And tomorrow?' }] },
];

async function compactOnce(key = KEY_A) {
  return sdk(relay.url, key).responses.compact({ model: 'local/m', input: conversation, instructions: 'You are a weather bot.' });
}

const chatCalls = async () => (await chat.requests()).filter((r) => r.path === '/v1/chat/completions');

t.test('a Chat-only model summarises; the answer is a response.compaction with the user messages and one sealed item', async (t) => {
  await chat.reset();
  const compacted = await compactOnce();
  t.equal(compacted.object, 'response.compaction');
  t.match(compacted.id, /^resp_/);
  t.same(
    compacted.output.map((i: any) => [i.type, i.role]),
    [
      ['message', 'user'],
      ['message', 'user'],
      ['compaction', undefined],
    ],
    'user messages kept, the rest replaced by one compaction item',
  );
  t.same((compacted.output[0] as any).content, [{ type: 'input_text', text: 'Find the weather in Paris.' }]);
  t.same((compacted.output[1] as any).content, [{ type: 'input_text', text: 'And tomorrow?' }]);
  const item = compacted.output[2] as any;
  t.match(item.id, /^cmp_/);
  t.match(item.encrypted_content, /^lmrelay-c1\.[A-Za-z0-9_-]+$/);
  t.notMatch(Buffer.from(item.encrypted_content.slice(11), 'base64url').toString('latin1'), /Hello from/, 'the summary is not readable in the item');
  t.same(compacted.usage, { input_tokens: 7, input_tokens_details: { cached_tokens: 0 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 12 });

  const [call] = await chatCalls();
  t.equal(call.body.stream, false);
  t.equal(call.body.tools, undefined, 'no tools: the answer must be text');
  const messages = call.body.messages;
  t.equal(messages[0].role, 'system');
  t.match(messages[0].content, /^You compact conversations\./);
  t.match(messages[0].content, /<instructions>\nYou are a weather bot\.\n<\/instructions>/, "the conversation's instructions quoted");
  t.same(
    messages.slice(1, -1).map((m: any) => m.role),
    ['user', 'assistant', 'tool', 'assistant', 'user'],
    'the conversation as it was',
  );
  t.same(messages.at(-1), { role: 'user', content: 'Write the summary of the conversation above now, following the instructions of the system message. Answer with the summary only.' });

  const metrics = await (await fetch(`${relay.url}/metrics`)).text();
  t.match(metrics, /lmrelay_tokens_total\{[^}]*model="local\/m"[^}]*\} \d+/, 'usage counted as for other calls');
});

t.test('a later turn gets the summary unsealed into its context, on the Responses API and on the next compaction', async (t) => {
  const compacted = await compactOnce();
  await chat.reset();
  const res = await sdk(relay.url).responses.create({ model: 'local/m', input: [...(compacted.output as any[]), { role: 'user', content: 'Thanks. What about Lyon?' }] });
  t.equal(res.output_text, 'Hello from vllm m');
  const [call] = await chatCalls();
  t.same(
    call.body.messages.map((m: any) => m.role),
    ['user', 'user', 'user', 'user'],
  );
  const summary = call.body.messages[2].content[0].text;
  t.match(summary, /^Summary of the earlier conversation \(it was compacted/);
  t.match(summary, /\n\nHello from vllm m$/, 'the model-written summary, unsealed');
  t.equal(call.body.messages[3].content, 'Thanks. What about Lyon?');

  // Compacting a compacted window: the old summary is part of what is summarised, and replaced.
  await chat.reset();
  const again = await sdk(relay.url).responses.compact({ model: 'local/m', input: [...(compacted.output as any[]), { role: 'user', content: 'More.' }] });
  t.same(
    again.output.map((i: any) => i.type),
    ['message', 'message', 'message', 'compaction'],
  );
  t.not((again.output[3] as any).encrypted_content, (compacted.output[2] as any).encrypted_content);
  const [summaryCall] = await chatCalls();
  t.ok(
    summaryCall.body.messages.some((m: any) => Array.isArray(m.content) && /Hello from vllm m$/.test(m.content[0].text)),
    'the earlier summary reached the summariser',
  );
});

t.test('a Responses upstream that is not OpenAI gets the summary as a message, and summarises through its own API', async (t) => {
  const compacted = await compactOnce();
  await openai.reset();
  const res = await sdk(relay.url).responses.create({ model: 'lmresp/r', input: [...(compacted.output as any[]), { role: 'user', content: 'next' }] });
  t.equal(res.status, 'completed');
  const [turn] = (await openai.requests()).filter((r) => r.path === '/v1/responses');
  t.same(
    turn.body.input.map((i: any) => i.type ?? 'message'),
    ['message', 'message', 'message', 'message'],
    'no compaction item reaches it',
  );
  t.match(turn.body.input[2].content[0].text, /^Summary of the earlier conversation[^]*Hello from vllm m$/);

  await openai.reset();
  const again = await sdk(relay.url).responses.compact({ model: 'lmresp/r', input: 'hello' });
  t.match((again.output.at(-1) as any).encrypted_content, /^lmrelay-c1\./, 'sealed by lmrelay');
  t.same(
    (await openai.requests()).map((r) => r.path),
    ['/v1/responses'],
    'summarised through /responses, never its /responses/compact',
  );
});

t.test('an altered, cut, foreign or malformed compaction item is a 400 naming its index; nothing reaches the upstream', async (t) => {
  const compacted = await compactOnce();
  const sealed: string = (compacted.output[2] as any).encrypted_content;
  const otherItem = ((await sdk(other.url, 'unused').responses.compact({ model: 'local/m', input: 'hello' })).output.at(-1) as any).encrypted_content;
  const flipAt = 11 + Math.floor((sealed.length - 11) / 2);
  const flipped = sealed.slice(0, flipAt) + (sealed[flipAt] === 'A' ? 'B' : 'A') + sealed.slice(flipAt + 1);
  const cases: Record<string, string> = {
    'a flipped character': flipped,
    'the tag cut off': sealed.slice(0, -8),
    'cut to its prefix and a few bytes': sealed.slice(0, 20),
    'prefix only': 'lmrelay-c1.',
    "another lmrelay's item": otherItem,
    'garbage base64': 'lmrelay-c1.!!!not*base64!!!',
    'non-ASCII': 'lmrelay-c1.ÿñ€𝄞',
    "OpenAI's own item": 'gAAAAB-openai-opaque-compaction==',
    'a very long value': `lmrelay-c1.${'A'.repeat(5 * 1024 * 1024)}`,
  };
  await chat.reset();
  for (const [what, encrypted] of Object.entries(cases)) {
    for (const path of ['/v1/responses', '/v1/responses/compact']) {
      const res = await postJson(`${relay.url}${path}`, { model: 'local/m', input: [{ role: 'user', content: 'hi' }, { type: 'compaction', encrypted_content: encrypted }] }, auth());
      t.equal(res.status, 400, `${path}: ${what}`);
      t.equal(res.json?.error?.code, 'invalid_encrypted_content', `${path}: ${what}`);
      t.equal(res.json?.error?.type, 'invalid_request_error');
      t.equal(res.json?.error?.param, 'input[1].encrypted_content');
      t.match(res.json?.error?.message, /^input\[1\]: the encrypted content of this compaction item could not be verified/);
    }
  }
  // Sealed for one inbound key, refused under another.
  const underB = await postJson(`${relay.url}/v1/responses`, { model: 'local/m', input: [{ type: 'compaction', encrypted_content: sealed }, { role: 'user', content: 'hi' }] }, auth(KEY_B));
  t.equal(underB.status, 400, "another inbound key's item");
  t.equal(underB.json.error.param, 'input[0].encrypted_content');
  for (const bad of [undefined, 42, null, { nested: sealed }]) {
    const res = await postJson(`${relay.url}/v1/responses`, { model: 'local/m', input: [{ type: 'compaction', encrypted_content: bad }] }, auth());
    t.equal(res.status, 400, `encrypted_content ${JSON.stringify(bad)}`);
    t.equal(res.json.error.code, 'invalid_value');
    t.equal(res.json.error.param, 'input[0].encrypted_content');
  }
  t.same(await chatCalls(), [], 'no refused item reached the model');
  const ok = await postJson(`${relay.url}/v1/responses`, { model: 'local/m', input: [{ type: 'compaction', encrypted_content: sealed }, { role: 'user', content: 'hi' }] }, auth());
  t.equal(ok.status, 200, 'the untouched item still opens under its own key');
});

t.test('the compact route: guarded by the inbound keys, its body checked, and an upstream without a summary is a 502', async (t) => {
  const none = await postJson(`${relay.url}/v1/responses/compact`, { model: 'local/m', input: 'hi' });
  t.equal(none.status, 401);
  t.equal(none.json.error.code, 'invalid_api_key');
  const noModel = await postJson(`${relay.url}/v1/responses/compact`, { input: 'hi' }, auth());
  t.equal(noModel.status, 400);
  t.equal(noModel.json.error.param, 'model');
  const noInput = await postJson(`${relay.url}/v1/responses/compact`, { model: 'local/m', input: null }, auth());
  t.equal(noInput.status, 400);
  t.equal(noInput.json.error.param, 'input');
  const previous = await postJson(`${relay.url}/v1/responses/compact`, { model: 'local/m', previous_response_id: 'resp_123' }, auth());
  t.equal(previous.status, 400);
  t.equal(previous.json.error.param, 'previous_response_id');
  const broken = await postJson(`${relay.url}/v1/responses/compact`, { model: 'local/badjson', input: 'hi' }, auth());
  t.equal(broken.status, 502);
  t.equal(broken.json.error.code, 'bad_upstream_response');
  for (const path of ['/v1/responses/COMPACT', '/v1/responses/compact/x', '/v1/responses/compacté']) {
    const res = await postJson(`${relay.url}${encodeURI(path)}`, { model: 'local/m', input: 'hi' }, auth());
    t.equal(res.status, 404, path);
  }
});

t.test('OpenAI compacts natively: the request and its items pass through untouched', async (t) => {
  await openai.reset();
  const compacted = await sdk(relay.url).responses.compact({ model: 'openai/gpt-x', input: conversation, instructions: 'Be brief.' });
  t.equal(compacted.id, 'resp_mockcompact', "OpenAI's own answer");
  const item = compacted.output.at(-1) as any;
  t.same(item, { id: 'cmp_mock', type: 'compaction', encrypted_content: 'gAAAAB-openai-opaque-compaction==' });
  const [sent] = (await openai.requests()).filter((r) => r.path === '/v1/responses/compact');
  t.same(sent.body, { model: 'gpt-x', input: conversation, instructions: 'Be brief.' });

  // Its item goes back to OpenAI as it is; one of lmrelay's own is opened (OpenAI cannot read it).
  const ours = ((await compactOnce()).output.at(-1) as any).encrypted_content;
  await openai.reset();
  const next = await sdk(relay.url).responses.create({
    model: 'openai/gpt-x',
    input: [{ type: 'compaction', encrypted_content: ours }, ...(compacted.output as any[]), { role: 'user', content: 'go on' }],
  });
  t.equal(next.status, 'completed');
  const [turn] = (await openai.requests()).filter((r) => r.path === '/v1/responses');
  t.equal(turn.body.input[0].role, 'user');
  t.match(turn.body.input[0].content[0].text, /^Summary of the earlier conversation/);
  t.same(turn.body.input.at(-2), item, "OpenAI's compaction item untouched");

  // OpenAI's item cannot go to a Chat model: lmrelay cannot read it.
  const toChat = await postJson(`${relay.url}/v1/responses`, { model: 'local/m', input: [item] }, auth());
  t.equal(toChat.status, 400);
  t.equal(toChat.json.error.code, 'invalid_encrypted_content');
});

t.test('the key file: made once with mode 0600, a configured key, and a path that cannot be written', async (t) => {
  const mode = statSync(join(dir, 'a', 'compaction.key')).mode & 0o777;
  t.equal(mode, 0o600);
  const key = Buffer.alloc(32, 7).toString('base64');
  const config = (compaction: unknown) => ({ state: { compaction }, models: { mode: 'replace', providers: { local: { baseUrl: chat.baseUrl, models: [{ id: 'm' }] } } } });
  const one = await startRelay(config({ key }));
  const two = await startRelay(config({ key: Buffer.alloc(32, 7).toString('hex') }));
  const blocked = join(dir, 'a-file');
  writeFileSync(blocked, 'not a folder');
  const unwritable = await startRelay(config({ keyFile: join(blocked, 'compaction.key') }));
  t.teardown(() => Promise.all([one.close(), two.close(), unwritable.close()]));
  const made = await postJson(`${one.url}/v1/responses/compact`, { model: 'local/m', input: 'hi' });
  const opened = await postJson(`${two.url}/v1/responses`, { model: 'local/m', input: made.json.output });
  t.equal(opened.status, 200, 'the same key, written in hex, opens what the base64 one sealed');

  await chat.reset();
  const refused = await postJson(`${unwritable.url}/v1/responses/compact`, { model: 'local/m', input: 'hi' });
  t.equal(refused.status, 500);
  t.equal(refused.json.error.code, 'compaction_key_unavailable');
  t.match(refused.json.error.message, /compaction key file .*a-file\/compaction\.key cannot be read \(ENOTDIR\): set state\.compaction\.keyFile to a writable path, or state\.compaction\.key$/);
  t.same(await chatCalls(), [], 'no model call without a key to seal its answer');

  t.throws(() => validateConfig({ state: { compaction: { key: 'too-short' } } }, 'test'), /state\.compaction\.key: expected 32 bytes/);
});

t.test('a restart keeps the key: a second lmrelay process opens what the first sealed (default key file under $HOME)', async (t) => {
  const home = join(dir, 'home');
  const file = join(dir, 'restart.json5');
  writeFileSync(file, `{ models: { mode: "replace", providers: { local: { baseUrl: "${chat.baseUrl}", models: [{ id: "m" }] } } } }`);
  const env = { ...process.env, HOME: home };
  const first = await serve(['--config', file], { env });
  let compacted: any;
  try {
    compacted = await sdk(first.url, 'unused').responses.compact({ model: 'local/m', input: 'remember this' });
  } finally {
    await first.stop();
  }
  t.equal(statSync(join(home, '.local/state/lmrelay/compaction.key')).mode & 0o777, 0o600, 'the key kept under $HOME/.local/state/lmrelay');
  const second = await serve(['--config', file], { env });
  t.teardown(() => second.stop());
  await chat.reset();
  const next = await sdk(second.url, 'unused').responses.create({ model: 'local/m', input: [...compacted.output, { role: 'user', content: 'go on' }] });
  t.equal(next.status, 'completed');
  const [call] = await chatCalls();
  t.match(call.body.messages[1].content[0].text, /^Summary of the earlier conversation[^]*Hello from vllm m$/, 'unsealed after the restart');
});

t.test('previous_response_id: the stored conversation is what gets compacted, for its own key only', async (t) => {
  await chat.reset();
  const first = await sdk(relay.url).responses.create({ model: 'local/m', input: 'Remember the code word: heron.' });
  const compacted = await sdk(relay.url).responses.compact({ model: 'local/m', previous_response_id: first.id, input: [{ role: 'user', content: 'What was the code word?' }] } as any);
  t.same(
    compacted.output.map((i: any) => i.type),
    ['message', 'message', 'compaction'],
    "both user messages (the stored one and the new one) kept, then the summary",
  );
  const summaryCall = (await chatCalls()).at(-1)!;
  const sent = JSON.stringify(summaryCall.body.messages);
  t.match(sent, /code word: heron/, 'the stored question reached the summarising model');
  t.match(sent, new RegExp(`Hello from vllm m`), "and the stored answer too");
  const foreign = await postJson(`${relay.url}/v1/responses/compact`, { model: 'local/m', previous_response_id: first.id, input: 'hi' }, auth(KEY_B));
  t.equal(foreign.status, 400, "another key's response is not found");
  t.equal(foreign.json.error.code, 'previous_response_not_found');
});
