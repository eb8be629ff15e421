/**
 * The real llama.cpp server, which keeps no responses: the openai SDK chains three turns with
 * previous_response_id through lmrelay, over llama.cpp's Responses API (passed through) and its
 * Chat API (translated); the model sees the whole conversation (the same answer as when it is
 * sent the conversation directly), then the stored responses are retrieved, listed and deleted.
 */
import t from 'tap';
import OpenAI from 'openai';
import { relayOverLlama, startLlama, type LlamaServer } from '../helpers/llama.js';

const llama = await startLlama();
if (typeof llama === 'string') t.plan(0, `real llama.cpp tests skipped: ${llama}`);
else await run(llama);

async function run(llama: LlamaServer) {
  const relay = await relayOverLlama(t, llama);
  const direct = new OpenAI({ baseURL: llama.baseUrl, apiKey: 'x', maxRetries: 0 });
  const settings = { temperature: 0, max_output_tokens: 8 };
  const questions = ['Tell me a story.', 'Go on.', 'And then?'];

  for (const model of ['resp/tiny', 'chat/tiny']) {
    t.test(`three turns chained with previous_response_id through ${model}`, async (t) => {
      const turns: OpenAI.Responses.Response[] = [];
      for (const question of questions) {
        turns.push(await relay.client.responses.create({ model, input: question, previous_response_id: turns.at(-1)?.id, ...settings }));
      }
      const inputs = turns.map((r) => r.usage!.input_tokens);
      t.ok(inputs[0] < inputs[1] && inputs[1] < inputs[2], `the model read a growing conversation (${inputs.join(' < ')} input tokens)`);

      // The same conversation sent whole, straight to llama.cpp, is answered the same.
      const conversation: any[] = [];
      for (let i = 0; i < 2; i++) conversation.push({ type: 'message', role: 'user', content: questions[i] }, { type: 'message', role: 'assistant', content: turns[i].output_text });
      conversation.push({ type: 'message', role: 'user', content: questions[2] });
      const whole =
        model === 'resp/tiny'
          ? (await direct.responses.create({ model: 'tiny', input: conversation, ...settings })).output_text
          : (await direct.chat.completions.create({ model: 'tiny', messages: conversation, temperature: 0, max_tokens: 8 })).choices[0].message.content;
      t.equal(turns[2].output_text, whole, 'the third turn is what the whole conversation gets directly');

      const got = await relay.client.responses.retrieve(turns[1].id);
      t.equal(got.id, turns[1].id);
      t.equal(got.output_text, turns[1].output_text);
      t.equal(got.previous_response_id, turns[0].id);
      const items = await relay.client.responses.inputItems.list(turns[2].id, { order: 'asc' });
      t.same(
        items.data.map((i: any) => `${i.role}: ${i.content[0].text}`),
        [`user: ${questions[0]}`, `assistant: ${turns[0].output_text}`, `user: ${questions[1]}`, `assistant: ${turns[1].output_text}`, `user: ${questions[2]}`],
      );
      t.same(await relay.client.responses.delete(turns[2].id), { id: turns[2].id, object: 'response.deleted', deleted: true } as any);
      const gone = await relay.client.responses.retrieve(turns[2].id).catch((e) => e);
      t.equal(gone.status, 404);
    });
  }
}
