import t from 'tap';
import { ThinkTagSplitter, splitThinkTags } from '../../adapters/think-tags.js';

const TEXTS = ['<think>plan it</think>The answer.', '\n<think>plan it</think>\n\nThe answer.', 'plan it</think>The answer.'];

t.test('whole texts', async (t) => {
  for (const text of TEXTS) t.same(splitThinkTags(text), { reasoning: 'plan it', content: 'The answer.' }, JSON.stringify(text));
  t.same(splitThinkTags('No tags at all.'), { reasoning: '', content: 'No tags at all.' });
  t.same(splitThinkTags('<think>cut off'), { reasoning: 'cut off', content: '' }, 'unfinished reasoning stays reasoning');
});

t.test('the same split whatever the chunking (1-3 characters)', async (t) => {
  for (const text of TEXTS) {
    for (const size of [1, 2, 3]) {
      const splitter = new ThinkTagSplitter();
      let reasoning = '';
      let content = '';
      for (let i = 0; i < text.length; i += size) {
        const out = splitter.feed(text.slice(i, i + size));
        reasoning += out.reasoning;
        content += out.content;
        t.notMatch(out.content, /think>/, 'no tag ever leaks into content');
      }
      const rest = splitter.end();
      t.equal(reasoning + rest.reasoning, 'plan it', `${JSON.stringify(text)} by ${size}`);
      t.equal(content + rest.content, 'The answer.');
    }
  }
});

t.test('reasoning streamed in its own field: later text is the answer at once', async (t) => {
  const splitter = new ThinkTagSplitter();
  splitter.reasoningFieldSeen();
  t.same(splitter.feed('Hello'), { reasoning: '', content: 'Hello' });
});

t.test('untagged text is held only until a closing tag or the end decides', async (t) => {
  const splitter = new ThinkTagSplitter();
  t.same(splitter.feed('Just text'), { reasoning: '', content: '' }, 'held: it may be reasoning without its opening tag');
  t.same(splitter.end(), { reasoning: '', content: 'Just text' }, 'released as text at the end');
});
