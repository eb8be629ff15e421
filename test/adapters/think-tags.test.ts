import t from 'tap';
import fc from 'fast-check';
import { ThinkTagSplitter, splitThinkTags, type UntaggedText } from '../../adapters/think-tags.js';
import { separateReasoning } from '../../adapters/reasoning.js';

const TAGGED = ['<think>plan it</think>The answer.', '\n<think>plan it</think>\n\nThe answer.'];
const UNTAGGED = 'plan it</think>The answer.';

t.test('whole texts', async (t) => {
  for (const text of [...TAGGED, UNTAGGED]) t.same(splitThinkTags(text), { reasoning: 'plan it', content: 'The answer.' }, JSON.stringify(text));
  t.same(splitThinkTags('No tags at all.'), { reasoning: '', content: 'No tags at all.' });
  t.same(splitThinkTags('<think>cut off'), { reasoning: 'cut off', content: '' }, 'unfinished reasoning stays reasoning');
  t.same(splitThinkTags(UNTAGGED, 'answer'), { reasoning: '', content: UNTAGGED }, 'untagged text declared to be the answer');
  t.same(splitThinkTags('cut off', 'reasoning'), { reasoning: 'cut off', content: '' }, 'opened by the template, never closed');
});

function feedInPieces(text: string, size: number, untagged: UntaggedText) {
  const splitter = new ThinkTagSplitter(untagged);
  const pieces: Array<{ reasoning: string; content: string }> = [];
  for (let i = 0; i < text.length; i += size) pieces.push(splitter.feed(text.slice(i, i + size)));
  const rest = splitter.end();
  return {
    pieces,
    reasoning: pieces.map((p) => p.reasoning).join('') + rest.reasoning,
    content: pieces.map((p) => p.content).join('') + rest.content,
  };
}

t.test('the same split whatever the chunking (1-3 characters)', async (t) => {
  for (const size of [1, 2, 3]) {
    for (const untagged of ['answer', 'reasoning'] as const) {
      for (const text of TAGGED) {
        const out = feedInPieces(text, size, untagged);
        t.same([out.reasoning, out.content], ['plan it', 'The answer.'], `${JSON.stringify(text)} by ${size}, untagged=${untagged}`);
        t.notOk(out.pieces.some((p) => /think>/.test(p.content)), 'no tag ever leaks into content');
      }
    }
    const opened = feedInPieces(UNTAGGED, size, 'reasoning');
    t.same([opened.reasoning, opened.content], ['plan it', 'The answer.'], `template-opened reasoning by ${size}`);
  }
});

t.test('a tag split across chunks: only its possible start is held', async (t) => {
  const splitter = new ThinkTagSplitter('answer');
  t.same(splitter.feed('<thi'), { reasoning: '', content: '' }, '`<thi` could still open a think section');
  t.same(splitter.feed('nk>plan'), { reasoning: 'plan', content: '' });
  t.same(splitter.feed(' it</th'), { reasoning: ' it', content: '' }, '`</th` is held, the rest goes out');
  t.same(splitter.feed('ink>\n\nThe '), { reasoning: '', content: 'The ' });
  t.same(splitter.feed('answer.'), { reasoning: '', content: 'answer.' });
  t.same(splitter.end(), { reasoning: '', content: '' });
});

t.test('no tags at all: text goes out as it comes', async (t) => {
  const splitter = new ThinkTagSplitter('answer');
  t.same(splitter.feed('Just '), { reasoning: '', content: 'Just ' }, 'released at once');
  t.same(splitter.feed('text'), { reasoning: '', content: 'text' });
  t.same(splitter.end(), { reasoning: '', content: '' }, 'nothing was left behind');

  const blank = new ThinkTagSplitter('answer');
  t.same(blank.feed('\n '), { reasoning: '', content: '' }, 'leading blanks may precede <think>');
  t.same(blank.feed('<'), { reasoning: '', content: '' });
  t.same(blank.feed('b>bold'), { reasoning: '', content: '\n <b>bold' }, 'released once it cannot be the tag');
});

t.test('template-opened reasoning streams as reasoning until </think>', async (t) => {
  const splitter = new ThinkTagSplitter('reasoning');
  t.same(splitter.feed('plan'), { reasoning: 'plan', content: '' }, 'out at once, as reasoning');
  t.same(splitter.feed(' it</'), { reasoning: ' it', content: '' });
  t.same(splitter.feed('think>Done'), { reasoning: '', content: 'Done' });
});

t.test('reasoning streamed in its own field: later text is the answer at once', async (t) => {
  for (const untagged of ['answer', 'reasoning'] as const) {
    const splitter = new ThinkTagSplitter(untagged);
    splitter.reasoningFieldSeen();
    t.same(splitter.feed('Hello'), { reasoning: '', content: 'Hello' }, untagged);
  }
});

t.test('any text, any chunking: the same split as the whole text, and never more held than a tag', async (t) => {
  const alphabet = fc.constantFrom('a', ' ', '\n', '<', '>', '/', 't', 'h', 'i', 'n', 'k', '<think>', '</think>', '</th');
  const text = fc.array(alphabet, { maxLength: 30 }).map((a) => a.join(''));
  const report = fc.check(
    fc.property(text, fc.integer({ min: 1, max: 5 }), fc.constantFrom<UntaggedText>('answer', 'reasoning'), (text, size, untagged) => {
      const splitter = new ThinkTagSplitter(untagged);
      let reasoning = '';
      let content = '';
      for (let i = 0; i < text.length; i += size) {
        const out = splitter.feed(text.slice(i, i + size));
        reasoning += out.reasoning;
        content += out.content;
        // What is held back (the splitter's buffer) is a partial tag, after leading blanks at most.
        const held: string = (splitter as any).buf;
        if (held.trimStart().length >= '<think>'.length + 1) return false;
      }
      const rest = splitter.end();
      const whole = splitThinkTags(text, untagged);
      return reasoning + rest.reasoning === whole.reasoning && content + rest.content === whole.content;
    }),
    { numRuns: 1000 },
  );
  t.notOk(report.failed, `counterexample: ${JSON.stringify(report.counterexample)}`);
});

t.test('whole messages: a template-opened think section cut off before </think> stays reasoning', async (t) => {
  const completion = { choices: [{ index: 0, message: { role: 'assistant', content: 'still thinking when max_tokens hit' } }] };
  t.ok(separateReasoning(completion, true, 'reasoning'));
  t.same(completion.choices[0].message, { role: 'assistant', content: '', reasoning_content: 'still thinking when max_tokens hit' });
  const plain = { choices: [{ index: 0, message: { role: 'assistant', content: 'an answer' } }] };
  t.notOk(separateReasoning(plain, true), 'without the setting, a text with no tag is the answer');
});
