/**
 * A function call from the upstream, back in the terms the client declared (see tool-plan.ts):
 * a namespaced function keeps its own name and gets its `namespace`; a custom tool's call
 * becomes a `custom_tool_call` whose `input` is the one string the function took.
 */
import type { Json } from '../../adapters/types.js';
import type { DeclaredTool, ToolPlan } from './tool-plan.js';

/** What an upstream name stands for, or undefined for a plain function of that name. */
export function declaredTool(plan: ToolPlan | undefined, upstreamName: unknown): DeclaredTool | undefined {
  return typeof upstreamName === 'string' ? plan?.declared.get(upstreamName) : undefined;
}

/** The item the client sees for an output item of the upstream (the same object when nothing changes). */
export function liftItem(item: Json, plan: ToolPlan | undefined): Json {
  if (item?.type !== 'function_call') return item;
  const declared = declaredTool(plan, item.name);
  if (!declared) return item;
  return declared.kind === 'custom' ? customCall(item, declared, customInput(item.arguments)) : { ...item, name: declared.name, namespace: declared.namespace };
}

export function customCall(call: Json, declared: DeclaredTool, input: string): Json {
  const item: Json = { id: call.id, type: 'custom_tool_call', status: call.status, call_id: call.call_id, name: declared.name, input };
  if (declared.namespace !== undefined) item.namespace = declared.namespace;
  return item;
}

/** The string a model passed to a custom tool seen as `{input: string}`; its raw text if it wrote something else. */
export function customInput(args: unknown): string {
  if (typeof args !== 'string') return '';
  try {
    const parsed = JSON.parse(args);
    if (typeof parsed?.input === 'string') return parsed.input;
    if (typeof parsed === 'string') return parsed;
  } catch {
    // not JSON: the model wrote the input itself
  }
  return args;
}
