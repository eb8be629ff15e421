/**
 * Clients that upload too slowly, too much, or stop reading: each gets a clear answer or a closed
 * connection within the configured bounds, and none of them holds a socket forever.
 */
import t from 'tap';
import { connect } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, providerConfig, type RelayUnderTest } from '../helpers/relay.js';
import { serve } from '../helpers/cli.js';
import { validateConfig } from '../../src/config/load.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let mock: MockUpstream;
t.before(async () => {
  mock = await startMock('vllm', ['--chunk-delay', '300']);
});
t.teardown(() => mock.close());

async function relayWith(server: Record<string, unknown>, provider: Record<string, unknown> = {}): Promise<RelayUnderTest> {
  const relay = await startRelay({ ...providerConfig('vllm', mock.baseUrl, provider), server });
  t.teardown(() => relay.close());
  return relay;
}

const connections = (relay: RelayUnderTest) => new Promise<number>((resolve) => relay.app.server.getConnections((_e, n) => resolve(n)));

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(100);
  }
  return check();
}

t.test('defaults', async (t) => {
  const { server } = validateConfig({}, 'test', {}).config;
  t.equal(server.requestTimeoutSeconds, 60);
  t.equal(server.clientWriteTimeoutSeconds, 30);
});

t.test('a body trickled slower than server.requestTimeoutSeconds gets a 408 and a closed connection', async (t) => {
  const relay = await relayWith({ requestTimeoutSeconds: 1 });
  const { port } = new URL(relay.url);
  const started = Date.now();
  const answer = await new Promise<{ text: string; ms: number }>((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let text = '';
    socket.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{');
    const trickle = setInterval(() => socket.writable && socket.write(' '), 200);
    socket.on('data', (d) => (text += d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(trickle);
      resolve({ text, ms: Date.now() - started });
    });
    setTimeout(() => socket.destroy(), 15_000);
  });
  t.match(answer.text, /^HTTP\/1\.1 408 /, 'answered 408');
  const json = JSON.parse(answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4));
  t.match(json, { error: { code: 'request_timeout', type: 'invalid_request_error', message: /requestTimeoutSeconds/ } });
  t.ok(answer.ms < 10_000, `closed after ${answer.ms} ms (not held for the trickle's whole length)`);
});

t.test('the request timeout does not cut an answer that streams for longer', async (t) => {
  const relay = await relayWith({ requestTimeoutSeconds: 1 });
  const started = Date.now();
  const stream = await relay.client.chat.completions.create({ model: 'vllm/long-answer', messages: [{ role: 'user', content: 'hi' }], stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  t.ok(Date.now() - started > 1500, 'the stream lasted past the request timeout');
  t.equal(text, 'Hello from vllm long-answer');
});

for (const stream of [true, false]) {
  t.test(`a client that stops reading a ${stream ? 'stream' : 'JSON answer'} loses its connection after server.clientWriteTimeoutSeconds`, async (t) => {
    const relay = await relayWith({ clientWriteTimeoutSeconds: 1 }, { timeoutSeconds: 2 });
    const { port } = new URL(relay.url);
    const body = JSON.stringify({ model: `vllm/flood-${stream ? 200_000 : 24_000}`, messages: [{ role: 'user', content: 'hi' }], stream });
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => {});
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    socket.pause(); // and never read
    t.ok(await until(async () => (await connections(relay)) === 1, 5000), 'the request is in flight');
    t.ok(await until(async () => (await connections(relay)) === 0, 8000), 'lmrelay closed the connection of the client that stopped reading');
    socket.destroy();
  });
}

t.test('a fetch client uploading an oversized body reads the 413', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrelay-413-'));
  const file = join(dir, 'lmrelay.json5');
  writeFileSync(file, JSON.stringify({ server: { bodyLimitBytes: 4 * 1024 * 1024 }, models: { mode: 'replace', providers: {} } }));
  // A separate process: what a client on another process sees (a same-process server hides the race).
  const relay = await serve(['--config', file]);
  t.teardown(() => relay.stop());
  const big = JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'a'.repeat(12 * 1024 * 1024) }] });
  const outcomes: string[] = [];
  for (let i = 0; i < 8; i++) {
    try {
      const res = await fetch(`${relay.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
      const json: any = await res.json();
      outcomes.push(`${res.status} ${json.error?.code}`);
    } catch (err: any) {
      outcomes.push(err.cause?.code ?? err.message);
    }
  }
  t.same(outcomes, Array(8).fill('413 request_too_large'), outcomes.join(', '));
});
