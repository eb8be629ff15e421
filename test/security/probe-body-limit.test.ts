/** Model discovery and `doctor` read at most 4 MiB of what a server answers to GET /models. */
import t from 'tap';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay } from '../helpers/relay.js';
import { validateConfig } from '../../src/config/load.js';
import { runDoctor } from '../../src/doctor.js';

let huge: MockUpstream;
t.before(async () => {
  // A valid model list of about 32 MiB (more than socket buffers hold, so the server is still writing when lmrelay drops it).
  huge = await startMock('vllm', ['--models-mb', '32']);
});
t.teardown(() => huge.close());

t.test('discovery drops a model list past the limit, and stops reading it', async (t) => {
  const relay = await startRelay({ models: { providers: { big: { baseUrl: huge.baseUrl, models: [] } } } });
  t.teardown(() => relay.close());
  await huge.reset();
  const res = await fetch(`${relay.url}/v1/models`);
  t.equal(res.status, 200);
  const body = await res.json();
  t.notOk(body.data.some((m: { id: string }) => m.id.startsWith('big/huge-')), `no model of the oversized list (got ${body.data.length})`);
  let aborted = 0;
  for (let i = 0; i < 250 && aborted === 0; i++) {
    aborted = await huge.aborted();
    if (!aborted) await new Promise((r) => setTimeout(r, 20));
  }
  t.ok(aborted >= 1, 'the connection was dropped before the body ended');
});

t.test('doctor says the list was too large', async (t) => {
  const loaded = validateConfig({ models: { mode: 'replace', providers: { big: { baseUrl: huge.baseUrl, models: [{ id: 'm' }] } } } }, 'test', {});
  const report = await runDoctor(loaded);
  const big = report.providers.find((p) => p.provider === 'big')!;
  t.ok(big, 'the provider is in the report');
  t.same(big.reported, [], 'nothing read from it');
  t.match(big.probes.map((p) => p.outcome).join('\n'), /GET \/models answered more than 4 MiB/);
});
