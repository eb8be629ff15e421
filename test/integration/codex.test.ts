/**
 * The real Codex CLI (`@openai/codex`) through lmrelay to a server that only speaks Chat
 * Completions: `codex exec` with Codex's default tools and settings sends its first request
 * (namespace tools, web_search, client_metadata), the model calls exec_command, Codex runs
 * the command, and the model's answer ends the turn. Over SSE, Codex's default transport, and
 * over WebSocket (a provider with `supports_websockets`).
 * Codex talks to lmrelay as a custom model provider, in a HOME of its own.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMock } from '../helpers/mock.js';
import { startRelay } from '../helpers/relay.js';

const require = createRequire(import.meta.url);
const platformPackage = `@openai/codex-${process.platform}-${process.arch}`;
const launcher = require.resolve('@openai/codex/bin/codex.js');

function hasPlatformBinary(): boolean {
  try {
    require.resolve(`${platformPackage}/package.json`);
    return true;
  } catch {
    return false;
  }
}

if (!hasPlatformBinary()) {
  t.plan(0, `Codex CLI test skipped: ${platformPackage} is not installed (npm installs Codex's binary for this platform only where one is published)`);
} else {
  await run();
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function codex(args: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [launcher, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function run() {
  const mock = await startMock('vllm', ['--only', 'chat']);
  const relay = await startRelay({ models: { providers: { local: { baseUrl: mock.baseUrl, models: [] } } } });
  const home = mkdtempSync(join(tmpdir(), 'lmrelay-codex-'));
  t.teardown(async () => {
    await relay.close();
    await mock.close();
    rmSync(home, { recursive: true, force: true });
  });
  const codexHome = join(home, '.codex');
  const workdir = join(home, 'work');
  mkdirSync(codexHome);
  mkdirSync(workdir);
  writeFileSync(
    join(codexHome, 'config.toml'),
    [
      'model = "local/tool"',
      'model_provider = "lmrelay"',
      '[model_providers.lmrelay]',
      'name = "lmrelay"',
      `base_url = "${relay.url}/v1"`,
      'wire_api = "responses"',
      '',
    ].join('\n'),
  );
  // Only what Codex needs: no key of the developer's own, no proxy settings, its own HOME.
  const env = { PATH: process.env.PATH, HOME: home, CODEX_HOME: codexHome, TERM: 'dumb', NO_COLOR: '1' };

  t.test('codex exec: tool call run, final answer, over SSE', async (t) => {
    const result = await codex(['exec', '--skip-git-repo-check', 'Run the check command.'], env, workdir, 120_000);
    const seen = (await mock.requests()).filter((r) => r.path === '/v1/chat/completions');
    t.equal(result.code, 0, 'codex exec succeeded', { stderr: result.stderr.slice(-2000) });
    t.equal(seen.length, 2, 'two model calls: the tool call, then the answer');

    const first = seen[0].body;
    const names = first.tools.map((tool: any) => tool.function.name);
    t.equal(names[0], 'exec_command', "Codex's shell tool reached the server as a function");
    t.ok(names.some((n: string) => /^multi_agent_v1__\w+$/.test(n)), 'its namespace tools arrive flattened');
    t.notOk(JSON.stringify(first.tools).includes('web_search'), 'its hosted web_search is left out');
    t.notOk('client_metadata' in first || JSON.stringify(first).includes('x-codex-installation-id'), 'its client_metadata is not forwarded');
    const warning = relay.logs.find((l) => /hosted tools left out/.test(l.msg));
    t.match(warning?.tools, ['web_search'], 'one warning names the hosted tool');

    const second = seen[1].body;
    const toolResult = second.messages.at(-1);
    t.equal(toolResult.role, 'tool');
    t.match(toolResult.content, /ran-through-lmrelay/, 'Codex ran the command the model asked for');
    t.equal(second.messages.at(-2).tool_calls[0].function.name, 'exec_command');
    t.match(result.stdout, /Tool said:[\s\S]*ran-through-lmrelay/, "Codex printed the model's final answer");
  });

  t.test('codex exec over the Responses WebSocket: warm-up, tool call run, final answer', async (t) => {
    await mock.reset();
    const wsHome = join(home, 'ws');
    const wsCodexHome = join(wsHome, '.codex');
    mkdirSync(wsCodexHome, { recursive: true });
    mkdirSync(join(wsHome, 'work'));
    writeFileSync(
      join(wsCodexHome, 'config.toml'),
      ['model = "local/tool"', 'model_provider = "lmrelay"', '[model_providers.lmrelay]', 'name = "lmrelay"', `base_url = "${relay.url}/v1"`, 'wire_api = "responses"', 'supports_websockets = true', ''].join('\n'),
    );
    const linesBefore = relay.logs.length;
    const result = await codex(['exec', '--skip-git-repo-check', 'Run the check command.'], { ...env, HOME: wsHome, CODEX_HOME: wsCodexHome }, join(wsHome, 'work'), 120_000);
    t.equal(result.code, 0, 'codex exec succeeded', { stderr: result.stderr.slice(-2000) });
    const lines = relay.logs.slice(linesBefore).filter((l) => l.msg === 'request completed' && l.route === '/v1/responses');
    const upgrade = lines.find((l) => l.status === 101);
    t.ok(upgrade, 'Codex opened the WebSocket');
    const turns = lines.filter((l) => l.status !== 101);
    t.ok(turns.length >= 2, 'its turns ran');
    t.ok(turns.every((l) => l.status === 200 && l.reqId.startsWith(`${upgrade?.reqId}.`)), 'every turn on that socket, none over HTTP');
    const seen = (await mock.requests()).filter((r) => r.path === '/v1/chat/completions');
    t.equal(seen.length, 2, "two model calls: Codex's warm-up (generate: false) runs no model");
    t.equal(seen[1].body.messages.at(-1).role, 'tool', 'the second call carries the tool output');
    t.match(seen[1].body.messages.at(-1).content, /ran-through-lmrelay/, 'Codex ran the command');
    t.equal(seen[1].body.messages.filter((m: any) => m.role === 'user').length, seen[0].body.messages.filter((m: any) => m.role === 'user').length, 'the continued turn replays the conversation once, not twice');
    t.match(result.stdout, /Tool said:[\s\S]*ran-through-lmrelay/, "Codex printed the model's final answer");
  });

  t.test('a call of a namespaced tool reaches the tool Codex declared, and goes back flat', async (t) => {
    await mock.reset();
    const result = await codex(['exec', '--skip-git-repo-check', '-m', 'local/call-multi_agent_v1__wait_agent', 'Wait for the agent.'], env, workdir, 120_000);
    t.equal(result.code, 0, 'codex exec succeeded', { stderr: result.stderr.slice(-2000) });
    const seen = (await mock.requests()).filter((r) => r.path === '/v1/chat/completions');
    t.equal(seen.length, 2);
    const [call, output] = seen[1].body.messages.slice(-2);
    t.equal(call.tool_calls[0].function.name, 'multi_agent_v1__wait_agent', "Codex's namespaced call, flat again for the server");
    t.equal(output.role, 'tool');
    // Codex answers "unsupported call: <name>" for a name it did not declare; its wait_agent
    // tool ran and complained about the mock's arguments instead.
    t.notMatch(output.content, /unsupported call/, 'Codex ran its own wait_agent tool');
    t.match(output.content, /\S/);
  });
}
