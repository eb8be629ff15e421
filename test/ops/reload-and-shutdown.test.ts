/** Hot reload (file change, SIGHUP, invalid file, during a stream) and graceful SIGTERM, on the real process. */
import t from 'tap';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort, startMock, stop, TSX_IMPORT, type MockUpstream } from '../helpers/mock.js';
import { MAIN, serve } from '../helpers/cli.js';

let fast: MockUpstream;
let slow: MockUpstream;
t.before(async () => {
  [fast, slow] = await Promise.all([startMock('vllm'), startMock('ollama', ['--chunks', '20', '--chunk-delay', '50'])]);
});
t.teardown(async () => {
  await Promise.all([fast.close(), slow.close()]);
});

const dir = mkdtempSync(join(tmpdir(), 'lmrelay-reload-'));
const file = join(dir, 'lmrelay.json5');
const configFor = (primary: string) => `// test config
{ models: { providers: {
    fast: { baseUrl: "${'${FAST}'}", models: [] },
    slow: { baseUrl: "${'${SLOW}'}", models: [] } } },
  agents: { defaults: { model: { primary: "${primary}" } } } }`;

const ask = async (url: string) => {
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) });
  return (await res.json()).choices[0].message.content as string;
};

t.test('a changed file, SIGHUP and an invalid file', async (t) => {
  writeFileSync(file, configFor('fast/one'));
  const relay = await serve(['--config', file], { env: { ...process.env, FAST: fast.baseUrl, SLOW: slow.baseUrl } });
  t.teardown(() => relay.stop());
  t.equal(await ask(relay.url), 'Hello from vllm one');

  writeFileSync(file, configFor('fast/two'));
  await relay.waitForLog(/config reloaded/);
  t.equal(await ask(relay.url), 'Hello from vllm two', 'the watched file was re-read');

  writeFileSync(file, '{ models: { providers: { fast: { baseUrl: 42 } } } }');
  await relay.waitForLog(/config reload rejected/);
  t.match(relay.output(), /models\.providers\.fast\.baseUrl/, 'the same path-named problems as check');
  t.equal(await ask(relay.url), 'Hello from vllm two', 'the running config stays');

  const before = (relay.output().match(/config reloaded/g) ?? []).length;
  relay.child.kill('SIGHUP');
  await relay.waitForLog(/config reload rejected[\s\S]*config reload rejected/);
  t.equal((relay.output().match(/config reloaded/g) ?? []).length, before, 'SIGHUP re-reads (still invalid)');
});

