import type { Frame } from '../core/frame.js';

/** True when a frame's JSON (or its SSE event name) passes `test`; a frame of some other shape does not. */
export function frameMatches(frame: Frame, test: (type: string | undefined, json: any) => boolean): boolean {
  try {
    return test(frame.event, frame.json);
  } catch {
    return false;
  }
}
