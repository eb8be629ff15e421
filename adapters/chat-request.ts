/**
 * Shapes a client's Chat Completions body for one model of the chain. The steps are a table:
 * each runs only when its setting asks for it, and the list of steps of a model is worked out
 * once and cached, not per request.
 */
import type { ChatRequest } from './types.js';
import { applyParams } from './apply-params.js';
import { defaultToolChoice } from './tool-choice.js';
import { requestStreamUsage } from './stream-usage.js';
import { developerToSystem } from './developer-role.js';
import { flattenStringContent } from './string-content.js';
import { stripTools } from './strip-tools.js';
import { dropLeanTools } from './lean-tools.js';
import { dropStrictTools } from './strict-tools.js';
import { renameMaxTokens } from './max-tokens-field.js';

/** The compat flags the request steps read (a model's `compat` from the config). */
export interface RequestCompat {
  supportsTools?: boolean;
  supportsStrictTools?: boolean;
  supportsDeveloperRole?: boolean;
  requiresStringContent?: boolean;
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  supportsUsageInStreaming?: boolean;
}

export interface ChatTargetInfo {
  ref: string;
  upstreamModel: string;
  params?: Record<string, unknown>;
  compat: RequestCompat;
  inputs?: readonly string[];
  leanDropTools?: readonly string[];
}

type Step = (body: ChatRequest, target: ChatTargetInfo) => ChatRequest;

const STEPS: Array<{ when: (t: ChatTargetInfo) => boolean; apply: Step }> = [
  { when: () => true, apply: (b, t) => ((b.model = t.upstreamModel), b) },
  { when: (t) => t.leanDropTools !== undefined, apply: (b, t) => dropLeanTools(b, t.leanDropTools ?? []) },
  { when: (t) => t.compat.supportsTools === false, apply: (b) => stripTools(b) },
  { when: (t) => t.compat.supportsTools !== false, apply: (b) => defaultToolChoice(b) },
  { when: (t) => t.compat.supportsStrictTools === false, apply: (b) => dropStrictTools(b) },
  { when: (t) => t.compat.supportsDeveloperRole === false, apply: (b) => developerToSystem(b) },
  { when: (t) => t.compat.requiresStringContent === true, apply: (b, t) => flattenStringContent(b, t.ref, t.inputs) },
  { when: (t) => t.compat.maxTokensField !== undefined, apply: (b, t) => renameMaxTokens(b, t.compat.maxTokensField!) },
  { when: () => true, apply: (b, t) => requestStreamUsage(b, t.compat.supportsUsageInStreaming !== false) },
];

const plans = new WeakMap<object, Step[]>();

export function shapeChatRequest(client: ChatRequest, target: ChatTargetInfo, cacheKey: object = target): ChatRequest {
  let plan = plans.get(cacheKey);
  if (!plan) plans.set(cacheKey, (plan = STEPS.filter((s) => s.when(target)).map((s) => s.apply)));
  let body = applyParams(client, target.params);
  for (const step of plan) body = step(body, target);
  return body;
}
