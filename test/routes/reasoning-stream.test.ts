/**
 * `reasoning: true` models stream as they go: only text that could still be a think tag is held
 * back, whether the answer has tags or not; the template-opened think section stays reasoning.
 */
import t from 'tap';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, type RelayUnderTest } from '../helpers/relay.js';

let paced: MockUpstream;
let quick: MockUpstream;
let relay: RelayUnderTest;
t.before(async () => {
  // Four answer chunks, 300 ms apart.
  [paced, quick] = await Promise.all([startMock('vllm', ['--chunks', '4', '--chunk-delay', '300']), startMock('vllm', ['--chunks', '4'])]);
  relay = await startRelay({
    models: {
      providers: {
        paced: { baseUrl: paced.baseUrl, timeoutSeconds: 20, models: [{ id: 'plain', reasoning: true }, { id: 'stall-after-4', reasoning: true }] },
        quick: {
          baseUrl: quick.baseUrl,
          models: [
            { id: 'think', reasoning: true },
            { id: 'think-untagged', reasoning: true },
          ],
        },
        template: { baseUrl: quick.baseUrl, models: [{ id: 'think-untagged', reasoning: true, compat: { thinkOpenedByTemplate: true } }] },
      },
    },
  });
});
t.teardown(async () => {
  await relay.close();
  await Promise.all([paced.close(), quick.close()]);
});

/** Streams a chat answer; stops once `enough` content chunks came (or after 8 s). */
async function collect(model: string, enough = Infinity) {
  const stream = await relay.client.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const guard = setTimeout(() => stream.controller.abort(), 8000);
  const content: string[] = [];
  const reasoning: string[] = [];
  let finished = false;
  try {
    for await (const chunk of stream) {
      const delta: any = chunk.choices[0]?.delta ?? {};
      if (delta.content) content.push(delta.content);
      if (delta.reasoning_content) reasoning.push(delta.reasoning_content);
      if (chunk.choices[0]?.finish_reason) finished = true;
      if (content.length >= enough) break;
    }
  } catch (err) {
    if (!stream.controller.signal.aborted) throw err;
  } finally {
    clearTimeout(guard);
  }
  return { content, reasoning, finished };
}

t.test('an answer without think tags reaches the client chunk by chunk', async (t) => {
  const { content, reasoning, finished } = await collect('paced/plain');
  t.same(content, ['w0 ', 'w1 ', 'w2 ', 'w3 '], 'four chunks, not one held back until the end');
  t.same(reasoning, []);
  t.ok(finished);
});

t.test('chunks already sent arrive while the upstream has not sent its last one', async (t) => {
  // The upstream sends three of its words, then goes silent without finishing.
  const { content, finished } = await collect('paced/stall-after-4', 3);
  t.same(content, ['w0 ', 'w1 ', 'w2 '], 'all three received, the upstream still silent');
  t.notOk(finished);
});

t.test('tags cut across chunks still never reach the text', async (t) => {
  const { content, reasoning } = await collect('quick/think');
  t.equal(reasoning.join(''), 'secret plan');
  t.equal(content.join(''), 'w0 w1 w2 w3 ');
});

t.test('reasoning whose opening tag the template wrote', async (t) => {
  const whole = await relay.client.chat.completions.create({ model: 'quick/think-untagged', messages: [{ role: 'user', content: 'hi' }] });
  const message: any = whole.choices[0].message;
  t.equal(message.reasoning_content, 'secret plan', 'a whole answer: the text before a lone </think> is reasoning');
  t.equal(message.content, 'Hello from vllm think-untagged');

  const streamed = await collect('quick/think-untagged');
  t.same(streamed.reasoning, [], 'nothing is taken for reasoning');
  t.equal(streamed.content.join(''), 'secret plan</think>w0 w1 w2 w3 ', 'streamed with no setting: the text goes out as it comes, untouched');

  const declared = await collect('template/think-untagged');
  t.same(declared.reasoning, ['secret ', 'plan'], 'with compat.thinkOpenedByTemplate the reasoning streams as reasoning, as it comes');
  t.equal(declared.content.join(''), 'w0 w1 w2 w3 ');
});
