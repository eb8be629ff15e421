/** A Chat Completions request -> an Ollama /api/chat request (dialects/ollama/request.ts). */
import t from 'tap';
import { chatToOllama } from '../../../dialects/ollama/request.js';

const target = (extra: Record<string, unknown> = {}) => ({ upstreamModel: 'llama3.2', reasoning: false, ...extra });
const can = (tools: boolean, vision: boolean, thinking: boolean) => ({ capabilities: { tools, vision, thinking } });

t.test('messages: roles, text parts, images, tool calls and their results', async (t) => {
  const out = chatToOllama(
    {
      messages: [
        { role: 'developer', content: [{ type: 'text', text: 'Rule one.' }, { type: 'text', text: 'Rule two.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAAA' } }] },
        { role: 'assistant', content: null, reasoning_content: 'Think.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }, { id: 'c2', type: 'function', function: { name: 'g', arguments: 'not json' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'one' },
        { role: 'tool', tool_call_id: 'c2', content: [{ type: 'text', text: 'two' }] },
      ],
    },
    target(),
    {},
  );
  t.same(out.messages, [
    { role: 'system', content: 'Rule one.\nRule two.' },
    { role: 'user', content: 'Look:', images: ['AAAA'] },
    { role: 'assistant', content: '', thinking: 'Think.', tool_calls: [{ id: 'c1', function: { name: 'f', arguments: { x: 1 } } }, { id: 'c2', function: { name: 'g', arguments: { _raw: 'not json' } } }] },
    { role: 'tool', content: 'one', tool_name: 'f', tool_call_id: 'c1' },
    { role: 'tool', content: 'two', tool_name: 'g', tool_call_id: 'c2' },
  ]);
  t.equal(out.stream, false);
  t.notOk('options' in out, 'nothing to set: no options');
});

t.test('options: num_ctx from the window, num_predict, sampling; the request\'s own options win', async (t) => {
  const out = chatToOllama({ messages: [], max_tokens: 10, max_completion_tokens: 20, temperature: 0, top_p: 0.5, top_k: 40, seed: 1, presence_penalty: 0.1, frequency_penalty: 0.2, stop: 'x', stream: true }, target(), { contextWindow: 32768 });
  t.same(out.options, { num_ctx: 32768, num_predict: 20, temperature: 0, top_p: 0.5, top_k: 40, seed: 1, frequency_penalty: 0.2, presence_penalty: 0.1, stop: ['x'] });
  t.equal(out.stream, true);
  const own = chatToOllama({ messages: [], options: { num_ctx: 4096 } }, target(), { contextWindow: 32768 });
  t.same(own.options, { num_ctx: 4096 });
});

t.test('tools: functions only, none with tool_choice "none"; refused when the server says the model has none', async (t) => {
  const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }, { type: 'web_search' }];
  t.same(chatToOllama({ messages: [], tools }, target(), {}).tools, [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }]);
  t.notOk('tools' in chatToOllama({ messages: [], tools, tool_choice: 'none' }, target(), {}));
  t.throws(() => chatToOllama({ messages: [], tools }, target(), can(false, false, false)), { code: 'unsupported_tool', preflight: true, retryable: true });
  t.doesNotThrow(() => chatToOllama({ messages: [], tools, tool_choice: 'none' }, target(), can(false, false, false)));
});

t.test('images: refused as links, to a model without vision, and other part types', async (t) => {
  const image = (url: string) => ({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }] });
  t.throws(() => chatToOllama(image('https://example.com/a.png'), target(), {}), { code: 'unsupported_content', param: 'messages[0].content[0].image_url.url' });
  t.throws(() => chatToOllama(image('data:image/png;base64,AA'), target(), can(true, false, false)), { code: 'unsupported_content', message: /takes no images/ });
  t.throws(() => chatToOllama({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] }, target(), {}), { code: 'unsupported_content', param: 'messages[0].content[0].type' });
});

t.test('think: for a model that reasons (config) or can think (server); effort levels; the client\'s own think wins', async (t) => {
  t.notOk('think' in chatToOllama({ messages: [] }, target(), {}));
  t.equal(chatToOllama({ messages: [] }, target({ reasoning: true }), {}).think, true);
  t.equal(chatToOllama({ messages: [] }, target(), can(true, false, true)).think, true);
  t.equal(chatToOllama({ messages: [], reasoning_effort: 'none' }, target(), can(true, false, true)).think, false);
  t.equal(chatToOllama({ messages: [], reasoning_effort: 'minimal' }, target({ reasoning: true }), {}).think, 'low');
  t.equal(chatToOllama({ messages: [], reasoning_effort: 'high' }, target({ reasoning: true }), {}).think, 'high');
  t.equal(chatToOllama({ messages: [], think: false }, target({ reasoning: true }), {}).think, false);
});

t.test('format from response_format; keep_alive from the provider, the request\'s own first', async (t) => {
  t.equal(chatToOllama({ messages: [], response_format: { type: 'json_object' } }, target(), {}).format, 'json');
  t.same(chatToOllama({ messages: [], response_format: { type: 'json_schema', json_schema: { name: 'n', schema: { type: 'object' } } } }, target(), {}).format, { type: 'object' });
  t.notOk('format' in chatToOllama({ messages: [], response_format: { type: 'text' } }, target(), {}));
  const provider = { config: { keepAlive: '1h' } };
  t.equal(chatToOllama({ messages: [] }, target({ provider }), {}).keep_alive, '1h');
  t.equal(chatToOllama({ messages: [], keep_alive: -1 }, target({ provider }), {}).keep_alive, -1);
  t.notOk('keep_alive' in chatToOllama({ messages: [] }, target(), {}), "unset: the server's own");
});
