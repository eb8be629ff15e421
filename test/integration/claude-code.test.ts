/**
 * The real Claude Code CLI (`claude -p`) through lmrelay to a server that speaks only Chat
 * Completions, set up as the README says: ANTHROPIC_BASE_URL, ANTHROPIC_AUTH_TOKEN, and
 * aliases for the names Claude Code sends. The model calls Claude Code's Write tool; Claude
 * Code writes the file, sends the result back, and the turn ends with the model's answer.
 */
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startMock } from '../helpers/mock.js';
import { startRelay } from '../helpers/relay.js';

const cli = findCli();
if (typeof cli !== 'string') t.plan(0, `Claude Code tests skipped: ${cli.reason}`);
else await run(cli);

/** The CLI's script, or why it cannot start here (not installed, or it does not run on this Node). */
function findCli(): string | { reason: string } {
  let path: string;
  try {
    path = createRequire(import.meta.url).resolve('@anthropic-ai/claude-code/cli.js');
  } catch {
    return { reason: '@anthropic-ai/claude-code is not installed (npm install)' };
  }
  const version = spawnSync(process.execPath, [path, '--version'], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH, HOME: tmpdir() } });
  if (version.status !== 0) return { reason: `claude --version failed on Node ${process.version}: ${version.stderr || version.error?.message}` };
  return path;
}

/** Whatever the CLI prints, exit code and all: a run that hangs is killed at `timeoutMs`. */
function runClaude(cli: string, args: string[], env: Record<string, string>, cwd: string, timeoutMs = 90_000) {
  const child = spawn(process.execPath, [cli, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise<{ code: number | null; stdout: string; stderr: string; killed: boolean }>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, killed: signal === 'SIGKILL' });
    });
  });
}

async function run(cli: string) {
  const home = mkdtempSync(join(tmpdir(), 'lmrelay-claude-code-'));
  const proof = join(home, 'proof.txt');
  const mock = await startMock('vllm', ['--only', 'chat', '--tool-call', JSON.stringify({ name: 'Write', arguments: { file_path: proof, content: 'written through lmrelay\n' } })]);
  const key = `lmr-${randomBytes(16).toString('hex')}`;
  const relay = await startRelay({
    server: { apiKeys: [key] },
    models: { providers: { local: { baseUrl: mock.baseUrl, apiKey: 'local-key', models: [{ id: 'tool', contextWindow: 131072, maxTokens: 8192 }, { id: 'small', contextWindow: 32768 }] } } },
    agents: {
      defaults: {
        model: { primary: 'local/tool' },
        // The names Claude Code 2.1 sends for its main models and its small/fast one.
        models: { 'local/tool': { alias: ['claude-sonnet-4-6', 'claude-opus-4-7'] }, 'local/small': { alias: 'claude-haiku-4-5-20251001' } },
      },
    },
  });
  t.teardown(async () => {
    await relay.close();
    await mock.close();
  });

  t.test('claude -p: a tool call runs, its result goes back, the turn completes', async (t) => {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      ANTHROPIC_BASE_URL: relay.url,
      ANTHROPIC_AUTH_TOKEN: key,
      DISABLE_TELEMETRY: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
    };
    const out = await runClaude(cli, ['-p', 'Write the proof file.', '--output-format', 'json', '--allowedTools', 'Write'], env, home);
    t.notOk(out.killed, 'claude ended by itself');
    if (out.code !== 0) t.comment(`claude said: ${out.stderr || out.stdout}`);
    t.equal(out.code, 0, 'claude exits 0');
    const result = JSON.parse(out.stdout);
    t.match(result, { type: 'result', is_error: false, num_turns: 2, result: `Tool said: File created successfully at: ${proof}` }, 'the turn ends with the answer to the tool result');
    t.ok(existsSync(proof), 'Claude Code ran the Write tool the model called');
    t.equal(readFileSync(proof, 'utf8'), 'written through lmrelay\n');

    const lines = relay.logs.filter((l) => l.msg === 'request completed' && l.route?.startsWith('/v1/messages'));
    t.ok(lines.length >= 2, 'Claude Code spoke Anthropic Messages to lmrelay');
    t.same(lines.filter((l) => l.status !== 200).map((l) => `${l.model}: ${l.status}`), [], 'every request of the run was answered (an unaliased name would be a 404)');

    const calls = (await mock.requests()).filter((r) => r.path === '/v1/chat/completions');
    t.equal(calls.length, 2, 'two model calls: the tool call, then the answer');
    t.ok(calls[0].body.tools.some((tool: any) => tool.type === 'function' && tool.function.name === 'Write'), "Claude Code's tools reached the Chat server as functions");
    t.match(calls[0].body.messages[0], { role: 'system', content: String }, 'the system prompt as a system message');
    t.notMatch(calls[0].body.messages[0].content, /^x-anthropic-billing-header/, 'without the attribution line');
    t.ok(calls[0].body.max_tokens <= 8192, "max_tokens capped at the model's maxTokens");
    const listed = await (await fetch(`${relay.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).json();
    t.match(
      listed.data.filter((m: { owned_by: string }) => m.owned_by === 'lmrelay'),
      [{ id: 'claude-sonnet-4-6', root: 'local/tool' }, { id: 'claude-opus-4-7', root: 'local/tool' }, { id: 'claude-haiku-4-5-20251001', root: 'local/small' }],
      '/v1/models lists every alias',
    );
    t.match(calls[1].body.messages.slice(-2), [
      { role: 'assistant', tool_calls: [{ id: 'call_mock1', function: { name: 'Write' } }] },
      { role: 'tool', tool_call_id: 'call_mock1', content: `File created successfully at: ${proof}` },
    ]);
  });
}
