/**
 * Streams ask the upstream for a usage chunk (for token metrics) unless the server cannot take
 * `stream_options`; the chunk is stripped again when the client did not ask for it.
 */
import { Frame, type FrameTransform } from '../core/frame.js';
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

/** Reports usage from chunks that carry it and removes it where the client did not ask. */
export function usageTap(onUsage: (usage: unknown) => void, strip: boolean): FrameTransform {
  return {
    transform(frame: Frame) {
      if (!frame.mayContain('"usage"')) return frame;
      const chunk = frame.json;
      if (!chunk || chunk.usage == null) return frame;
      onUsage(chunk.usage);
      if (!strip) return frame;
      if (Array.isArray(chunk.choices) && chunk.choices.length === 0) return null;
      const { usage: _usage, ...rest } = chunk;
      frame.json = rest;
      return frame;
    },
  };
}
