/** lmrelay doctor against mock servers in each failure mode, through the real CLI. */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMock, closedPort, type MockUpstream } from '../helpers/mock.js';
import { runCli } from '../helpers/cli.js';
import { validateConfig } from '../../src/config/load.js';
import { runDoctor } from '../../src/doctor.js';
import { staticLookup } from '../helpers/relay.js';

let vllm: MockUpstream;
let responsesOnly: MockUpstream;
t.before(async () => {
  [vllm, responsesOnly] = await Promise.all([startMock('vllm', ['--models', 'Qwen/Qwen3-8B,strict-content']), startMock('lmstudio', ['--only', 'responses', '--models', 'gpt-oss'])]);
});
t.teardown(async () => {
  await Promise.all([vllm.close(), responsesOnly.close()]);
});

t.test('each failure mode gets its usual fix', async (t) => {
  const down = await closedPort();
  const loaded = validateConfig(
    {
      models: {
        providers: {
          good: { baseUrl: vllm.baseUrl, models: [{ id: 'Qwen/Qwen3-8B' }] },
          unloaded: { baseUrl: vllm.baseUrl, models: [{ id: 'not-loaded' }] },
          strict: { baseUrl: vllm.baseUrl, models: [{ id: 'strict-content' }] },
          wrongapi: { baseUrl: responsesOnly.baseUrl, models: [{ id: 'gpt-oss' }] },
          down: { baseUrl: `http://127.0.0.1:${down}/v1`, models: [{ id: 'm' }] },
          lan: { baseUrl: 'http://gpu.lan:8000/v1', models: [{ id: 'm' }] },
        },
      },
      agents: { defaults: { model: { primary: 'good/Qwen/Qwen3-8B' } } },
    },
    'test',
    {},
  );
  const report = await runDoctor(loaded, { lookup: staticLookup({ 'gpu.lan': '192.168.7.7' }) });
  const by = Object.fromEntries(report.providers.map((d) => [d.provider, d]));
  t.match(by.good, { reachable: true, chatOk: true, apiWorks: 'openai-completions', contextWindow: 32768 });
  t.same(by.good.reported, ['Qwen/Qwen3-8B', 'strict-content']);
  t.match(by.unloaded.fixes.join(), /model unloaded\? cold start/);
  t.match(by.strict.fixes.join(), /add compat\.requiresStringContent: true/);
  t.match(by.wrongapi, { apiWorks: 'openai-responses', chatOk: false });
  t.match(by.wrongapi.fixes.join(), /set api: "openai-responses"/);
  t.match(by.down, { reachable: false, chatOk: false });
  t.match(by.down.fixes.join(), /is the server running/);
  t.match(by.lan.fixes.join(), /needs allowPrivateNetwork/);
  t.equal(report.primaryUsable, true);
});

t.test('the CLI prints a table and exits non-zero when the primary is unusable', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrelay-doctor-'));
  const good = join(dir, 'good.json5');
  writeFileSync(good, JSON.stringify({ models: { providers: { v: { baseUrl: vllm.baseUrl, models: [{ id: 'Qwen/Qwen3-8B' }] } } }, agents: { defaults: { model: { primary: 'v/Qwen/Qwen3-8B' } } } }));
  const ok = runCli(['doctor', '--config', good]);
  t.equal(ok.status, 0, ok.stderr);
  t.match(ok.stdout, /provider\s+reachable\s+latency/);
  t.match(ok.stdout, /^v\s+yes\s+\d+ ms\s+2\/1\s+openai-completions\s+32768\s+ok$/m);
  t.match(ok.stdout, /primary v\/Qwen\/Qwen3-8B: usable/);
  const bad = join(dir, 'bad.json5');
  const down = await closedPort();
  writeFileSync(bad, JSON.stringify({ models: { providers: { d: { baseUrl: `http://127.0.0.1:${down}/v1`, models: [{ id: 'm' }] } } }, agents: { defaults: { model: { primary: 'd/m' } } } }));
  const no = runCli(['doctor', '--config', bad]);
  t.equal(no.status, 1);
  t.match(no.stdout, /primary d\/m: UNUSABLE/);
});
