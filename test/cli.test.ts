/** The CLI as a user runs it: a real process. */
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closedPort, stop, TSX_IMPORT } from './helpers/mock.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lmrelay-cli-'));
const run = (args: string[], cwd = dir) => spawnSync(process.execPath, ['--import', TSX_IMPORT, MAIN, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });

const good = join(dir, 'good.json5');
writeFileSync(
  good,
  `// comments are fine
  { models: { providers: { mlx: { baseUrl: "http://127.0.0.1:8080/v1", models: [{ id: "mlx-community/Qwen3-30B-A3B-6bit" }] } } },
    agents: { defaults: { model: { primary: "mlx/mlx-community/Qwen3-30B-A3B-6bit" }, models: { "mlx/mlx-community/Qwen3-30B-A3B-6bit": { alias: "Local" } } } } }`,
);
const bad = join(dir, 'bad.json5');
writeFileSync(bad, `{ models: { providers: { vllm: { baseUrl: "http://127.0.0.1:8000/v1", timeoutSeconds: "30" } } }, server: { port: -1 } }`);

t.test('check: exit 0 when valid, non-zero with each problem and its path', async (t) => {
  const ok = run(['check', '--config', good]);
  t.equal(ok.status, 0, ok.stderr);
  t.match(ok.stdout, /valid/);
  const no = run(['check', '--config', bad]);
  t.not(no.status, 0);
  t.match(no.stderr, /models\.providers\.vllm\.timeoutSeconds: expected number/);
  t.match(no.stderr, /server\.port:/);
});

t.test('models list: one ref per line with alias and upstream', async (t) => {
  const out = run(['models', 'list', '--config', good]);
  t.equal(out.status, 0, out.stderr);
  t.match(out.stdout, /^mlx\/mlx-community\/Qwen3-30B-A3B-6bit\tprimary\talias=Local\tupstream=http:\/\/127\.0\.0\.1:8080\/v1 mlx-community\/Qwen3-30B-A3B-6bit$/m);
});

t.test('serve: zero config starts and answers, with nothing else running', async (t) => {
  const port = await closedPort();
  const child = spawn(process.execPath, ['--import', TSX_IMPORT, MAIN, 'serve', '--port', String(port)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => stop(child));
  let up = false;
  for (let i = 0; i < 150 && !up; i++) {
    await new Promise((r) => setTimeout(r, 100));
    up = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
  }
  t.ok(up, 'healthz answers');
  const models = await (await fetch(`http://127.0.0.1:${port}/v1/models`)).json();
  t.equal(models.object, 'list');
  t.ok(Array.isArray(models.data));
  await stop(child);
  t.equal(child.exitCode, 0, 'SIGTERM exits 0');
});

t.test('usage mistakes: one line on stderr, exit code 2, no stack trace', async (t) => {
  for (const [args, env, said] of [
    [['serve', '--port', 'abc'], {}, /^error: option '-p, --port <port>' argument 'abc' is invalid\. a port is a whole number from 0 to 65535\.$/],
    [['serve', '--port', '70000'], {}, /argument '70000' is invalid/],
    [['serve', '--port', '-1'], {}, /error: /],
    [['serve', '--log-level', 'bogus'], {}, /^error: option '--log-level <level>' argument 'bogus' is invalid\. Allowed choices are trace, debug, info, warn, error, fatal, silent\.$/],
    [['serve'], { LOG_LEVEL: 'bogus' }, /^error: LOG_LEVEL: "bogus" is not a log level/],
    [['--bogus'], {}, /^error: unknown option '--bogus'$/],
    [['check', '--nope'], {}, /^error: unknown option '--nope'$/],
  ] as const) {
    const out = spawnSync(process.execPath, ['--import', TSX_IMPORT, MAIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
    const what = `${Object.entries(env).map(([k, v]) => `${k}=${v} `).join('')}${args.join(' ')}`;
    t.equal(out.status, 2, `${what}: exit 2`);
    const lines = out.stderr.trim().split('\n');
    t.equal(lines.length, 1, `${what}: one line (${out.stderr})`);
    t.match(lines[0], said, what);
    t.notMatch(out.stderr, /^\s+at /m, `${what}: no stack trace`);
  }
});

t.test('--version and -v print the version', async (t) => {
  const { version } = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8'));
  for (const flag of ['--version', '-v']) {
    const out = run([flag]);
    t.equal(out.status, 0, flag);
    t.equal(out.stdout.trim(), version, flag);
  }
});
