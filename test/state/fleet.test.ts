/**
 * Two lmrelay processes sharing one real Redis: a failure seen by one is skipped by the other,
 * a rate limit holds across both, Redis dying is not an outage, and sharing resumes after.
 */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { serve, type ServeProcess } from '../helpers/cli.js';
import { findRedis, startRedis, type RedisServer } from '../helpers/redis.js';

const redisBin = findRedis();
if (!redisBin) t.plan(0, 'fleet tests skipped: no redis-server on PATH (.ci/run installs Debian redis-server)');
else await run(redisBin);

async function run(bin: string) {
  const mock: MockUpstream = await startMock('vllm');
  const redis: RedisServer = await startRedis(bin);
  const dir = mkdtempSync(join(tmpdir(), 'lmrelay-fleet-'));
  const file = join(dir, 'lmrelay.json5');
  writeFileSync(
    file,
    JSON.stringify({
      server: { apiKeys: ['k-admin-0123456789', { key: 'k-team-0123456789', name: 'team', rpm: 3 }] },
      state: { redis: { url: '${FLEET_REDIS_URL}', keyPrefix: 'fleettest:' } },
      models: {
        providers: {
          box1: { baseUrl: mock.baseUrl, timeoutSeconds: 1.5, models: [] },
          box2: { baseUrl: mock.baseUrl, timeoutSeconds: 1.5, models: [] },
          good: { baseUrl: mock.baseUrl, models: [] },
        },
      },
      agents: { defaults: { model: { primary: 'good/m', fallbacks: ['good/m'] }, models: { 'box1/hang': { fallbacks: ['good/m'] }, 'box2/hang': { fallbacks: ['good/m'] } } } },
    }),
  );
  const env = { ...process.env, FLEET_REDIS_URL: redis.url };
  const [a, b] = await Promise.all([serve(['--config', file], { env }), serve(['--config', file], { env })]);
  t.teardown(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await redis.stop();
    await mock.close();
  });

  const ask = async (replica: ServeProcess, model: string, key = 'k-admin-0123456789') => {
    const res = await fetch(`${replica.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
    return { status: res.status, attempts: res.headers.get('x-lmrelay-attempts'), model: res.headers.get('x-lmrelay-model'), retryAfter: res.headers.get('retry-after'), json: await res.json() };
  };
  const backendUp = async (replica: ServeProcess) => {
    const text = await (await fetch(`${replica.url}/metrics`)).text();
    return /lmrelay_state_backend_up\{backend="redis"\} 1/.test(text);
  };
  const waitFor = async (check: () => Promise<boolean>, what: string, ms = 10_000) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const hangCalls = async () => (await mock.requests()).filter((r) => r.body?.model === 'hang').length;

  await waitFor(async () => (await backendUp(a)) && (await backendUp(b)), 'both replicas on Redis');

  t.test('a provider failure seen by replica A is skipped by replica B at once', async (t) => {
    const first = await ask(a, 'box1/hang');
    t.equal(first.status, 200);
    t.equal(first.attempts, '2', 'A waited out the timeout, then fell back');
    const second = await ask(b, 'box1/hang');
    t.equal(second.status, 200);
    t.equal(second.attempts, '1', 'B skipped the failing provider');
    t.equal(await hangCalls(), 1, 'the hanging server was called once in all');
  });

  t.test('a rate limit of 3 rpm holds across both replicas', async (t) => {
    const statuses = [];
    for (const replica of [a, b, a, b]) statuses.push(await ask(replica, 'good/m', 'k-team-0123456789'));
    t.same(statuses.map((s) => s.status), [200, 200, 200, 429]);
    const limited = statuses[3];
    t.match(limited.json, { error: { code: 'rate_limit_exceeded', type: 'rate_limit_error', message: /team: 3 requests per minute/ } });
    t.ok(Number(limited.retryAfter) >= 1 && Number(limited.retryAfter) <= 60, 'Retry-After in seconds');
    t.equal((await ask(a, 'good/m')).status, 200, 'another key is not limited');
  });

  t.test('Redis dies: both keep serving; it comes back: sharing resumes', async (t) => {
    await redis.stop();
    t.equal((await ask(a, 'good/m')).status, 200);
    t.equal((await ask(b, 'good/m')).status, 200);
    await waitFor(async () => !(await backendUp(a)) && !(await backendUp(b)), 'lmrelay_state_backend_up 0');
    t.pass('lmrelay_state_backend_up says so');
    await a.waitForLog(/Redis unreachable; using local state/);
    await b.waitForLog(/Redis unreachable; using local state/);
    t.pass('and the switch to local state is logged');

    await redis.start();
    await waitFor(async () => (await backendUp(a)) && (await backendUp(b)), 'reconnection');
    const before = await hangCalls();
    const first = await ask(a, 'box2/hang');
    t.equal(first.attempts, '2');
    const second = await ask(b, 'box2/hang');
    t.equal(second.attempts, '1', 'shared again: B skips what A saw fail');
    t.equal(await hangCalls(), before + 1);
  });
}
