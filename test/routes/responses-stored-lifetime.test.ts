/**
 * How long stored responses live, through a running lmrelay: they expire after
 * state.responses.ttlSeconds, the least recently used go when maxBytes is reached, a snapshot
 * file carries them over a restart, and `enabled: false` keeps none.
 */
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, postJson, type RelayUnderTest } from '../helpers/relay.js';

let mock: MockUpstream;
t.before(async () => {
  mock = await startMock('vllm', ['--only', 'chat']);
});
t.teardown(() => mock.close());

const relayWith = async (responses: Record<string, unknown>) => {
  const relay = await startRelay({ state: { responses }, models: { providers: { chat: { baseUrl: mock.baseUrl, models: [] } } } });
  return relay;
};
const create = (relay: RelayUnderTest, body: Record<string, unknown>) => postJson(`${relay.url}/v1/responses`, { model: 'chat/m', ...body });
const status = async (relay: RelayUnderTest, id: string) => (await fetch(`${relay.url}/v1/responses/${id}`)).status;
const lastMessages = async () => (await mock.requests()).filter((r) => r.path === '/v1/chat/completions').at(-1)!.body.messages;

t.test('a response expires after ttlSeconds', async (t) => {
  // Long enough to be read back on a busy machine; expiry is checked once that time has surely passed.
  const relay = await relayWith({ ttlSeconds: 4 });
  t.teardown(() => relay.close());
  const res = await create(relay, { input: 'hi' });
  const stored = Date.now();
  t.equal(await status(relay, res.json.id), 200);
  await new Promise((r) => setTimeout(r, Math.max(0, stored + 4200 - Date.now())));
  t.equal(await status(relay, res.json.id), 404, 'gone after ttlSeconds');
  const cont = await create(relay, { input: 'x', previous_response_id: res.json.id });
  t.equal(cont.json.error.code, 'previous_response_not_found');
});

t.test('past maxBytes the least recently used responses go', async (t) => {
  const relay = await relayWith({ maxBytes: 40_000, maxEntryBytes: 20_000 });
  t.teardown(() => relay.close());
  const ids: string[] = [];
  // 8 KB answers: four fit in 40 KB with their overhead, not five.
  for (let i = 0; i < 8; i++) {
    ids.push((await create(relay, { model: 'chat/flood-8', input: `turn ${i}` })).json.id);
    if (i === 2) t.equal(await status(relay, ids[0]), 200, 'the first is still there');
  }
  t.same(await Promise.all(ids.map((id) => status(relay, id))), [404, 404, 404, 404, 200, 200, 200, 200]);
  const big = await create(relay, { model: 'chat/flood-24', input: 'too big to keep' });
  t.equal(big.status, 200, 'a response over maxEntryBytes is still answered');
  t.equal(await status(relay, big.json.id), 404, 'but not kept');
  t.match(relay.logText(), /over state.responses.maxEntryBytes/);
});

t.test('a snapshot file carries the stored responses over a restart', async (t) => {
  const snapshotFile = join(mkdtempSync(join(tmpdir(), 'lmrelay-restart-')), 'responses.jsonl');
  const before = await relayWith({ snapshotFile });
  const one = await create(before, { input: 'Remember 42.' });
  await before.close();
  const after = await relayWith({ snapshotFile });
  t.teardown(() => after.close());
  const got = await fetch(`${after.url}/v1/responses/${one.json.id}`);
  t.same(await got.json(), one.json, 'the same Response after the restart');
  const two = await create(after, { input: 'What number?', previous_response_id: one.json.id });
  t.equal(two.status, 200);
  t.same(
    (await lastMessages()).map((m: any) => m.role),
    ['user', 'assistant', 'user'],
    'continued from the snapshot',
  );
});

t.test('enabled: false keeps nothing and says so', async (t) => {
  const relay = await relayWith({ enabled: false });
  t.teardown(() => relay.close());
  const res = await create(relay, { input: 'hi' });
  t.equal(res.json.store, false);
  const got = await fetch(`${relay.url}/v1/responses/${res.json.id}`);
  t.equal(got.status, 404);
  t.match(await got.json(), { error: { code: 'not_found', message: /state.responses.enabled is false/ } });
  const cont = await create(relay, { input: 'x', previous_response_id: res.json.id });
  t.match(cont, { status: 400, json: { error: { code: 'previous_response_not_found', param: 'previous_response_id' } } });
});
