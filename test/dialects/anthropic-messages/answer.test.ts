/** Anthropic message -> chat.completion (dialects/anthropic-messages/answer.ts), on recorded answers. */
import t from 'tap';
import { anthropicToChatCompletion } from '../../../dialects/anthropic-messages/answer.js';
import { fixtureJson } from '../fixtures.js';

t.test("llama.cpp's /v1/messages answer", async (t) => {
  const message = fixtureJson('anthropic-messages/llama-message.json');
  const out = anthropicToChatCompletion(message);
  t.equal(out.object, 'chat.completion');
  t.equal(out.model, message.model);
  t.equal(out.choices[0].message.content, message.content[0].text);
  t.equal(out.choices[0].finish_reason, 'length', 'max_tokens -> length');
  t.match(out.id, /^chatcmpl-/);
  // Chat counts cached input inside prompt_tokens; Anthropic counts it apart.
  t.same(out.usage, { prompt_tokens: 30, completion_tokens: 12, total_tokens: 42, prompt_tokens_details: { cached_tokens: 0, cache_creation_tokens: 0 } });
});

t.test('text and a tool call (mock), with cache tokens', async (t) => {
  const out = anthropicToChatCompletion(fixtureJson('anthropic-messages/mock-tool-message.json'));
  t.same(out.choices[0].message, {
    role: 'assistant',
    content: 'Checking.',
    tool_calls: [{ id: 'toolu_01', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
  });
  t.equal(out.choices[0].finish_reason, 'tool_calls');
  t.equal(out.id, 'chatcmpl-mock', "the message's own id, in Chat's form");
  t.same(out.usage, { prompt_tokens: 17, completion_tokens: 6, total_tokens: 23, prompt_tokens_details: { cached_tokens: 4, cache_creation_tokens: 2 } });
});

t.test("the answer tool's input is the content, alone", async (t) => {
  const out = anthropicToChatCompletion(fixtureJson('anthropic-messages/mock-tool-message.json'), 'weather');
  t.same(out.choices[0].message, { role: 'assistant', content: '{"city":"Paris"}' });
  t.equal(out.choices[0].finish_reason, 'stop');
});
