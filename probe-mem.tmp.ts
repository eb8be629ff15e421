import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMock } from './test/helpers/mock.ts';
import { serve } from './test/helpers/cli.ts';
import { postJson } from './test/helpers/relay.ts';
const mock = await startMock('vllm', ['--models', 'known-a']);
const dir = mkdtempSync(join(tmpdir(), 'x-'));
writeFileSync(join(dir, 'c.json5'), JSON.stringify({ models: { providers: { open: { baseUrl: mock.baseUrl, models: [] } } } }));
const s = await serve(['--config', join(dir, 'c.json5')]);
const rn = (n: number) => randomBytes(n).toString('base64url').slice(0, n);
const m = async () => { const t = await (await fetch(s.url + '/metrics')).text(); const g = (k: string) => Math.round(Number(t.split('\n').find((l) => l.startsWith(k + ' '))!.split(' ')[1]) / 1048576); return `rss=${g('process_resident_memory_bytes')} heap=${g('nodejs_heap_size_used_bytes')} total=${g('nodejs_heap_size_total_bytes')} ext=${g('nodejs_external_memory_bytes')}`; };
async function par(n: number, w: number, f: (i: number) => Promise<unknown>) { let i = 0; await Promise.all(Array.from({ length: w }, async () => { while (i < n) await f(i++); })); }
console.log('start', await m());
for (const phase of (process.argv[2] ?? 'long,long,long,mixed,mixed,mixed,mixed').split(',')) {
  await par(300, 6, (i) => postJson(s.url + '/v1/chat/completions', { model: `open/${rn(phase === 'long' ? 100000 : 250)}`, messages: [{ role: 'user', content: 'hi' }], ...(phase === 'mixed' && i % 2 ? { stream: true, stream_options: { include_usage: true } } : {}) }).catch(() => 0));
  console.log(phase, await m());
}
await s.stop(); await mock.close();
