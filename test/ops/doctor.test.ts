/** lmrelay doctor against mock servers in each failure mode, through the real CLI. */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { startMock, closedPort, stop, TSX_IMPORT, type MockUpstream } from '../helpers/mock.js';
import { runCli, MAIN } from '../helpers/cli.js';
import { validateConfig } from '../../src/config/load.js';
import { formatDiagnosis, runDoctor } from '../../src/doctor.js';
import { staticLookup } from '../helpers/relay.js';

let vllm: MockUpstream;
let responsesOnly: MockUpstream;
let llamacpp: MockUpstream;
let anthropic: MockUpstream;
t.before(async () => {
  [vllm, responsesOnly, llamacpp, anthropic] = await Promise.all([
    startMock('vllm', ['--models', 'Qwen/Qwen3-8B,strict-content']),
    startMock('lmstudio', ['--only', 'responses', '--models', 'gpt-oss']),
    startMock('llamacpp', ['--models', '/models/qwen3-8b-q4_k_m.gguf']),
    startMock('anthropic'),
  ]);
});
t.teardown(async () => {
  await Promise.all([vllm.close(), responsesOnly.close(), llamacpp.close(), anthropic.close()]);
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

t.test('each provider in its own API, the URL tried, the real timeout, no repeated names', async (t) => {
  const loaded = validateConfig(
    {
      models: {
        mode: 'replace',
        providers: {
          // README's llama.cpp recipe: llama.cpp reports its file path and answers to any name.
          llamacpp: { baseUrl: llamacpp.baseUrl, apiKey: 'llama-local', models: [{ id: 'local', contextWindow: 32768 }] },
          claude: { baseUrl: anthropic.baseUrl, apiKey: 'sk-ant-api03-Zx81kQp0aLm2Nn7', api: 'anthropic-messages', models: [{ id: 'claude-sonnet-4-5' }] },
          slow: { baseUrl: vllm.baseUrl, timeoutSeconds: 1, models: [{ id: 'hang' }] },
          lan: { baseUrl: 'http://gpu.lan:8000/v1', models: [{ id: 'm' }] },
        },
      },
    },
    'test',
    {},
  );
  const report = await runDoctor(loaded, { lookup: staticLookup({ 'gpu.lan': '192.168.7.7' }) });
  const by = Object.fromEntries(report.providers.map((d) => [d.provider, d]));
  t.match(by.llamacpp, { chatOk: true, problems: [] }, 'no "configured but not reported" for a one-model server that answered');
  t.match(by.claude, { chatOk: true, apiWorks: 'anthropic-messages' });
  t.match(by.claude.probes.map((p) => p.request), [`GET ${anthropic.baseUrl}/models`, `POST ${anthropic.baseUrl}/messages (anthropic-messages, model claude-sonnet-4-5)`]);
  t.match(by.slow.probes[1], { request: `POST ${vllm.baseUrl}/chat/completions (openai-completions, model hang)`, outcome: 'no answer in 1s (timeoutSeconds: 1)', ok: false });
  t.match(by.slow.fixes.join(), /cold start/);
  t.match(by.lan.probes[0], { request: 'GET http://gpu.lan:8000/v1/models', ok: false });
  t.match(by.lan.probes[0].outcome, /^gpu\.lan resolves to private address 192\.168\.7\.7/);
  const text = report.providers.map(formatDiagnosis).join('\n');
  t.notMatch(text, /\b(\w+): \1:/, 'no name said twice');
  t.notMatch(text, /provider lan:/);
  t.match(text, /^FAIL    lan \(openai-completions, http:\/\/gpu\.lan:8000\/v1\): not reachable\n {10}GET http:\/\/gpu\.lan:8000\/v1\/models: gpu\.lan resolves/m);
  t.match(text, /^ {10}fix: needs allowPrivateNetwork/m);
});

t.test('the CLI prints each provider as soon as it is done, before slower ones finish', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrelay-doctor-live-'));
  const file = join(dir, 'live.json5');
  writeFileSync(
    file,
    JSON.stringify({
      models: { mode: 'replace', providers: { fast: { baseUrl: vllm.baseUrl, models: [{ id: 'Qwen/Qwen3-8B' }] }, slow: { baseUrl: vllm.baseUrl, timeoutSeconds: 3, models: [{ id: 'hang' }] } } },
    }),
  );
  const child = spawn(process.execPath, ['--import', TSX_IMPORT, MAIN, 'doctor', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => stop(child));
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const until = Date.now() + 20_000;
  while (!/^ok +fast /m.test(out) && Date.now() < until && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  t.match(out, /^probing 2 providers at once/, 'says what it does first');
  t.match(out, /^ok +fast \(openai-completions, http:\/\/127\.0\.0\.1:\d+\/v1\): 2 models reported/m, 'the fast one is printed');
  t.notMatch(out, /slow \(/, 'while the slow one is still being probed');
  t.equal(child.exitCode, null, 'and doctor is still running');
  await new Promise((r) => child.once('exit', r));
  t.match(out, /^FAIL +slow .*\n.*\n {10}POST http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions \(openai-completions, model hang\): no answer in 3s \(timeoutSeconds: 3\)$/m);
  t.match(out, /\nprovider +reachable +latency/);
});
