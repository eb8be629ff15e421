/** Non-streamed answers: parsed once on arrival, kept as text for a byte-for-byte pass-through. */
import t from 'tap';
import { JsonAnswer } from '../../src/upstream/json-answer.js';
import { RelayError } from '../../core/errors.js';

t.test('an answer is parsed once and keeps its own text', async (t) => {
  const text = '{"choices":[] , "usage":{"prompt_tokens":5}}';
  const answer = new JsonAnswer(text, 'p/m');
  t.equal(answer.text, text, 'the upstream text, spacing and all');
  t.same(answer.body.usage, { prompt_tokens: 5 });
});

t.test('text that is not JSON is a bad upstream response naming what came', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['{"choices": [ oops }', /p\/m: invalid JSON in response: "\{\\"choices\\": \[ oops \}"/],
    ['<!DOCTYPE html><html></html>', /\(an HTML page\)/],
    ['', /\(empty body\)/],
    ['{"choices":[]}{"x":1}', /invalid JSON/],
  ];
  for (const [text, message] of cases) {
    const err = (() => {
      try {
        new JsonAnswer(text, 'p/m');
      } catch (e) {
        return e;
      }
    })();
    t.type(err, RelayError, JSON.stringify(text));
    t.match((err as RelayError).toJSON().error, { code: 'bad_upstream_response', message }, JSON.stringify(text));
    t.equal((err as RelayError).failureKind, 'bad_response');
    t.equal((err as RelayError).retryable, true, 'the chain may fall back');
  }
});
