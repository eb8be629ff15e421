/**
 * WebSocket mode of the Responses API on `GET /v1/responses` (an upgrade): `response.create`
 * messages run one at a time per connection, each answered with the events a streamed HTTP
 * request gets. The connection remembers its most recent response, so a turn can continue it
 * with `previous_response_id` even when nothing was stored (`store:false`); a failed continuation
 * forgets it, as the spec asks. A connection lives at most `server.websocketConnectionLimitSeconds`
 * (60 minutes by default, OpenAI's limit). Keys and limits are checked on the upgrade and on
 * every turn, as for HTTP.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { randomBytes } from 'node:crypto';
import { RelayError } from '../../core/errors.js';
import type { Json } from '../../adapters/types.js';
import { runTurn, send, turnHeaders } from './call-websocket-turn.js';
import { previousResponseNotFound } from './stored-items.js';
import { continueFrom, errorEnvelope, readCreateMessage, rememberTurn, warmupTurn, type LastResponse } from './websocket-messages.js';

/** Messages a client may queue behind the turn in flight before they are refused. */
const MAX_QUEUED = 16;

export default async function responsesWebSocketRoute(app: FastifyInstance): Promise<void> {
  app.route({
    method: 'GET',
    url: '/v1/responses',
    // A GET without the upgrade: say how this resource is used.
    handler: async (_request, reply) => {
      reply.header('upgrade', 'websocket');
      throw new RelayError('GET /v1/responses opens a WebSocket (send the Upgrade: websocket headers); create a response with POST /v1/responses', { code: 'upgrade_required' });
    },
    wsHandler: (socket: WebSocket, request: FastifyRequest) => new ResponsesSocket(app, socket, request).start(),
  });
}

class ResponsesSocket {
  private readonly queue: string[] = [];
  private busy = false;
  private last: LastResponse | undefined;
  private expired = false;
  private turns = 0;
  /** Turn ids: the upgrade's id (so log lines go together) and a random part (ids a client gave may repeat). */
  private readonly idPrefix: string;
  private readonly turnAbort = new AbortController();
  private readonly headers: Record<string, string>;
  private readonly stallMs: number;

  constructor(
    private readonly app: FastifyInstance,
    private readonly socket: WebSocket,
    private readonly request: FastifyRequest,
  ) {
    this.headers = turnHeaders(request.headers);
    this.idPrefix = `${String(request.id).slice(0, 64)}.${randomBytes(4).toString('hex')}`;
    this.stallMs = app.relay.state.config.server.clientWriteTimeoutSeconds * 1000;
  }

  start(): void {
    const limit = setTimeout(() => this.expire(), this.app.relay.state.config.server.websocketConnectionLimitSeconds * 1000);
    limit.unref();
    this.socket.on('message', (data, isBinary) => this.receive(isBinary ? undefined : data.toString()));
    // A client that goes away cancels its turn, and the turn's upstream call with it.
    this.socket.once('close', () => {
      clearTimeout(limit);
      this.turnAbort.abort();
    });
  }

  private receive(text: string | undefined): void {
    if (text === undefined) return this.refuse(new RelayError('WebSocket messages must be text (JSON), not binary', { code: 'invalid_type' }));
    if (this.expired) return;
    if (this.queue.length >= MAX_QUEUED) return this.refuse(new RelayError(`more than ${MAX_QUEUED} response.create messages wait behind the turn in progress: a connection runs one turn at a time; open more connections to run turns in parallel`, { code: 'websocket_busy' }));
    this.queue.push(text);
    if (!this.busy) void this.drain();
  }

  private async drain(): Promise<void> {
    this.busy = true;
    while (this.queue.length && !this.expired && this.socket.readyState === this.socket.OPEN) await this.turn(this.queue.shift()!);
    this.busy = false;
    if (this.expired) this.sayLimitReached();
  }

  private async turn(text: string): Promise<void> {
    let body: Json;
    try {
      body = readCreateMessage(text);
    } catch (err) {
      return this.refuse(err as RelayError);
    }
    const previous = typeof body.previous_response_id === 'string' ? body.previous_response_id : undefined;
    let sent = body;
    if (previous !== undefined && this.last?.id === previous) sent = continueFrom(body, this.last);
    else if (previous !== undefined && body.store === false) {
      // Nothing was stored for this chain: the connection's memory was the only place it could be.
      return this.refuse(previousResponseNotFound(previous));
    }
    if (body.generate === false) return this.warmUp(sent);
    try {
      const result = await runTurn(this.app, this.socket, this.headers, this.request.ip, sent, {
        previousResponseId: sent === body ? undefined : previous,
        requestId: `${this.idPrefix}-${++this.turns}`,
        signal: this.turnAbort.signal,
        writeStallMs: this.stallMs,
      });
      if (result.failed) {
        if (previous !== undefined && this.last?.id === previous) this.last = undefined;
      } else if (result.response) this.last = rememberTurn(sent, result.response);
    } catch (err) {
      // Only a closed connection (its turn aborted) ends a turn without an answer.
      if (!this.turnAbort.signal.aborted) {
        this.request.log.error({ err }, 'WebSocket turn failed inside lmrelay');
        this.refuse(new RelayError('internal error in lmrelay (see its log)', { code: 'internal_error' }));
      }
    }
  }

  private async warmUp(sent: Json): Promise<void> {
    const { events, response } = warmupTurn(sent);
    for (const event of events) await send(this.socket, event, this.stallMs);
    this.last = rememberTurn(sent, response);
  }

  private refuse(err: RelayError): void {
    void send(this.socket, errorEnvelope(err), this.stallMs);
  }

  /** The connection's time is up: said now if idle, else once the turn in flight has ended. */
  private expire(): void {
    this.expired = true;
    if (!this.busy) this.sayLimitReached();
  }

  private sayLimitReached(): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const minutes = Math.round(this.app.relay.state.config.server.websocketConnectionLimitSeconds / 60);
    this.refuse(new RelayError(`Responses websocket connection limit reached (${minutes} minutes). Create a new websocket connection to continue.`, { code: 'websocket_connection_limit_reached' }));
    this.socket.close(1000, 'connection limit reached');
  }
}
