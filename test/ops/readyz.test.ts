/** /readyz: this instance can serve, whatever its upstreams do; /readyz?deep follows the primary's chain. */
import t from 'tap';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { postJson, startRelay } from '../helpers/relay.js';

t.test('readyz says whether lmrelay can serve; ?deep says whether the upstreams answer', async (t) => {
  let mock: MockUpstream = await startMock('vllm');
  const port = mock.port;
  const relay = await startRelay({
    server: { readinessProbeSeconds: 0.2 },
    models: { mode: 'replace', providers: { v: { baseUrl: mock.baseUrl, models: [{ id: 'm' }] } } },
    agents: { defaults: { model: { primary: 'v/m' } } },
  });
  t.teardown(async () => {
    await relay.close();
    await mock.close();
  });
  const get = async (path: string) => {
    const res = await fetch(`${relay.url}${path}`);
    return { status: res.status, body: await res.json() };
  };
  const waitFor = async (path: string, status: number) => {
    for (let i = 0; i < 100; i++) {
      const r = await get(path);
      if (r.status === status) return r;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`${path} never became ${status}`);
  };
  const up = await waitFor('/readyz?deep', 200);
  t.match(up.body, { status: 'ready', providers: [{ provider: 'v', up: true }] });
  await mock.close();
  const down = await waitFor('/readyz?deep', 503);
  t.match(down.body, { status: 'not_ready', providers: [{ provider: 'v', up: false }] });
  for (const spelling of ['/readyz?deep=1', '/readyz?deep=true', '/readyz?x=1&deep']) t.equal((await get(spelling)).status, 503, spelling);

  // The upstream is down, yet this instance serves: clients get an OpenAI-shaped 502, not a refused connection.
  for (const path of ['/readyz', '/readyz?', '/readyz?shallow', '/readyz?Deep']) {
    const shallow = await get(path);
    t.equal(shallow.status, 200, path);
    t.same(shallow.body, { status: 'ready' }, path);
  }
  const answer = await postJson(`${relay.url}/v1/chat/completions`, { model: 'v/m', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(answer.status, 502);
  t.match(answer.json.error, { code: 'upstream_unavailable', type: 'upstream_error' });

  mock = await startMock('vllm', ['--port', String(port)]);
  const again = await waitFor('/readyz?deep', 200);
  t.match(again.body, { providers: [{ provider: 'v', up: true }] }, 'deep is ready again once the server is back');
});
