/**
 * Lingering read of a refused body (nginx's lingering close): a client still uploading when it is
 * answered 413 would have its connection reset under it and never see the answer (Node's fetch
 * reports EPIPE). So the rest of the body is read and thrown away first, within bounds.
 */
import type { IncomingMessage } from 'node:http';

/** Bytes and time a refused upload may still take before its connection is cut. */
export const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;
export const DRAIN_LIMIT_MS = 5000;

export function drainRequestBody(raw: IncomingMessage, limitBytes = DRAIN_LIMIT_BYTES, limitMs = DRAIN_LIMIT_MS): Promise<void> {
  if (raw.complete || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const finish = () => {
      clearTimeout(timer);
      raw.off('data', onData).off('end', finish).off('close', finish).off('error', finish);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > limitBytes) finish();
    };
    const timer = setTimeout(finish, limitMs);
    raw.on('data', onData).on('end', finish).on('close', finish).on('error', finish);
    raw.resume();
  });
}
