/**
 * /v1/messages against the real llama.cpp server, which speaks Anthropic's Messages API itself:
 * passed through (anthropic-messages), translated to Chat Completions and to Responses, the
 * Anthropic SDK gets the same text llama.cpp gives it directly; count_tokens is llama.cpp's own.
 */
import t from 'tap';
import { startLlama, type LlamaServer } from '../helpers/llama.js';
import { startRelay } from '../helpers/relay.js';
import { anthropicClient, blocksOf, sequenceProblems, streamEvents } from '../helpers/anthropic.js';

const llama = await startLlama();
if (typeof llama === 'string') t.plan(0, `real llama.cpp tests skipped: ${llama}`);
else await run(llama);

async function run(llama: LlamaServer) {
  const tiny = [{ id: 'tiny' }];
  const relay = await startRelay({
    models: {
      providers: {
        anth: { baseUrl: llama.baseUrl, apiKey: 'llama-local', api: 'anthropic-messages', models: tiny },
        chat: { baseUrl: llama.baseUrl, apiKey: 'llama-local', models: tiny },
        resp: { baseUrl: llama.baseUrl, apiKey: 'llama-local', api: 'openai-responses', models: tiny },
        // Under this path llama.cpp has no count_tokens route: a build without it, which still has /apply-template and /tokenize.
        older: { baseUrl: `${llama.url}/older/v1`, apiKey: 'llama-local', models: tiny },
      },
    },
  });
  t.teardown(async () => {
    await relay.close();
    await llama.close();
  });
  const ask = { max_tokens: 20, temperature: 0, messages: [{ role: 'user' as const, content: 'Write a line.' }] };
  const direct = await anthropicClient(llama.url).messages.create({ model: 'tiny', ...ask });
  const want = (direct.content[0] as { text: string }).text;
  const client = anthropicClient(relay.url);

  t.test('the same text as llama.cpp gives directly, plain and streamed, over each dialect', async (t) => {
    t.ok(want, 'the model said something');
    t.equal(direct.stop_reason, 'max_tokens');
    for (const model of ['anth/tiny', 'chat/tiny', 'resp/tiny']) {
      const plain = await client.messages.create({ model, ...ask });
      t.match(plain, { type: 'message', role: 'assistant', content: [{ type: 'text', text: want }] }, `${model}: plain`);
      t.equal(plain.usage.output_tokens, direct.usage.output_tokens, `${model}: usage`);
      const { events } = await streamEvents(relay.url, { model, ...ask });
      t.same(sequenceProblems(events), [], `${model}: a well-formed stream`);
      t.match(blocksOf(events), [{ type: 'text', text: want }], `${model}: streamed`);
      const final = await client.messages.stream({ model, ...ask }).finalMessage();
      t.match(final.content, [{ type: 'text', text: want }], `${model}: messages.stream`);
    }
    // Responses on llama.cpp says "completed" where it stopped at its limit (its README): only Chat and Anthropic say why.
    for (const model of ['anth/tiny', 'chat/tiny']) t.equal((await client.messages.create({ model, ...ask })).stop_reason, 'max_tokens', `${model}: stop_reason`);
  });

  t.test("count_tokens: llama.cpp's own count, through its chat template", async (t) => {
    const body = { messages: [{ role: 'user' as const, content: 'How long is this?' }], system: 'Be brief.', tools: [{ name: 'f', input_schema: { type: 'object' as const, properties: {} } }] };
    const directCount = await anthropicClient(llama.url).messages.countTokens({ model: 'tiny', ...body });
    t.ok(directCount.input_tokens > 20, `llama.cpp counts the template and tools: ${directCount.input_tokens}`);
    for (const model of ['anth/tiny', 'chat/tiny', 'older/tiny']) {
      const counted = await client.messages.countTokens({ model, ...body }).withResponse();
      t.equal(counted.data.input_tokens, directCount.input_tokens, `${model}: the server's own count`);
      t.equal(counted.response.headers.get('x-lmrelay-token-count'), 'upstream');
    }
  });
}
