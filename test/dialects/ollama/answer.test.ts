/** An Ollama /api/chat answer -> a chat.completion (dialects/ollama/answer.ts). */
import t from 'tap';
import { ollamaToChatCompletion, finishReasonOf } from '../../../dialects/ollama/answer.js';
import { fixtureJson } from '../fixtures.js';

t.test("the API doc's tool answer: arguments as JSON text, an id made, finish tool_calls, usage", async (t) => {
  const c = ollamaToChatCompletion(fixtureJson('ollama/tool-answer.json'), 'fallback');
  const msg = c.choices[0].message;
  t.equal(msg.content, null, 'only calls: no content');
  t.equal(msg.tool_calls.length, 1);
  t.match(msg.tool_calls[0], { type: 'function', id: /^call_/, function: { name: 'get_current_weather' } });
  t.same(JSON.parse(msg.tool_calls[0].function.arguments), { format: 'celsius', location: 'Paris, FR' });
  t.equal(c.choices[0].finish_reason, 'tool_calls');
  t.same(c.usage, { prompt_tokens: 122, completion_tokens: 33, total_tokens: 155, prompt_tokens_details: { cached_tokens: 0 } });
  t.equal(c.model, 'llama3.2');
  t.equal(c.object, 'chat.completion');
  t.match(c.id, /^chatcmpl-/);
});

t.test('thinking is reasoning_content, apart from the answer', async (t) => {
  const c = ollamaToChatCompletion({ model: 'qwen3', message: { role: 'assistant', content: 'Hi', thinking: 'Hmm.' }, done: true, done_reason: 'stop' }, 'qwen3');
  t.same(c.choices[0].message, { role: 'assistant', content: 'Hi', reasoning_content: 'Hmm.' });
  t.notOk('usage' in c, 'no counts, no usage');
});

t.test('string arguments (a server that sends text) are kept as they are; ids given are kept', async (t) => {
  const c = ollamaToChatCompletion({ message: { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', function: { name: 'f', arguments: '{"a":1}' } }] }, done: true }, 'm');
  t.same(c.choices[0].message.tool_calls, [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }]);
  t.equal(c.model, 'm', 'the fallback model when the answer names none');
});

t.test('done_reason -> finish_reason', async (t) => {
  t.equal(finishReasonOf('stop', false), 'stop');
  t.equal(finishReasonOf('length', false), 'length');
  t.equal(finishReasonOf('length', true), 'tool_calls');
  t.equal(finishReasonOf(undefined, false), 'stop');
});
