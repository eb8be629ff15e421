/** Rate limits on a single box (in-process counters) and the local state gauge. */
import t from 'tap';
import { startMock } from '../helpers/mock.js';
import { startRelay, postJson } from '../helpers/relay.js';
import { LocalRateLimiter, WINDOW_MS } from '../../src/state/rate-limit.js';

t.test('rpm and tpm per key, answered 429 with Retry-After', async (t) => {
  const mock = await startMock('vllm');
  const relay = await startRelay({
    server: { apiKeys: [{ key: 'k-rpm-0123456789', name: 'rpm2', rpm: 2 }, { key: 'k-tpm-0123456789', name: 'tpm20', tpm: 20 }, 'k-free-0123456789'] },
    models: { providers: { v: { baseUrl: mock.baseUrl, models: [] } } },
  });
  t.teardown(async () => {
    await relay.close();
    await mock.close();
  });
  const ask = (key: string) => postJson(`${relay.url}/v1/chat/completions`, { model: 'v/m', messages: [{ role: 'user', content: 'hi' }] }, { authorization: `Bearer ${key}` });
  const rpm = [await ask('k-rpm-0123456789'), await ask('k-rpm-0123456789'), await ask('k-rpm-0123456789')];
  t.same(rpm.map((r) => r.status), [200, 200, 429]);
  t.match(rpm[2].json.error, { code: 'rate_limit_exceeded', message: /rpm2: 2 requests per minute/ });
  t.ok(Number(rpm[2].headers.get('retry-after')) >= 1);
  // The mock reports 12 tokens per answer: two answers use up a 20-token budget.
  const tpm = [await ask('k-tpm-0123456789'), await ask('k-tpm-0123456789'), await ask('k-tpm-0123456789')];
  t.same(tpm.map((r) => r.status), [200, 200, 429]);
  t.match(tpm[2].json.error.message, /tpm20: 20 tokens per minute/);
  t.equal((await ask('k-free-0123456789')).status, 200);
  t.match(await (await fetch(`${relay.url}/metrics`)).text(), /lmrelay_state_backend_up\{backend="local"\} 1/);
});

t.test('windows roll over', async (t) => {
  let now = 0;
  const limiter = new LocalRateLimiter(() => now);
  t.ok(limiter.consumeSync('k', { rpm: 1 }).allowed);
  t.notOk(limiter.consumeSync('k', { rpm: 1 }).allowed);
  now += WINDOW_MS;
  t.ok(limiter.consumeSync('k', { rpm: 1 }).allowed, 'a new minute, a new budget');
});
