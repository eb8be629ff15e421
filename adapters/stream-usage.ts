/**
 * Streams ask the upstream for a usage chunk (for token metrics) unless the server cannot take
 * `stream_options`; the pipeline strips it again when the client did not ask for it
 * (src/pipeline/usage.ts).
 */
import type { ChatRequest } from './types.js';

export function requestStreamUsage(body: ChatRequest, supportsUsageInStreaming: boolean): ChatRequest {
  if (!body.stream) {
    if (body.stream_options !== undefined) delete body.stream_options;
    return body;
  }
  if (!supportsUsageInStreaming) {
    delete body.stream_options;
    return body;
  }
  body.stream_options = { ...(body.stream_options ?? {}), include_usage: true };
  return body;
}
