/** Anthropic stream events -> chat.completion.chunks (dialects/anthropic-messages/stream.ts), on recorded streams. */
import t from 'tap';
import { Frame } from '../../../core/frame.js';
import { anthropicEventsToChatChunks } from '../../../dialects/anthropic-messages/stream.js';
import { fixtureFrames, fixtureJson, run, assemble } from '../fixtures.js';

t.test("llama.cpp's /v1/messages stream: the same text as its plain answer", async (t) => {
  const chunks = await run(fixtureFrames('anthropic-messages/llama-stream.sse'), anthropicEventsToChatChunks('tiny'));
  const got = assemble(chunks);
  t.equal(got.content, fixtureJson('anthropic-messages/llama-message.json').content[0].text);
  t.equal(got.finish, 'length');
  t.equal(got.ids.size, 1, 'one id for the whole stream');
  t.ok(chunks.every((c) => c.object === 'chat.completion.chunk'));
  t.equal(chunks[0].choices[0].delta.role, 'assistant', 'the first chunk names the role');
  t.same(chunks.at(-1).choices, [], 'usage comes last, in a chunk of its own');
  t.same(got.usage, { prompt_tokens: 30, completion_tokens: 12, total_tokens: 42, prompt_tokens_details: { cached_tokens: 29, cache_creation_tokens: 0 } });
});

t.test('text, then a tool call streamed in pieces (mock)', async (t) => {
  const got = assemble(await run(fixtureFrames('anthropic-messages/mock-tool-stream.sse'), anthropicEventsToChatChunks('tool')));
  t.equal(got.content, 'Checking.');
  t.same(got.calls, [{ id: 'toolu_01', name: 'weather', arguments: '{"city": "Paris"}' }]);
  t.equal(got.finish, 'tool_calls');
  t.match(got.usage, { prompt_tokens: 17, completion_tokens: 6 });
});

t.test('the answer tool streams as content', async (t) => {
  const got = assemble(await run(fixtureFrames('anthropic-messages/mock-tool-stream.sse'), anthropicEventsToChatChunks('tool', 'weather')));
  t.equal(got.content, '{"city": "Paris"}', 'its JSON alone, no text around it');
  t.same(got.calls, []);
  t.equal(got.finish, 'stop');
});

t.test('thinking blocks become reasoning_content; signatures are not text', async (t) => {
  const got = assemble(await run(fixtureFrames('anthropic-messages/mock-thinking-stream.sse'), anthropicEventsToChatChunks('thinking')));
  t.equal(got.reasoning, 'Weighing it up.');
  t.equal(got.content, 'Hello from anthropic thinking');
  t.equal(got.finish, 'stop');
});

t.test('an error event fails the stream as an upstream failure', async (t) => {
  const [start] = fixtureFrames('anthropic-messages/mock-tool-stream.sse');
  const overloaded = Frame.of({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'error');
  await t.rejects(run([start, overloaded], anthropicEventsToChatChunks('m')), {
    code: 'upstream_error',
    failureKind: 'bad_response',
    message: /Overloaded/,
  });
});
