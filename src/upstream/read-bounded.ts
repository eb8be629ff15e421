/**
 * Reads an undici response body up to a byte limit: past it the body is dropped (and its
 * connection closed) rather than held in memory. For the small probes (model lists, doctor).
 */
import type { Dispatcher } from 'undici';
import { BodyTooLargeError } from './exchange.js';

/** Model lists and probe answers are kilobytes; hosted catalogs well under a MiB. */
export const PROBE_BODY_LIMIT = 4 * 1024 * 1024;

export async function readBounded(res: Dispatcher.ResponseData, limit: number): Promise<string> {
  const declared = Number(res.headers['content-length']);
  if (declared > limit) {
    res.body.destroy();
    throw new BodyTooLargeError(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      res.body.destroy();
      throw new BodyTooLargeError(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
