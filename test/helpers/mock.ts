/** Starts a mock upstream (test/upstreams/mock-openai.ts, mock-ollama.ts) as its own process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const MOCK = fileURLToPath(new URL('../upstreams/mock-openai.ts', import.meta.url));
const OLLAMA_MOCK = fileURLToPath(new URL('../upstreams/mock-ollama.ts', import.meta.url));

export interface MockUpstream {
  url: string;
  baseUrl: string;
  port: number;
  requests(): Promise<Array<{ method: string; path: string; headers: Record<string, string>; body: any }>>;
  aborted(): Promise<number>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export function startMock(dialect: string, extraArgs: string[] = []): Promise<MockUpstream> {
  return startMockProcess(MOCK, ['--dialect', dialect, ...extraArgs]);
}

/** A mock Ollama speaking its native API (/api/chat, /api/tags, /api/show); its baseUrl is the server's root. */
export async function startOllamaMock(): Promise<MockUpstream> {
  const mock = await startMockProcess(OLLAMA_MOCK, []);
  return { ...mock, baseUrl: mock.url };
}

async function startMockProcess(script: string, args: string[]): Promise<MockUpstream> {
  const child = spawn(process.execPath, ['--import', TSX_IMPORT, script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await readPort(child);
  const url = `http://127.0.0.1:${port}`;
  const get = async (path: string) => (await fetch(url + path)).json();
  return {
    url,
    baseUrl: `${url}/v1`,
    port,
    requests: () => get('/__mock/requests') as any,
    aborted: async () => ((await get('/__mock/aborted')) as { aborted: number }).aborted,
    reset: async () => void (await get('/__mock/reset')),
    close: () => stop(child),
  };
}

function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('mock upstream did not start in 15s')), 15_000);
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line).port);
    });
    child.once('exit', (code) => reject(new Error(`mock upstream exited with ${code}`)));
  });
}

export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

/** A port nothing listens on (connection refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** `--import <tsx>` that works from any cwd (a child process started in a temp folder). */
export const TSX_IMPORT = import.meta.resolve('tsx');
