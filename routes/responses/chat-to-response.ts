/** A chat.completion -> a Response object (non-streamed /v1/responses on a Chat upstream). */
import type { Json } from '../../adapters/types.js';
import { newId } from '../../adapters/ids.js';
import { functionCallItem, messageItem, reasoningItem, responseSkeleton, statusOf, usageToResponses } from './response-shape.js';
import { completeResponse, type Envelope } from './complete-response.js';
import { liftItem } from './lift-tool-calls.js';
import type { ToolPlan } from './tool-plan.js';

export function chatCompletionToResponse(completion: Json, env: Envelope, plan?: ToolPlan): Json {
  const choice = completion.choices?.[0] ?? {};
  const message = choice.message ?? {};
  const response = responseSkeleton(newId('resp'), completion.created ?? Math.floor(Date.now() / 1000), 'completed');
  const reasoning = message.reasoning_content ?? message.reasoning;
  if (typeof reasoning === 'string' && reasoning) response.output.push(reasoningItem(newId('rs'), reasoning));
  if (typeof message.content === 'string' && message.content) response.output.push(messageItem(newId('msg'), message.content));
  for (const call of message.tool_calls ?? []) {
    const item = functionCallItem(newId('fc'), call.id ?? newId('call'), call.function?.name ?? '', call.function?.arguments ?? '');
    response.output.push(liftItem(item, plan));
  }
  Object.assign(response, statusOf(choice.finish_reason));
  response.usage = usageToResponses(completion.usage);
  return completeResponse(response, env);
}
