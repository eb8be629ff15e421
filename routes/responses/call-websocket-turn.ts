/**
 * One turn of a Responses WebSocket connection: the `response.create` body goes through the very
 * route a streamed `POST /v1/responses` takes (injected into the app, so keys, limits, the
 * fallback chain, usage, the store, the access line and metrics are those of HTTP), and each SSE
 * event it answers is sent on the socket as one text message.
 */
import type { FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Json } from '../../adapters/types.js';
import { parseSse } from '../../src/stream/sse-parse.js';
import { cancelInjected } from '../../src/injected-requests.js';
import { errorEnvelopeFromHttp, isLifecycleEvent, isTerminalEvent } from './websocket-messages.js';

/** Headers of the upgrade request that describe the WebSocket, not the turn's request. */
const UPGRADE_ONLY = /^(connection|upgrade|sec-websocket-.*|content-length|content-type|transfer-encoding|x-request-id)$/;

/** Past this many bytes queued on the socket, the turn waits for the client to read. */
const SOCKET_HIGH_WATER = 1024 * 1024;

export interface TurnResult {
  /** The final Response of a turn that ended with one (completed, incomplete or failed). */
  response?: Json;
  /** The turn ended in an error (an HTTP error answer or a stream's error event). */
  failed: boolean;
}

export interface TurnOptions {
  /** Echoed in the Response objects when lmrelay answered the continuation itself. */
  previousResponseId?: string;
  /** The turn's request id (x-request-id), by which a closed connection cancels it. */
  requestId: string;
  signal: AbortSignal;
  /** A client that reads nothing for this long loses its connection. */
  writeStallMs: number;
}

export function turnHeaders(upgrade: IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [name, value] of Object.entries(upgrade)) {
    if (value === undefined || UPGRADE_ONLY.test(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

export async function runTurn(app: FastifyInstance, socket: WebSocket, headers: Record<string, string>, remoteAddress: string, body: Json, opts: TurnOptions): Promise<TurnResult> {
  const cancel = () => cancelInjected(opts.requestId);
  opts.signal.addEventListener('abort', cancel, { once: true });
  try {
    const answer = await app.inject({
      method: 'POST',
      url: '/v1/responses',
      headers: { ...headers, 'x-request-id': opts.requestId },
      remoteAddress,
      payload: JSON.stringify({ ...body, stream: true }),
      payloadAsStream: true,
    });
    return await relayEvents(socket, answer.statusCode, String(answer.headers['content-type']), answer.stream() as Readable, opts);
  } finally {
    opts.signal.removeEventListener('abort', cancel);
  }
}

async function relayEvents(socket: WebSocket, status: number, contentType: string, stream: Readable, opts: TurnOptions): Promise<TurnResult> {
  if (opts.signal.aborted) {
    stream.destroy();
    return { failed: true };
  }
  if (status !== 200 || !contentType.startsWith('text/event-stream')) {
    await send(socket, errorEnvelopeFromHttp(status, await readAll(stream)), opts.writeStallMs);
    return { failed: true };
  }
  const result: TurnResult = { failed: false };
  for await (const batch of parseSse(stream, noop)) {
    for (const { event, data } of batch) {
      let text = data;
      if (isLifecycleEvent(event) && (opts.previousResponseId || isTerminalEvent(event))) {
        const parsed = JSON.parse(data) as Json;
        if (opts.previousResponseId) parsed.response.previous_response_id = opts.previousResponseId;
        if (isTerminalEvent(event)) result.response = parsed.response;
        if (event === 'response.failed') result.failed = true;
        text = opts.previousResponseId ? JSON.stringify(parsed) : data;
      } else if (event === 'error') result.failed = true;
      await send(socket, text, opts.writeStallMs);
    }
  }
  return result;
}

const noop = () => {};

async function readAll(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk;
  return text;
}

/** Sends one message; past the high-water mark, waits until the socket has written it. */
export function send(socket: WebSocket, text: string, stallMs: number): Promise<void> | void {
  if (socket.readyState !== socket.OPEN) return;
  if (socket.bufferedAmount < SOCKET_HIGH_WATER) return void socket.send(text);
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      socket.terminate();
      resolve();
    }, stallMs);
    socket.send(text, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
