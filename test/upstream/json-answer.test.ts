/** Non-streamed answers kept as text: shape check, usage read on its own, parse only on demand. */
import t from 'tap';
import fc from 'fast-check';
import { JsonAnswer, looksLikeObject, usageSlice } from '../../src/upstream/json-answer.js';
import { RelayError } from '../../src/errors.js';

t.test('usage is read from its own object, wherever it sits and however it is spaced', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":10,"total_tokens":22}}', { prompt_tokens: 12, completion_tokens: 10, total_tokens: 22 }],
    ['{"usage" : {\n "prompt_tokens": 1, "prompt_tokens_details": {"cached_tokens": 0}},\n"choices":[]}', { prompt_tokens: 1, prompt_tokens_details: { cached_tokens: 0 } }],
    ['{"choices":[{"message":{"content":"say \\"usage\\": {\\"prompt_tokens\\": 99}"}}],"usage":{"prompt_tokens":3,"note":"a } in a string"}}', { prompt_tokens: 3, note: 'a } in a string' }],
    ['{"choices":[],"usage":{"prompt_tokens":3},"timings":{"prompt_n":3}}', { prompt_tokens: 3 }],
  ];
  for (const [text, usage] of cases) t.same(usageSlice(text), usage, text.slice(0, 40));
  t.equal(usageSlice('{"choices":[],"usage":null}'), undefined, 'null usage: the caller parses');
  t.equal(usageSlice('{"choices":[]}'), undefined, 'no usage');
  t.equal(usageSlice('{"choices":[],"usage":{"prompt_tokens":'), undefined, 'cut off');
});

t.test('usage slice agrees with a full parse on generated answers', async (t) => {
  const usage = fc.record({ prompt_tokens: fc.nat(), completion_tokens: fc.nat(), extra: fc.string() });
  const answer = fc.record({ id: fc.string(), choices: fc.array(fc.record({ message: fc.record({ content: fc.string() }) }), { maxLength: 3 }), usage });
  fc.assert(
    fc.property(answer, fc.boolean(), (a, pretty) => {
      const text = JSON.stringify(a, null, pretty ? 2 : undefined);
      t.same(usageSlice(text), JSON.parse(text).usage);
    }),
    { numRuns: 300 },
  );
});

t.test('shape check and lazy parse', async (t) => {
  t.ok(looksLikeObject(' {"a":1}\n'));
  t.notOk(looksLikeObject('<html></html>'));
  t.notOk(looksLikeObject(''));
  t.notOk(looksLikeObject('[1]'));
  const answer = new JsonAnswer('{"choices":[],"usage":{"prompt_tokens":5}}', 'p/m');
  t.same(answer.usage, { prompt_tokens: 5 });
  t.same(answer.body.choices, []);
  const broken = new JsonAnswer('{"choices":[ oops }', 'p/m');
  t.throws(() => broken.body, RelayError, 'invalid JSON is a bad upstream response');
  try {
    void broken.body;
  } catch (err) {
    t.match((err as RelayError).toJSON().error, { code: 'bad_upstream_response' });
  }
  t.equal(new JsonAnswer('{"choices":[]}', 'p/m').usage, undefined, 'no usage key: nothing parsed');
});
