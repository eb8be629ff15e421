/**
 * Metric labels stay a bounded set whatever clients write in `model`: on a provider that takes
 * any model id (the zero-config default), many distinct and long names neither grow /metrics nor
 * memory. Model names are capped at validation. Failed requests keep their labels.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMock, closedPort, type MockUpstream } from '../helpers/mock.js';
import { startRelay, postJson, type RelayUnderTest } from '../helpers/relay.js';
import { serve } from '../helpers/cli.js';
import { Cooldowns } from '../../src/upstream/cooldown.js';

let mock: MockUpstream;
let relay: RelayUnderTest;

t.before(async () => {
  mock = await startMock('vllm', ['--models', 'known-a,known-b']);
  const refused = await closedPort();
  relay = await startRelay(
    {
      models: {
        providers: {
          open: { baseUrl: mock.baseUrl, models: [] },
          // Refuses every connection: each request falls back, from a name the client chose.
          refused: { baseUrl: `http://127.0.0.1:${refused}/v1`, models: [] },
          listed: { baseUrl: mock.baseUrl, models: [{ id: 'status-500' }, { id: 'ok' }] },
        },
      },
      agents: { defaults: { model: { fallbacks: ['listed/ok'] } } },
    },
    // No cooldown: every request to `refused` is tried (and falls back), none skipped.
    { cooldowns: new Cooldowns(Date.now, 0) },
  );
});
t.teardown(async () => {
  await relay.close();
  await mock.close();
});

const chat = (model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  postJson(`${relay.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }], ...extra }, headers);
const scrape = async () => (await fetch(`${relay.url}/metrics`)).text();
const seriesOf = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`));
const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
};
/** `count` requests, `width` at a time. */
async function inParallel(count: number, width: number, run: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) await run(next++);
  }));
}
const randomName = (length: number) => randomBytes(length).toString('base64url').slice(0, length);

