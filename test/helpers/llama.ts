/**
 * Starts the real llama.cpp server from ../shared/llama (or $LLAMA_SERVER) on a free loopback
 * port. Returns undefined, with the reason, where none can be found: a user's clone has no
 * ../shared, and those tests then skip.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { closedPort, stop } from './mock.js';
import { startRelay, type RelayUnderTest } from './relay.js';

const SHARED = fileURLToPath(new URL('../../../shared/llama/', import.meta.url));

export interface LlamaServer {
  url: string;
  baseUrl: string;
  close(): Promise<void>;
}

export function findLlama(): { bin?: string; model?: string; reason?: string } {
  const model = process.env.LLAMA_MODEL ?? `${SHARED}tiny.gguf`;
  if (!existsSync(model)) return { reason: `no model at ${model} (set LLAMA_MODEL, or keep ../shared beside the checkout)` };
  if (process.env.LLAMA_SERVER) return { bin: process.env.LLAMA_SERVER, model };
  const install = `${SHARED}install.sh`;
  if (!existsSync(install)) return { reason: `no llama-server: set LLAMA_SERVER or provide ${install}` };
  try {
    const bin = execFileSync('bash', [install], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').at(-1)!;
    return { bin, model };
  } catch (err) {
    return { reason: `llama-server install failed: ${(err as Error).message}` };
  }
}

export async function startLlama(extraArgs: string[] = []): Promise<LlamaServer | string> {
  const found = findLlama();
  if (!found.bin) return found.reason!;
  const port = await closedPort();
  const child = spawn(found.bin, ['-m', found.model!, '--host', '127.0.0.1', '--port', String(port), '-t', '2', '-c', '4096', '--jinja', '--no-webui', ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) return `llama-server exited (${child.exitCode}): ${stderr}`;
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) return { url, baseUrl: `${url}/v1`, close: () => stop(child) };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop(child);
  return `llama-server did not become healthy in 30s: ${stderr}`;
}

/**
 * lmrelay in front of a real llama.cpp server under two providers, `chat/tiny` (its Chat
 * Completions API) and `resp/tiny` (its Responses API); both close when the test file ends.
 */
export async function relayOverLlama(t: { teardown(fn: () => Promise<void>): void }, llama: LlamaServer): Promise<RelayUnderTest> {
  const relay = await startRelay({
    models: {
      providers: {
        chat: { baseUrl: llama.baseUrl, models: [{ id: 'tiny' }] },
        resp: { baseUrl: llama.baseUrl, api: 'openai-responses', models: [{ id: 'tiny' }] },
      },
    },
  });
  t.teardown(async () => {
    await relay.close();
    await llama.close();
  });
  return relay;
}
