/**
 * Every request is counted once in lmrelay_requests_total and written once to the access log,
 * client aborts included (status 499, failureKind client_abort), wherever the client leaves:
 * while sending its body, while the upstream thinks, while its answer is read, mid-stream.
 */
import t from 'tap';
import { connect } from 'node:net';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, postJson, type RelayUnderTest } from '../helpers/relay.js';

let mock: MockUpstream;
let relay: RelayUnderTest;

t.before(async () => {
  mock = await startMock('vllm', ['--chunks', '30', '--chunk-delay', '40']);
  relay = await startRelay({ models: { providers: { v: { baseUrl: mock.baseUrl, models: [] } } } });
});
t.teardown(async () => {
  await relay.close();
  await mock.close();
});

interface Abort {
  kind: string;
  path: string;
  body: Record<string, unknown>;
  /** Send only the start of the body. */
  partial?: boolean;
  /** Leave once this much of the answer arrived (else after `afterMs`). */
  afterText?: string;
  afterMs?: number;
}

const chat = (model: string, stream = false) => ({ model, stream, messages: [{ role: 'user', content: 'hi' }] });
const KINDS: Abort[] = [
  { kind: 'sending its body', path: '/v1/chat/completions', body: chat('v/x'), partial: true, afterMs: 30 },
  { kind: 'waiting for the upstream', path: '/v1/chat/completions', body: chat('v/slow-5000'), afterMs: 150 },
  { kind: 'the upstream answer half read', path: '/v1/chat/completions', body: chat('v/stall-after-1'), afterMs: 150 },
  { kind: 'waiting for the first event', path: '/v1/chat/completions', body: chat('v/slow-5000', true), afterMs: 150 },
  { kind: 'mid-stream', path: '/v1/chat/completions', body: chat('v/x', true), afterText: 'data: ' },
  { kind: 'mid-stream, responses', path: '/v1/responses', body: { model: 'v/x', stream: true, input: 'hi' }, afterText: 'event: response.output_text.delta' },
  { kind: 'mid-stream, messages', path: '/v1/messages', body: { ...chat('v/x', true), max_tokens: 50 }, afterText: 'event: content_block_delta' },
];
const PER_KIND = 20;

/** One request on its own socket, cut at the chosen moment (5 s at most). */
function sendAndLeave(id: string, a: Abort): Promise<void> {
  const port = Number(new URL(relay.url).port);
  const body = JSON.stringify(a.body);
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const leave = () => {
      clearTimeout(safety);
      socket.destroy();
      resolve();
    };
    const safety = setTimeout(leave, a.afterMs ?? 5000);
    let seen = '';
    socket.on('error', leave);
    socket.on('data', (d) => {
      seen += d.toString();
      if (a.afterText && seen.includes(a.afterText)) leave();
    });
    socket.on('end', leave); // answered before we left: the counts below say so
    socket.write(
      `POST ${a.path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nx-request-id: ${id}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n` +
        (a.partial ? body.slice(0, 10) : body),
    );
  });
}

const completed = (id: string) => relay.logs.filter((l) => l.msg === 'request completed' && l.reqId === id);
const sumSeries = (text: string, match: (line: string) => boolean) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('lmrelay_requests_total{') && match(l))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);

t.test(`${KINDS.length * PER_KIND} client aborts: each counted and logged once, as 499 client_abort`, async (t) => {
  const jobs = KINDS.flatMap((a, k) => Array.from({ length: PER_KIND }, (_, i) => ({ id: `abort-${k}-${i}`, a })));
  for (let i = 0; i < jobs.length; i += 20) await Promise.all(jobs.slice(i, i + 20).map((j) => sendAndLeave(j.id, j.a)));

  // Then one ordinary request: once its line is written, any late line of the aborts would be too.
  const until = Date.now() + 10_000;
  while (Date.now() < until && jobs.some((j) => completed(j.id).length === 0)) await new Promise((r) => setTimeout(r, 25));
  t.equal((await postJson(`${relay.url}/v1/chat/completions`, chat('v/x'), { 'x-request-id': 'after-aborts' })).status, 200);
  while (Date.now() < until && completed('after-aborts').length === 0) await new Promise((r) => setTimeout(r, 25));

  for (const [k, a] of KINDS.entries()) {
    const lines = jobs.filter((j) => j.a === a).flatMap((j) => completed(j.id));
    t.equal(lines.length, PER_KIND, `${a.kind}: one access line each`);
    t.ok(lines.every((l) => l.status === 499 && l.failureKind === 'client_abort' && l.route === a.path), `${a.kind}: status 499, failureKind client_abort`);
    if (k > 0) t.ok(lines.every((l) => l.model === a.body.model && l.provider === 'v'), `${a.kind}: with the model asked for and its provider`);
  }
  const metrics = await (await fetch(`${relay.url}/metrics`)).text();
  t.equal(sumSeries(metrics, (l) => l.includes('status="499"')), jobs.length, 'lmrelay_requests_total counts each abort once');
  t.equal(sumSeries(metrics, () => true), jobs.length + 1, 'and nothing else but the ordinary request');
  t.equal(completed('after-aborts').length, 1, 'the ordinary request: one line');
  t.equal(relay.logs.filter((l) => l.msg === 'request completed').length, jobs.length + 1, 'as many access lines as counted requests');
});
