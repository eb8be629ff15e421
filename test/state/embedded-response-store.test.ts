/**
 * The in-process response store: bounded by bytes with the least recently used evicted first,
 * expired after its TTL, separate per owner, and written to / read from its snapshot file
 * (atomically; a damaged or missing file is survived with a log line).
 */
import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedResponseStore, type EmbeddedStoreOptions } from '../../src/state/embedded-response-store.js';
import type { StoredResponse } from '../../src/state/response-store.js';

const record = (id: string, textBytes = 100): StoredResponse => ({
  response: { id, object: 'response', output: [{ id: `msg_${id}`, type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'x'.repeat(textBytes) }] }] },
  context: [{ id: `in_${id}`, type: 'message', role: 'user', content: 'hi' }],
});

function logger() {
  const lines: Array<{ level: string; msg: string }> = [];
  return {
    lines,
    info: (_o: object, msg: string) => void lines.push({ level: 'info', msg }),
    warn: (_o: object, msg: string) => void lines.push({ level: 'warn', msg }),
  };
}

function store(opts: Partial<EmbeddedStoreOptions> = {}) {
  const s = new EmbeddedResponseStore({ ttlMs: 60_000, maxBytes: 1024 * 1024, maxEntryBytes: 512 * 1024, ...opts });
  t.teardown(() => s.close());
  return s;
}

const has = async (s: EmbeddedResponseStore, id: string, owner = '') => Boolean((await s.lookup(owner, id, [])).response);

t.test('bounded by bytes: the least recently used go first, and the bound always holds', async (t) => {
  const s = store({ maxBytes: 100_000, maxEntryBytes: 50_000 });
  for (let i = 0; i < 30; i++) {
    t.ok(await s.put('', record(`r${i}`, 10_000)), `r${i} stored`);
    if (i === 5) t.ok(await has(s, 'r0'), 'r0 read: now the most recently used');
    if (i === 10) {
      t.ok(await has(s, 'r0'), 'r0, read since, outlives records stored after it');
      t.notOk(await has(s, 'r1'), 'r1, never read, went first');
    }
    t.ok(s.bytesHeld <= 100_000, `${s.bytesHeld} bytes held after ${i + 1} puts`);
  }
  t.ok(s.size >= 8 && s.size <= 9, `${s.size} records fit`);
  t.notOk(await has(s, 'r1'), 'the oldest are evicted');
  t.ok(await has(s, 'r29'), 'the newest kept');
  t.notOk((await s.lookup('', undefined, ['msg_r1'])).items.size, "an evicted response's items go with it");
  t.ok((await s.lookup('', undefined, ['msg_r29'])).items.get('msg_r29'), 'a kept one answers item lookups');
});

t.test('a record over maxEntryBytes is not stored', async (t) => {
  const s = store({ maxEntryBytes: 5000 });
  t.equal(await s.put('', record('big', 6000)), false);
  t.equal(s.size, 0);
  t.equal(s.bytesHeld, 0);
});

t.test('expiry after the TTL, on read and by the sweep', async (t) => {
  let now = 1_000_000;
  const s = store({ ttlMs: 1000, now: () => now });
  await s.put('', record('a'));
  await s.put('', record('b'));
  t.ok(await has(s, 'a'));
  now += 999;
  t.ok(await has(s, 'b'), 'still there just before');
  now += 1;
  t.notOk(await has(s, 'a'), 'gone at the TTL');
  t.notOk((await s.lookup('', undefined, ['msg_b'])).items.size, 'its items too');
  t.equal(await s.delete('', 'b'), false, 'an expired one cannot be deleted');
  t.equal(s.bytesHeld, 0, 'nothing held');
});

t.test('owners are apart', async (t) => {
  const s = store();
  await s.put('alice', record('r'));
  t.notOk(await has(s, 'r', 'bob'));
  t.notOk(await has(s, 'r', ''));
  t.equal(await s.delete('bob', 'r'), false);
  t.ok(await has(s, 'r', 'alice'));
  await s.put('bob', record('r'));
  t.ok(await s.delete('bob', 'r'));
  t.ok(await has(s, 'r', 'alice'), "the same id under another owner is another record");
});

t.test('snapshot: written atomically on close, read at start, in the same order of use', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrelay-snap-'));
  const file = join(dir, 'sub', 'responses.jsonl');
  let now = 5_000_000;
  const first = new EmbeddedResponseStore({ ttlMs: 10_000, maxBytes: 1_000_000, maxEntryBytes: 100_000, snapshotFile: file, now: () => now });
  await first.start();
  await first.put('', record('old', 10));
  now += 5000;
  await first.put('k', record('mine', 10));
  await first.put('', record('newest', 10));
  await first.close();
  t.ok(existsSync(file), 'written (its folder made)');
  t.same(readdirSync(join(dir, 'sub')), ['responses.jsonl'], 'no temporary file left');

  now += 5000; // `old` has expired by now, the others not
  const log = logger();
  const second = new EmbeddedResponseStore({ ttlMs: 10_000, maxBytes: 1_000_000, maxEntryBytes: 100_000, snapshotFile: file, now: () => now, logger: log });
  await second.start();
  t.teardown(() => second.close());
  t.notOk(await has(second, 'old'), 'an expired record is not read back');
  t.same((await second.lookup('k', 'mine', ['msg_mine'])).response, record('mine', 10));
  t.ok((await second.lookup('', undefined, ['msg_newest'])).items.get('msg_newest'), 'items are found again');
  t.match(log.lines, [{ level: 'info', msg: /read from the snapshot/ }]);
});

t.test('snapshot: a damaged file is read as far as it is sound; a missing or foreign one starts empty', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrelay-snap-'));
  const file = join(dir, 'responses.jsonl');
  const writer = new EmbeddedResponseStore({ ttlMs: 60_000, maxBytes: 1_000_000, maxEntryBytes: 100_000, snapshotFile: file });
  await writer.put('', record('a'));
  await writer.put('', record('b'));
  await writer.close();
  const [header, a, b] = readFileSync(file, 'utf8').split('\n');
  writeFileSync(file, [header, a, 'garbage{', `${b.slice(0, 20)}`, '{"o":"","e":1e15}\t{not json', b, ''].join('\n'));

  const log = logger();
  const reader = new EmbeddedResponseStore({ ttlMs: 60_000, maxBytes: 1_000_000, maxEntryBytes: 100_000, snapshotFile: file, logger: log });
  await reader.start();
  t.ok(await has(reader, 'a'));
  t.ok(await has(reader, 'b'), 'the sound lines around the damage are read');
  t.match(log.lines, [{ level: 'warn', msg: /damaged lines; they were skipped/ }, { level: 'info', msg: /read from the snapshot/ }]);
  await reader.close();

  for (const [name, content, expected] of [
    ['missing.jsonl', undefined, /no snapshot of stored responses yet/],
    ['foreign.jsonl', 'hello\nworld\n', /not one lmrelay wrote/],
    ['empty.jsonl', '', /is empty/],
  ] as const) {
    const path = join(dir, name);
    if (content !== undefined) writeFileSync(path, content);
    const l = logger();
    const s = new EmbeddedResponseStore({ ttlMs: 60_000, maxBytes: 1_000_000, maxEntryBytes: 100_000, snapshotFile: path, logger: l });
    await s.start();
    t.equal(s.size, 0, name);
    t.match(l.lines, [{ msg: expected }], name);
  }
});
