/**
 * A deadline for answers a client stops reading: without it, a client that never reads keeps its
 * socket (and the buffered answer) for as long as it stays connected, long after the upstream
 * call was over. Armed only when a write is actually held back, so answers that flush cost nothing.
 */
import type { ServerResponse } from 'node:http';

/** Closes `res` unless its buffered output drains within `ms`. */
export function closeIfStalled(res: ServerResponse, ms: number): void {
  if (res.destroyed || res.writableLength === 0) return;
  const timer = setTimeout(() => res.destroy(), ms);
  timer.unref();
  const clear = () => {
    clearTimeout(timer);
    res.off('drain', clear).off('finish', clear).off('close', clear);
  };
  res.once('drain', clear).once('finish', clear).once('close', clear);
}
