/** A real redis-server on a loopback port, for the fleet tests (skipped where none is installed). */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort, stop } from './mock.js';

export function findRedis(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  return found || undefined;
}

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startRedis(bin: string): Promise<RedisServer> {
  const port = await closedPort();
  const dir = mkdtempSync(join(tmpdir(), 'lmrelay-redis-'));
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
      const until = Date.now() + 10_000;
      while (Date.now() < until) {
        const ok = await new Promise<boolean>((resolve) => {
          import('node:net').then(({ connect }) => {
            const s = connect(port, '127.0.0.1', () => {
              s.end();
              resolve(true);
            });
            s.on('error', () => resolve(false));
          });
        });
        if (ok) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('redis-server did not start');
    },
    async stop() {
      if (child) await stop(child);
    },
  };
  await server.start();
  return server;
}
