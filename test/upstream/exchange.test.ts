/** The upstream exchange handler on its own, against a real local HTTP server. */
import t from 'tap';
import { createServer, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { startExchange } from '../../src/upstream/exchange.js';

const CHUNK = Buffer.alloc(64 * 1024, 'x');
const TOTAL_CHUNKS = 512; // 32 MiB: far more than socket buffers hold

/** Writes TOTAL_CHUNKS as fast as the reader lets it, counting what was handed to the socket. */
async function floodServer(t: { teardown(fn: () => unknown): void }) {
  const state = { written: 0, closed: false };
  const server = createServer(async (_req, res: ServerResponse) => {
    res.on('close', () => (state.closed = true));
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    for (let i = 0; i < TOTAL_CHUNKS && !res.destroyed; i++) {
      state.written += CHUNK.length;
      if (!res.write(CHUNK)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  t.teardown(async () => {
    await pool.destroy();
    server.close();
  });
  return { pool, state };
}

t.test('a slow reader holds the upstream back (backpressure), then gets every byte', async (t) => {
  const { pool, state } = await floodServer(t);
  const exchange = startExchange(pool, { method: 'GET', path: '/' });
  const head = await exchange.head;
  t.equal(head.status, 200);
  const iterator = head.body[Symbol.asyncIterator]();
  let received = (await iterator.next()).value!.length;
  await new Promise((r) => setTimeout(r, 300));
  t.ok(state.written < (TOTAL_CHUNKS * CHUNK.length) / 2, `upstream paused: ${state.written} of ${TOTAL_CHUNKS * CHUNK.length} bytes written while the reader waited`);
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    received += next.value.length;
  }
  t.equal(received, TOTAL_CHUNKS * CHUNK.length, 'every byte arrived');
});

t.test('destroy and cancel close the upstream connection; a whole read has a size limit', async (t) => {
  const { pool, state } = await floodServer(t);
  const first = startExchange(pool, { method: 'GET', path: '/' });
  (await first.head).body.destroy();
  for (let i = 0; i < 50 && !state.closed; i++) await new Promise((r) => setTimeout(r, 20));
  t.ok(state.closed, 'destroying the body closes the upstream response');

  const second = startExchange(pool, { method: 'GET', path: '/' });
  await t.rejects((await second.head).body.text(1024 * 1024), { message: /larger than 1048576 bytes/ }, 'over the limit: refused, not buffered');

  const third = startExchange(pool, { method: 'GET', path: '/' });
  const reason = new Error('deadline');
  third.cancel(reason);
  await t.rejects(third.head, reason, 'cancelled before the head: the head rejects with the reason');
});
