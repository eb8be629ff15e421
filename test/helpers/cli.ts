/** Runs the real lmrelay CLI as a process (through tsx, no build needed). */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { closedPort, stop, TSX_IMPORT } from './mock.js';

export const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(process.execPath, ['--import', TSX_IMPORT, MAIN, ...args], { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8', timeout: 60_000 });
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  waitForLog: (pattern: RegExp, ms?: number) => Promise<void>;
  stop: () => Promise<void>;
}

export async function serve(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ServeProcess> {
  const port = await closedPort();
  const child = spawn(process.execPath, ['--import', TSX_IMPORT, MAIN, 'serve', '--port', String(port), ...args], {
    cwd: options.cwd,
    env: { ...(options.env ?? process.env), LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const waitForLog = async (pattern: RegExp, ms = 15_000) => {
    const until = Date.now() + ms;
    while (!pattern.test(out)) {
      if (Date.now() > until) throw new Error(`no log line matching ${pattern} in ${ms}ms:\n${out}`);
      if (child.exitCode !== null) throw new Error(`lmrelay exited (${child.exitCode}):\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await waitForLog(/lmrelay listening on/);
  return { child, url, output: () => out, waitForLog, stop: () => stop(child) };
}
