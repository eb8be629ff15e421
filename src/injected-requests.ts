/**
 * Requests lmrelay sends into itself (each turn of a Responses WebSocket runs as an injected
 * `POST /v1/responses`), by request id while they run, so that the connection that sent one can
 * cancel it at any point, also before its answer has begun. Cancelling closes the request's
 * response as a client that went away would, which aborts its upstream call.
 */
import type { ServerResponse } from 'node:http';

const running = new Map<string, ServerResponse>();

/** Whether `res` belongs to an injected request (light-my-request's response). */
export function isInjected(res: ServerResponse): boolean {
  return (res as ServerResponse & { isLightMyRequest?: boolean }).isLightMyRequest === true;
}

export function trackInjected(id: string, res: ServerResponse): void {
  running.set(id, res);
  res.once('close', () => running.delete(id));
}

export function cancelInjected(id: string): void {
  running.get(id)?.destroy();
}

/**
 * Whether the answer was written whole. An injected response ends without a socket to flush
 * (light-my-request closes it at once), so for one of those ending it is enough.
 */
export function answered(res: ServerResponse): boolean {
  return res.writableFinished || (res.writableEnded && isInjected(res));
}