t.test('a model name over 256 characters is a 400 naming `model`, on both routes', async (t) => {
  for (const [route, body] of [
    ['/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] }],
    ['/v1/responses', { input: 'hi' }],
  ] as const) {
    for (const model of [`open/${'x'.repeat(252)}`, `open/${'模'.repeat(300)}`, `open/${'\u{1F600}'.repeat(252)}`, 'x'.repeat(100_000)]) {
      const res = await postJson(`${relay.url}${route}`, { model, ...body });
      t.equal(res.status, 400, `${route}: ${model.length} UTF-16 units`);
      t.match(res.json, { error: { param: 'model', code: String, type: 'invalid_request_error', message: /^model: must be at most 256 characters$/ } });
    }
    const longest = await postJson(`${relay.url}${route}`, { model: `open/${'x'.repeat(251)}`, ...body });
    t.equal(longest.status, 200, `${route}: 256 characters are taken`);
  }
});

t.test('distinct and long names on an open provider: one `other` label, /metrics and memory bounded', async (t) => {
  // Its own process, so that its memory is its own (this one makes the hostile bodies).
  const dir = mkdtempSync(join(tmpdir(), 'lmrelay-cardinality-'));
  writeFileSync(join(dir, 'lmrelay.json5'), JSON.stringify({ models: { providers: { open: { baseUrl: mock.baseUrl, models: [] } } } }));
  const served = await serve(['--config', join(dir, 'lmrelay.json5')]);
  t.teardown(() => served.stop());
  const ask = (model: string, extra: Record<string, unknown> = {}) =>
    postJson(`${served.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }], ...extra }).then(
      (res) => res.status,
      () => 0, // the connection failed (e.g. a header too large for the client)
    );
  const metrics = async () => (await fetch(`${served.url}/metrics`)).text();
  await fetch(`${served.url}/v1/models`); // the server reports known-a and known-b
  await ask('open/known-a');

  const long: number[] = [];
  const names: string[] = [];
  const short: number[] = [];
  /** Long names (refused before anything keeps them), then names within the cap, each new (answered). */
  const attack = async () => {
    await inParallel(300, 6, async () => void long.push(await ask(`open/${randomName(100_000)}`)));
    await metrics();
    await inParallel(400, 6, async (i) => {
      const name = `open/${randomName(250)}`;
      names.push(name);
      short.push(await ask(name, i % 2 ? { stream: true, stream_options: { include_usage: true } } : {}));
    });
    return metrics();
  };
  // The first round brings the heap to its working size; the second must not add to it.
  const first = await attack();
  const after = await attack();
  const rssGrowthMB = (value(after, 'process_resident_memory_bytes') - value(first, 'process_resident_memory_bytes')) / 1048576;

  t.ok(long.every((s) => s === 400), '100 KB names refused');
  t.ok(short.every((s) => s === 200), 'names within the cap answered');
  t.ok(Buffer.byteLength(after) < 64 * 1024, `/metrics is ${Buffer.byteLength(after)} bytes after 1,400 hostile requests`);
  t.ok(rssGrowthMB < 64, `lmrelay's RSS grew ${rssGrowthMB.toFixed(0)} MB over the second 700`);
  t.notOk(names.some((n) => after.includes(n.slice(5))), 'no client-chosen name is a label');
  t.ok(seriesOf(after, 'lmrelay_requests_total').length <= 4, 'a handful of request series');
  t.ok(seriesOf(after, 'lmrelay_tokens_total').length <= 4, 'a handful of token series');
  t.equal(value(after, 'lmrelay_requests_total{route="/v1/chat/completions",model="other",provider="open",status="200"}'), 800, 'the answered names counted under other');
  t.ok(value(after, 'lmrelay_tokens_total{provider="open",model="other",direction="input"}') > 0, 'their tokens too');
  t.equal(value(after, 'lmrelay_requests_total{route="/v1/chat/completions",model="open/known-a",provider="open",status="200"}'), 1, 'a model the server reported keeps its own label');
});

t.test('fallbacks from any number of names: one series', async (t) => {
  const statuses: number[] = [];
  await inParallel(200, 8, async () => void statuses.push((await chat(`refused/${randomName(200)}`)).status));
  t.ok(statuses.every((s) => s === 200), 'each fell back and was answered');
  t.same(seriesOf(await scrape(), 'lmrelay_fallbacks_total'), ['lmrelay_fallbacks_total{from="other",to="listed/ok"} 200']);
});

t.test('an unlisted name whose server reports it gets its label without anyone listing models first', async (t) => {
  const fresh = await startRelay({ models: { providers: { open: { baseUrl: mock.baseUrl, models: [] } } } });
  t.teardown(() => fresh.close());
  // The first request asks the server what it has; a later one is counted under the name.
  const series = 'lmrelay_requests_total{route="/v1/chat/completions",model="open/known-b",provider="open",status="200"}';
  const until = Date.now() + 5000;
  let counted = 0;
  for (let i = 0; i < 20 && Date.now() < until && counted === 0; i++) {
    t.equal((await postJson(`${fresh.url}/v1/chat/completions`, { model: 'open/known-b', messages: [{ role: 'user', content: 'hi' }] })).status, 200);
    counted = value(await (await fetch(`${fresh.url}/metrics`)).text(), series);
  }
  t.ok(counted >= 1, 'open/known-b has its own label');
  const names = (await mock.requests()).filter((r) => r.path === '/v1/models');
  t.ok(names.length >= 1, 'the server was asked for its models');
});

t.test('a failed request keeps its model and provider labels and its duration', async (t) => {
  const before = await scrape();
  const failed = await chat('listed/status-500', {}, { 'x-lmrelay-fallbacks': 'none' });
  t.equal(failed.status, 502);
  const failedStream = await chat('listed/status-500', { stream: true }, { 'x-lmrelay-fallbacks': 'none' });
  t.equal(failedStream.status, 502);
  const unknown = await chat('nowhere/x');
  t.equal(unknown.status, 404);
  const after = await scrape();
  const delta = (series: string) => value(after, series) - value(before, series);
  t.equal(delta('lmrelay_requests_total{route="/v1/chat/completions",model="listed/status-500",provider="listed",status="502"}'), 2, 'model and provider of the failed requests');
  t.equal(delta('lmrelay_request_duration_seconds_count{route="/v1/chat/completions",provider="listed"}'), 2, 'their durations observed');
  t.equal(delta('lmrelay_requests_total{route="/v1/chat/completions",model="other",provider="",status="404"}'), 1, 'an unknown model: other, no provider');
  t.equal(delta('lmrelay_request_duration_seconds_count{route="/v1/chat/completions",provider=""}'), 1, 'its duration observed too');
  const line = relay.logs.findLast((l) => l.msg === 'request completed' && l.status === 502);
  t.match(line, { model: 'listed/status-500', provider: 'listed', route: '/v1/chat/completions' }, 'the access line names them');
});
