/** Token counts held by a replica until the key's next check or a flush. */
import t from 'tap';
import { PendingTokens } from '../../src/state/pending-tokens.js';

t.test('a check takes what its key holds for its window, once', async (t) => {
  const pending = new PendingTokens();
  pending.add('a', 7, 12, 1000);
  pending.add('a', 7, 30, 1005);
  pending.add('b', 7, 5, 1010);
  t.equal(pending.take('a', 7), 42);
  t.equal(pending.take('a', 7), 0, 'taken');
  t.equal(pending.size, 1, 'b still held');
});

t.test("a closed window's tokens decide nothing and are dropped", async (t) => {
  const pending = new PendingTokens();
  pending.add('a', 7, 12, 1000);
  t.equal(pending.take('a', 8), 0, 'a check in the next minute carries none of them');
  pending.add('a', 7, 12, 1000);
  pending.add('a', 8, 3, 61_000);
  t.equal(pending.take('a', 8), 3, "a new minute's tokens replace the old ones");
  pending.add('b', 7, 12, 1000);
  t.same(pending.takeDue(Infinity, 8), [], 'and are not flushed');
  t.equal(pending.size, 0);
});

t.test('a flush takes the counts that have waited long enough', async (t) => {
  const pending = new PendingTokens();
  pending.add('old', 7, 12, 1000);
  pending.add('new', 7, 4, 1900);
  pending.add('old', 7, 1, 1950);
  t.equal(pending.oldest(), 1000);
  t.same(pending.takeDue(1000, 7), [{ key: 'old', window: 7, tokens: 13 }]);
  t.equal(pending.oldest(), 1900, 'what is left waits for the next flush');
  t.same(pending.takeDue(Infinity, 7), [{ key: 'new', window: 7, tokens: 4 }]);
  t.equal(pending.oldest(), undefined);
});
