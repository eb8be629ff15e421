/** The real llama.cpp server through every Responses translation path: same text as direct. */
import t from 'tap';
import OpenAI from 'openai';
import { relayOverLlama, startLlama, type LlamaServer } from '../helpers/llama.js';

const llama = await startLlama();
if (typeof llama === 'string') t.plan(0, `real llama.cpp tests skipped: ${llama}`);
else await run(llama);

async function run(llama: LlamaServer) {
  const relay = await relayOverLlama(t, llama);
  const direct = new OpenAI({ baseURL: llama.baseUrl, apiKey: 'x', maxRetries: 0 });
  const prompt = 'Tell me a story.';
  const want = (await direct.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: prompt }], temperature: 0, max_tokens: 20 })).choices[0].message.content;
  const directResponse = await direct.responses.create({ model: 'tiny', input: prompt, temperature: 0, max_output_tokens: 20 });
  const wantResponses = directResponse.output_text;

  t.test('responses.create through Chat translation and through pass-through', async (t) => {
    t.ok(want, 'the model said something');
    const viaChat = await relay.client.responses.create({ model: 'chat/tiny', input: prompt, temperature: 0, max_output_tokens: 20 });
    t.equal(viaChat.output_text, want);
    t.equal(viaChat.status, 'incomplete', 'stopped at max_output_tokens: incomplete, as OpenAI says');
    const passed = await relay.client.responses.create({ model: 'resp/tiny', input: prompt, temperature: 0, max_output_tokens: 20 });
    t.equal(passed.output_text, wantResponses);
    t.equal(directResponse.usage?.output_tokens, 20, 'llama.cpp wrote up to the limit...');
    t.equal(directResponse.status, 'completed', '...and calls its answer completed');
    t.equal(passed.status, 'incomplete', 'passed through, it is incomplete');
    t.same(passed.incomplete_details, { reason: 'max_output_tokens' });
  });

  t.test('responses.stream validates on both paths and gives the same text', async (t) => {
    for (const [model, expected] of [['chat/tiny', want], ['resp/tiny', wantResponses]] as const) {
      const stream = relay.client.responses.stream({ model, input: prompt, temperature: 0, max_output_tokens: 20 });
      const seqs: number[] = [];
      for await (const e of stream) seqs.push(e.sequence_number);
      const final = await stream.finalResponse();
      t.equal(final.output_text, expected, model);
      t.equal(final.status, 'incomplete', 'cut at max_output_tokens');
      t.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), 'sequence numbers filled in and rising');
    }
  });

  t.test('chat.completions on the Responses upstream equals the direct Responses text', async (t) => {
    const got = await relay.client.chat.completions.create({ model: 'resp/tiny', messages: [{ role: 'user', content: prompt }], temperature: 0, max_tokens: 20 });
    t.equal(got.choices[0].message.content, wantResponses);
    let streamed = '';
    for await (const c of await relay.client.chat.completions.create({ model: 'resp/tiny', stream: true, messages: [{ role: 'user', content: prompt }], temperature: 0, max_tokens: 20 })) {
      streamed += c.choices[0]?.delta?.content ?? '';
    }
    t.equal(streamed, wantResponses);
  });

  t.test("an agent's tools (hosted, namespace, custom) reach llama.cpp as functions it accepts", async (t) => {
    const tools = [
      { type: 'function', name: 'exec_command', description: 'Run a command', parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] }, strict: false },
      { type: 'namespace', name: 'crm', description: 'Customer records', tools: [{ type: 'function', name: 'lookup', description: 'Find one', parameters: { type: 'object', properties: { q: { type: 'string' } } }, strict: false }] },
      { type: 'custom', name: 'apply_patch', description: 'Edit files', format: { type: 'grammar', syntax: 'lark', definition: 'start: /.+/' } },
      { type: 'web_search', external_web_access: false },
    ];
    const input = [
      { role: 'user' as const, content: 'Fix the file.' },
      { type: 'custom_tool_call', call_id: 'call_1', name: 'apply_patch', input: '*** Begin Patch' },
      { type: 'custom_tool_call_output', call_id: 'call_1', output: 'done' },
      { type: 'function_call', call_id: 'call_2', name: 'lookup', namespace: 'crm', arguments: '{"q":"Ada"}' },
      { type: 'function_call_output', call_id: 'call_2', output: 'found' },
    ];
    for (const model of ['chat/tiny', 'resp/tiny']) {
      const body = { model, input, tools, temperature: 0, max_output_tokens: 8, client_metadata: { session_id: 's' } } as any;
      const plain = await relay.client.responses.create(body);
      t.equal(plain.object, 'response', `${model}: answered`);
      t.same(plain.tools.map((tool: any) => tool.type), ['function', 'namespace', 'custom'], 'the tools it had, as declared');
      const stream = relay.client.responses.stream(body);
      for await (const _ of stream) void _;
      t.equal((await stream.finalResponse()).object, 'response', `${model}: streamed`);
    }
  });
}
