/** Through lmrelay, the real llama.cpp server answers byte for byte what it answers directly. */
import t from 'tap';
import OpenAI from 'openai';
import { startLlama, type LlamaServer } from '../helpers/llama.js';
import { startRelay, type RelayUnderTest } from '../helpers/relay.js';

const llama = await startLlama();
if (typeof llama === 'string') {
  t.plan(0, `real llama.cpp tests skipped: ${llama}`);
} else {
  await run(llama);
}

async function run(llama: LlamaServer) {
  const relay: RelayUnderTest = await startRelay({
    models: { providers: { llama: { baseUrl: llama.baseUrl, apiKey: 'llama-local', models: [{ id: 'tiny' }] } } },
    agents: { defaults: { model: { primary: 'llama/tiny' } } },
  });
  t.teardown(async () => {
    await relay.close();
    await llama.close();
  });
  const direct = new OpenAI({ baseURL: llama.baseUrl, apiKey: 'x', maxRetries: 0 });
  const request = { model: 'tiny', messages: [{ role: 'user' as const, content: 'Say something.' }], temperature: 0, max_tokens: 24 };

  t.test('plain reply equals the direct reply', async (t) => {
    const want = await direct.chat.completions.create(request);
    const got = await relay.client.chat.completions.create({ ...request, model: 'llama/tiny' });
    t.ok(want.choices[0].message.content, 'the model said something');
    t.equal(got.choices[0].message.content, want.choices[0].message.content);
    t.equal(got.choices[0].finish_reason, want.choices[0].finish_reason);
  });

  t.test('streamed reply equals the direct stream', async (t) => {
    const collect = async (client: OpenAI, model: string) => {
      const deltas: string[] = [];
      let finish: string | null = null;
      for await (const chunk of await client.chat.completions.create({ ...request, model, stream: true })) {
        const c = chunk.choices[0];
        if (c?.delta?.content) deltas.push(c.delta.content);
        if (c?.finish_reason) finish = c.finish_reason;
      }
      return { deltas, finish };
    };
    const want = await collect(direct, 'tiny');
    const got = await collect(relay.client, 'llama/tiny');
    t.ok(want.deltas.length > 3, 'several chunks');
    t.same(got.deltas, want.deltas, 'same chunks in the same order');
    t.equal(got.finish, want.finish);
  });

  t.test('a real context overflow is a 400 passed back, not a fallback', async (t) => {
    const long = 'word '.repeat(6000);
    const err = await relay.client.chat.completions.create({ ...request, model: 'llama/tiny', messages: [{ role: 'user', content: long }] }).catch((e) => e);
    t.equal(err.status, 400);
    t.match(err.message, /context|exceed/i);
  });

  t.test('/v1/models lists the configured model', async (t) => {
    const list = await relay.client.models.list();
    t.ok(list.data.some((m) => m.id === 'llama/tiny'));
  });
}
