/** /readyz follows the primary's chain: up, down, up again. */
import t from 'tap';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay } from '../helpers/relay.js';

t.test('readyz transitions', async (t) => {
  let mock: MockUpstream = await startMock('vllm');
  const port = mock.port;
  const relay = await startRelay({
    server: { readinessProbeSeconds: 0.2 },
    models: { providers: { v: { baseUrl: mock.baseUrl, models: [{ id: 'm' }] } } },
    agents: { defaults: { model: { primary: 'v/m' } } },
  });
  t.teardown(async () => {
    await relay.close();
    await mock.close();
  });
  const readyz = async () => {
    const res = await fetch(`${relay.url}/readyz`);
    return { status: res.status, body: await res.json() };
  };
  const waitFor = async (status: number) => {
    for (let i = 0; i < 100; i++) {
      const r = await readyz();
      if (r.status === status) return r;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`readyz never became ${status}`);
  };
  const up = await waitFor(200);
  t.match(up.body, { status: 'ready', providers: [{ provider: 'v', up: true }] });
  await mock.close();
  const down = await waitFor(503);
  t.match(down.body, { status: 'not_ready', providers: [{ provider: 'v', up: false }] });
  mock = await startMock('vllm', ['--port', String(port)]);
  await waitFor(200);
  t.pass('ready again once the server is back');
});