t.test('reload and SIGTERM during a stream: the stream completes', async (t) => {
  writeFileSync(file, configFor('slow/m'));
  const relay = await serve(['--config', file], { env: { ...process.env, FAST: fast.baseUrl, SLOW: slow.baseUrl } });
  t.teardown(() => relay.stop());
  const readAll = async () => {
    const res = await fetch(`${relay.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    return res.text();
  };
  const during = readAll();
  await new Promise((r) => setTimeout(r, 200));
  writeFileSync(file, configFor('fast/after'));
  await relay.waitForLog(/config reloaded/);
  const text = await during;
  t.match(text, /w19 /, 'all 20 chunks arrived');
  t.match(text, /data: \[DONE\]\n\n$/, 'and the stream ended cleanly');
  t.equal(await ask(relay.url), 'Hello from vllm after', 'new requests use the new config');

  writeFileSync(file, configFor('slow/m'));
  await relay.waitForLog(/config reloaded[\s\S]*config reloaded/);
  const streaming = readAll();
  await new Promise((r) => setTimeout(r, 200));
  relay.child.kill('SIGTERM');
  const [code] = (await once(relay.child, 'exit')) as [number];
  const body = await streaming;
  t.match(body, /w19 [\s\S]*data: \[DONE\]\n\n$/, 'the stream in flight completed');
  t.equal(code, 0, 'then the process exited 0');
});

t.test('SIGHUP while a request waits on a hanging model: its fallback still answers', async (t) => {
  const chainFile = join(dir, 'chain.json5');
  writeFileSync(chainFile, `{ models: { providers: {
      stuck: { baseUrl: "${'${SLOW}'}", timeoutSeconds: 1.5, models: [{ id: "hang" }] },
      fast: { baseUrl: "${'${FAST}'}", models: [{ id: "rescue" }] } } },
    agents: { defaults: { model: { primary: "stuck/hang", fallbacks: ["fast/rescue"] } } } }`);
  const relay = await serve(['--config', chainFile], { env: { ...process.env, FAST: fast.baseUrl, SLOW: slow.baseUrl } });
  t.teardown(() => relay.stop());
  const answer = fetch(`${relay.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
  });
  await new Promise((r) => setTimeout(r, 500));
  relay.child.kill('SIGHUP');
  await relay.waitForLog(/config reloaded/);
  const res = await answer;
  const body = await res.json();
  t.equal(res.status, 200, `answered by the fallback: ${JSON.stringify(body)}`);
  t.equal(body.choices?.[0]?.message?.content, 'Hello from vllm rescue');
  t.equal(res.headers.get('x-lmrelay-attempts'), '2', 'after the hanging model timed out');
  t.equal(await ask(relay.url), 'Hello from vllm rescue', 'a request after the reload walks the same chain on the new state');
});

t.test('SIGHUP with settings only a restart applies: one warning line each, the rest applied', async (t) => {
  // The server reads the file through a link in another folder, so that only SIGHUP reloads it
  // (the watcher sees the link's folder, where nothing changes).
  mkdirSync(join(dir, 'real'), { recursive: true });
  const realFile = join(dir, 'real', 'restart.json5');
  const link = join(dir, 'restart-link.json5');
  const configWith = (server: string, state: string, primary: string) => `{ server: { ${server} }, state: { ${state} },
    models: { providers: { fast: { baseUrl: "${'${FAST}'}", models: [] } } },
    agents: { defaults: { model: { primary: "${primary}" } } } }`;
  writeFileSync(realFile, configWith('bodyLimitBytes: 100000, readinessProbeSeconds: 15, shutdownGraceSeconds: 30', '', 'fast/before'));
  symlinkSync(realFile, link);
  const relay = await serve(['--config', link], { env: { ...process.env, FAST: fast.baseUrl } });
  t.teardown(() => relay.stop());
  t.equal(await ask(relay.url), 'Hello from vllm before');

  writeFileSync(realFile, configWith('bodyLimitBytes: 2000, readinessProbeSeconds: 3, shutdownGraceSeconds: 5', 'redis: { url: "redis://:hunter2@127.0.0.1:1" }', 'fast/after'));
  await new Promise((r) => setTimeout(r, 300));
  t.notMatch(relay.output(), /config reloaded/, 'nothing re-read the file before SIGHUP');
  relay.child.kill('SIGHUP');
  await relay.waitForLog(/config reloaded/);

  const lines = relay.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const warnings = lines.filter((l) => l.setting !== undefined);
  t.same(
    warnings.map((l) => l.setting),
    ['server.bodyLimitBytes', 'server.readinessProbeSeconds', 'state.redis'],
    'one line per changed restart-only setting; a live one (shutdownGraceSeconds) is not among them',
  );
  t.match(warnings[0].msg, /^server\.bodyLimitBytes changed \(100000 -> 2000\): it takes effect on restart; the rest of the config is applied$/);
  t.match(warnings[1].msg, /^server\.readinessProbeSeconds changed \(15 -> 3\): it takes effect on restart/);
  t.match(warnings[2].msg, /^state\.redis changed: it takes effect on restart/);
  t.notMatch(relay.output(), /hunter2/, 'the Redis URL (and its password) is not logged');

  t.equal(await ask(relay.url), 'Hello from vllm after', 'the rest was applied: the new primary answers');
  const big = await fetch(`${relay.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(5000) }] }),
  });
  t.equal(big.status, 200, 'the body limit the server started with still holds, as the warning said');
  await big.text();
});

t.test('the last log lines reach a pipe and a file when the process exits right after them', async (t) => {
  writeFileSync(file, configFor('fast/m'));
  const env = { ...process.env, FAST: fast.baseUrl, SLOW: slow.baseUrl, LOG_FORMAT: 'json' };
  // A pipe (asynchronous writes).
  const piped = await serve(['--config', file], { env });
  t.equal(await ask(piped.url), 'Hello from vllm m');
  piped.child.kill('SIGTERM');
  await once(piped.child, 'exit');
  t.match(piped.output(), /"msg":"request completed"/, 'pipe: the request line was flushed at exit');

  // A file (synchronous writes), as a service writing its own log would have.
  const log = join(dir, 'lmrelay.log');
  const port = await closedPort();
  const child = spawn(process.execPath, ['--import', TSX_IMPORT, MAIN, 'serve', '--config', file, '--port', String(port)], { env, stdio: ['ignore', openSync(log, 'w'), 'ignore'] });
  t.teardown(() => stop(child));
  const until = Date.now() + 15_000;
  while (!/lmrelay listening on/.test(readFileSync(log, 'utf8')) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  t.equal(await ask(`http://127.0.0.1:${port}`), 'Hello from vllm m');
  child.kill('SIGTERM');
  await once(child, 'exit');
  t.match(readFileSync(log, 'utf8'), /"msg":"request completed"/, 'file: the request line was flushed at exit');
});
