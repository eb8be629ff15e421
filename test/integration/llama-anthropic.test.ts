/** The Anthropic adapter against llama.cpp's real /v1/messages: same text as its /v1/chat/completions. */
import t from 'tap';
import OpenAI from 'openai';
import { startLlama, type LlamaServer } from '../helpers/llama.js';
import { startRelay } from '../helpers/relay.js';

const llama = await startLlama();
if (typeof llama === 'string') t.plan(0, `real llama.cpp tests skipped: ${llama}`);
else await run(llama);

async function run(llama: LlamaServer) {
  const relay = await startRelay({
    models: { providers: { claude: { baseUrl: llama.baseUrl, apiKey: 'llama-local', api: 'anthropic-messages', models: [{ id: 'tiny', maxTokens: 20 }] } } },
  });
  t.teardown(async () => {
    await relay.close();
    await llama.close();
  });
  const direct = new OpenAI({ baseURL: llama.baseUrl, apiKey: 'x', maxRetries: 0 });
  const messages = [{ role: 'user' as const, content: 'Write a line.' }];
  const want = (await direct.chat.completions.create({ model: 'tiny', messages, temperature: 0, max_tokens: 20 })).choices[0].message.content;

  t.test('plain and streamed, through /v1/messages', async (t) => {
    t.ok(want, 'the model said something');
    const plain = await relay.client.chat.completions.create({ model: 'claude/tiny', messages, temperature: 0 });
    t.equal(plain.choices[0].message.content, want);
    t.equal(plain.choices[0].finish_reason, 'length', 'max_tokens stop_reason -> length');
    let streamed = '';
    for await (const c of await relay.client.chat.completions.create({ model: 'claude/tiny', messages, temperature: 0, stream: true })) streamed += c.choices[0]?.delta?.content ?? '';
    t.equal(streamed, want);
    const resp = await relay.client.responses.create({ model: 'claude/tiny', input: 'Write a line.', temperature: 0 });
    t.equal(resp.output_text, want, 'Responses -> Chat -> Anthropic -> back');
  });
}
