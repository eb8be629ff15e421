/** Shapes a client's Chat Completions body for one model of the chain. */
import type { ChatRequest } from './types.js';
import { applyParams } from './apply-params.js';
import { defaultToolChoice } from './tool-choice.js';
import { requestStreamUsage } from './stream-usage.js';

export interface ChatTargetInfo {
  upstreamModel: string;
  params?: Record<string, unknown>;
  compat: { supportsUsageInStreaming?: boolean };
}

export function shapeChatRequest(client: ChatRequest, target: ChatTargetInfo): ChatRequest {
  let body: ChatRequest = { ...client, model: target.upstreamModel };
  body = applyParams(body, target.params);
  body.model = target.upstreamModel;
  body = defaultToolChoice(body);
  body = requestStreamUsage(body, target.compat.supportsUsageInStreaming !== false);
  return body;
}
