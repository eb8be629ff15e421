/**
 * agents.defaults.contextGuard: the thresholds are settings, discovered models are guarded like
 * configured ones, and `check`, `doctor` and requests give the same verdict.
 */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { postJson, startRelay } from '../helpers/relay.js';
import { runCli } from '../helpers/cli.js';

let small: MockUpstream;
t.before(async () => {
  small = await startMock('llamacpp', ['--models', 'tiny', '--context', '2048']);
});
t.teardown(() => small.close());

const dir = mkdtempSync(join(tmpdir(), 'lmrelay-ctx-'));
const config = (guard?: Record<string, number>, models: unknown[] = []) => ({
  models: { mode: 'replace', providers: { llamacpp: { baseUrl: small.baseUrl, models } } },
  agents: { defaults: { ...(guard ? { contextGuard: guard } : {}) } },
});
const chat = (url: string, model: string, content = 'hi') => postJson(`${url}/v1/chat/completions`, { model, messages: [{ role: 'user', content }] });

t.test('a discovered 2048-token model is refused like a configured one, by ref and by bare id', async (t) => {
  const relay = await startRelay(config());
  t.teardown(() => relay.close());
  for (const model of ['llamacpp/tiny', 'tiny']) {
    const res = await chat(relay.url, model);
    t.equal(res.status, 400, `${model}: ${res.text}`);
    t.equal(res.json.error.code, 'context_window_too_small');
    t.match(res.json.error.message, /llamacpp\/tiny has a context window of 2048 tokens.*agents\.defaults\.contextGuard\.refuseBelow: 16000.*lower refuseBelow/);
  }
  const configured = await startRelay(config(undefined, [{ id: 'tiny', contextWindow: 2048 }]));
  t.teardown(() => configured.close());
  const res = await chat(configured.url, 'llamacpp/tiny');
  t.equal(res.status, 400);
  t.equal(res.json.error.code, 'context_window_too_small');
});

t.test('a lower refuseBelow lets it through; its window still bounds the prompt', async (t) => {
  const relay = await startRelay(config({ refuseBelow: 2000 }));
  t.teardown(() => relay.close());
  const ok = await chat(relay.url, 'llamacpp/tiny');
  t.equal(ok.status, 200, ok.text);
  const long = await chat(relay.url, 'llamacpp/tiny', 'word '.repeat(3000));
  t.equal(long.status, 400);
  t.equal(long.json.error.code, 'context_length_exceeded', 'the discovered window is the bound');
  t.match(long.json.error.message, /context window of 2048/);
});

t.test('check says what requests will get, and obeys the thresholds', async (t) => {
  const write = (name: string, value: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(value));
    return file;
  };
  const refused = runCli(['check', '--config', write('refused.json5', config(undefined, [{ id: 'tiny', contextWindow: 8000 }]))]);
  t.equal(refused.status, 1);
  t.match(refused.stderr, /error: models\.providers\.llamacpp\.models\[0\]\.contextWindow: llamacpp\/tiny has a context window of 8000 tokens.*\(its requests are refused\)/);
  const warned = runCli(['check', '--config', write('warned.json5', config({ refuseBelow: 4000 }, [{ id: 'tiny', contextWindow: 8000 }]))]);
  t.equal(warned.status, 0, warned.stderr);
  t.match(warned.stdout, /warning: .*llamacpp\/tiny has a context window of 8000 tokens, small for agents \(agents\.defaults\.contextGuard\.warnBelow: 32000\)/);
  const quiet = runCli(['check', '--config', write('quiet.json5', config({ refuseBelow: 0, warnBelow: 0 }, [{ id: 'tiny', contextWindow: 8000 }]))]);
  t.equal(quiet.status, 0, quiet.stderr);
  t.notMatch(quiet.stdout, /warning/);
});

t.test('doctor gives the verdict requests get, for a discovered model too', async (t) => {
  const refused = join(dir, 'doctor-refused.json5');
  writeFileSync(refused, JSON.stringify(config()));
  const no = runCli(['doctor', '--config', refused, '--json']);
  const report = JSON.parse(no.stdout);
  t.match(report.providers[0], { provider: 'llamacpp', refused: true, chatOk: false });
  t.match(report.providers[0].problems.join('\n'), /context window of 2048 tokens/);
  t.equal(no.status, 1);
  const allowed = join(dir, 'doctor-allowed.json5');
  writeFileSync(allowed, JSON.stringify(config({ refuseBelow: 2000 })));
  const yes = runCli(['doctor', '--config', allowed, '--json']);
  t.equal(yes.status, 0, yes.stdout);
  t.match(JSON.parse(yes.stdout).providers[0], { provider: 'llamacpp', chatOk: true });
});
