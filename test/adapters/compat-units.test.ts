/** The compat adapters alone, on recorded shapes. */
import t from 'tap';
import { BracketToolParser } from '../../adapters/bracket-tools.js';
import { flattenStringContent } from '../../adapters/string-content.js';
import { stripTools } from '../../adapters/strip-tools.js';
import { renameMaxTokens } from '../../adapters/max-tokens-field.js';
import { dropLeanTools } from '../../adapters/lean-tools.js';
import { applyParams } from '../../adapters/apply-params.js';
import { detectLookAlikeToolCall } from '../../adapters/lookalike-tools.js';
import { estimatePromptTokens } from '../../adapters/context-preflight.js';

t.test('bracket parser: same result for every chunking', async (t) => {
  const text = 'Hi [a] b. [weather]\n{"city": "Paris", "n": [1]}\n[END_TOOL_REQUEST]\nAfter.';
  for (const size of [1, 2, 3, 7, text.length]) {
    const parser = new BracketToolParser(new Set(['weather']));
    let out = '';
    const calls: unknown[] = [];
    for (let i = 0; i < text.length; i += size) {
      const r = parser.feed(text.slice(i, i + size));
      out += r.text;
      calls.push(...r.calls);
    }
    out += parser.end().text;
    t.equal(out, 'Hi [a] b. After.', `chunks of ${size}`);
    t.same(calls, [{ name: 'weather', arguments: '{"city":"Paris","n":[1]}' }]);
  }
  const unfinished = new BracketToolParser(new Set(['weather']));
  const partial = unfinished.feed('[weather]\n{"city":');
  t.equal(partial.text, '', 'held while undecided');
  t.equal(unfinished.end().text, '[weather]\n{"city":', 'released at the end, not lost');
});

t.test('request adapters', async (t) => {
  const flat = flattenStringContent({ messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'text', text: 'y' }] }] }, 'p/m');
  t.equal(flat.messages[0].content, 'x\ny');
  t.throws(() => flattenStringContent({ messages: [{ role: 'user', content: [{ type: 'input_audio' }] }] }, 'p/m'), /takes text only/);
  const stripped = stripTools({ tools: [{}], tool_choice: 'auto', parallel_tool_calls: true, messages: [{ role: 'tool', tool_call_id: 'z', content: 'r' }] });
  t.same(stripped, { messages: [{ role: 'user', content: '[result of tool tool]\nr' }] });
  t.same(renameMaxTokens({ messages: [], max_tokens: 3 }, 'max_completion_tokens'), { messages: [], max_completion_tokens: 3 });
  t.same(renameMaxTokens({ messages: [], max_completion_tokens: 3 }, 'max_tokens'), { messages: [], max_tokens: 3 });
  t.same(dropLeanTools({ messages: [], tools: [{ function: { name: 'cron' } }], tool_choice: 'auto' }, ['browser', 'cron']), { messages: [] });
  t.same(applyParams({ a: 1 }, { a: 2, b: 2, extra_body: { a: 3 } }), { a: 3, b: 2 });
});

t.test('look-alike detection and prompt estimate', async (t) => {
  t.match(detectLookAlikeToolCall('<function=search>{"q":1}</function>'), { pattern: 'xml', tool: 'search' });
  t.equal(detectLookAlikeToolCall('The function name is search.'), undefined);
  t.equal(estimatePromptTokens({ messages: [{ role: 'user', content: 'x'.repeat(396) }] }), 100, 'role and content chars / 4');
  t.equal(estimatePromptTokens({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,' + 'A'.repeat(9999) } }] }] }) < 10, true, 'data URLs are not counted as text');
});

t.test('Chat <-> Responses field table', async (t) => {
  const { responsesRequestToChat } = await import('../../routes/responses/request-to-chat.js');
  const { chatRequestToResponses } = await import('../../dialects/openai-responses/request.js');
  const chat = responsesRequestToChat({ model: 'm', input: 'x', max_output_tokens: 9, temperature: 0.1, top_k: 5, store: true }, { reasoning: false });
  t.same({ ...chat, messages: undefined }, { model: 'm', messages: undefined, max_tokens: 9, temperature: 0.1, top_k: 5 }, 'renamed once, extras kept, OpenAI-only dropped');
  const resp = chatRequestToResponses({ model: 'm', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 7, top_k: 5, n: 1 });
  t.equal(resp.max_output_tokens, 7);
  t.equal(resp.top_k, 5);
  t.notOk('n' in resp);
});
