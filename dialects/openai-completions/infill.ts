/**
 * llama.cpp's fill-in-the-middle endpoint, POST /infill at the server's root (not under /v1): it
 * wraps input_prefix and input_suffix in the model's own FIM tokens. Its answers are llama.cpp's
 * native /completion objects (`content`, `stop`, `stop_type`); streamed, one such object an
 * event, the last with `stop: true`, and no [DONE].
 */
import type { DialectTransport } from '../types.js';
import { frameMatches } from '../frame-matches.js';
import { bearerHeaders } from '../bearer.js';

export const infillTransport: DialectTransport = {
  path: () => '/infill',
  fromRoot: true,
  headers: bearerHeaders,
  streamFinished: (last) => last.some((f) => frameMatches(f, (_, json) => json?.stop === true)),
  invalidAnswer: (json) => (typeof json.content === 'string' ? undefined : 'response is not a llama.cpp completion (no content)'),
};
