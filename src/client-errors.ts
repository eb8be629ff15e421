/**
 * Answers for requests Node's HTTP parser refuses before Fastify sees them (oversized headers, a
 * garbage request line, a bad Content-Length, Content-Length with Transfer-Encoding, a request
 * not received in time), in the same OpenAI error shape as every other answer.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { RelayError } from '../core/errors.js';

/** How long a refused connection may still drain what the client was sending before it is cut. */
const LINGER_MS = 2000;

export function clientErrorAnswer(err: NodeJS.ErrnoException): RelayError {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new RelayError('the request was not received in time (server.requestTimeoutSeconds)', { code: 'request_timeout' });
    case 'HPE_HEADER_OVERFLOW':
      return new RelayError('request headers are too large', { code: 'headers_too_large' });
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return new RelayError('invalid Content-Length header (or Content-Length sent with Transfer-Encoding)', { code: 'invalid_request_body' });
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_INVALID_CHUNK_SIZE':
      return new RelayError('invalid Transfer-Encoding or chunked body', { code: 'invalid_request_body' });
    default:
      return new RelayError('malformed HTTP request', { code: 'invalid_request' });
  }
}

/** Fastify's clientErrorHandler: the error as an OpenAI-shaped answer, then a lingering close. */
export function handleClientError(this: { log: FastifyBaseLogger }, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const answer = clientErrorAnswer(err);
  this.log.debug({ err: { code: err.code, message: err.message }, status: answer.status }, 'client error');
  // Only where nothing of a response was written yet (as Node's own default does).
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const body = JSON.stringify(answer.toJSON());
    socket.end(
      `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
    // Closing with unread input would reset the connection and lose the answer: linger, bounded.
    socket.resume();
    const linger = setTimeout(() => socket.destroy(), LINGER_MS).unref();
    socket.once('close', () => clearTimeout(linger));
    return;
  }
  socket.destroy();
}
