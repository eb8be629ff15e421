/**
 * What the bench's scripts share: a free loopback port, the chat request the clients send, the
 * short answer every bench upstream gives, and the raw HTTP reading of the upstreams written on
 * sockets (no HTTP library: their own cost stays out of the figures).
 */
import { createServer, type Socket } from 'node:net';

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A non-streamed chat.completion, as a bench upstream answers it. */
export const BENCH_ANSWER = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1700000000,
  model: 'bench',
  choices: [{ index: 0, message: { role: 'assistant', content: 'The quick brown fox jumps over the lazy dog.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 10, total_tokens: 22 },
});

/** The chat request the bench's clients send, plain and streamed. */
export const BENCH_REQUEST = JSON.stringify({
  model: 'bench/bench',
  messages: [
    { role: 'system', content: 'You are a concise assistant.' },
    { role: 'user', content: 'Say something about foxes and dogs in one sentence.' },
  ],
  temperature: 0.2,
});
export const BENCH_STREAM_REQUEST = BENCH_REQUEST.replace(/}$/, ',"stream":true}');

/** Reads HTTP/1.1 requests (head, then a Content-Length body) off a socket, one `answer` each. */
export function readRequests(socket: Socket, answer: (socket: Socket, method: string, body: string) => void): void {
  let pending = '';
  let need = -1;
  let method = '';
  socket.on('error', () => {});
  socket.on('data', (data) => {
    pending += data.toString('latin1');
    for (;;) {
      if (need < 0) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = pending.slice(0, end);
        method = head.slice(0, head.indexOf(' '));
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        need = length ? Number(length[1]) : 0;
        pending = pending.slice(end + 4);
      }
      if (pending.length < need) return;
      const body = pending.slice(0, need);
      pending = pending.slice(need);
      need = -1;
      answer(socket, method, body);
    }
  });
}
