/**
 * The tools of a Responses request as a server that only knows function tools gets them:
 * - hosted tools (`web_search`, `file_search`, `mcp`, ...) are left out: it cannot run them;
 * - the function tools of a `namespace` become top-level functions named `<namespace>__<name>`;
 * - a `custom` (free-form) tool becomes a function taking one string, `input`.
 * The plan remembers what each upstream name stands for, so a call comes back to the client
 * under the name and in the shape it declared (`lift-tool-calls.ts`).
 */
import type { Json } from '../../adapters/types.js';

export interface DeclaredTool {
  kind: 'function' | 'custom';
  name: string;
  namespace?: string;
}

export interface ToolPlan {
  /** Flat function tools (Responses form) for the upstream, and the tools it runs itself. */
  functions: Json[];
  /** The tool_choice for the upstream, in Responses form (undefined: none sent). */
  toolChoice: unknown;
  /** The client's tools the model gets, as declared (the Response echoes these). */
  echo: Json[];
  /** The client's tool_choice, or `auto` where it named a tool left out. */
  echoChoice: unknown;
  /** Types of the hosted tools left out. */
  hosted: string[];
  /** Upstream names that stand for something else than a plain function of that name. */
  declared: Map<string, DeclaredTool>;
  /** The upstream name of a tool the client names (with its namespace, if any). */
  upstreamName(name: string, namespace?: string): string;
}

const NAMESPACE_SEPARATOR = '__';

/** The one-string parameters of a custom tool seen as a function. */
const CUSTOM_INPUT = { type: 'object', properties: { input: { type: 'string', description: 'The whole input of the tool, as free-form text.' } }, required: ['input'], additionalProperties: false };

/** `nativeTypes`: tool types the upstream runs itself, sent as they are. */
export function planTools(request: Json, nativeTypes: readonly string[] = []): ToolPlan {
  const tools: Json[] = Array.isArray(request.tools) ? request.tools : [];
  const functions: Json[] = [];
  const echo: Json[] = [];
  const hosted: string[] = [];
  const declared = new Map<string, DeclaredTool>();
  const byClientName = new Map<string, string>();
  const taken = new Set<string>(tools.filter((t) => (t?.type === 'function' || t?.type === 'custom') && typeof t.name === 'string').map((t) => t.name));

  const add = (tool: Json, namespace?: string) => {
    const kind = tool.type === 'custom' ? 'custom' : 'function';
    let name: string = tool.name;
    if (namespace !== undefined) {
      name = `${namespace}${NAMESPACE_SEPARATOR}${tool.name}`;
      // A top-level tool may already have that name: the namespaced one yields.
      for (let n = 2; taken.has(name); n++) name = `${namespace}${NAMESPACE_SEPARATOR}${tool.name}_${n}`;
      taken.add(name);
    }
    functions.push(kind === 'custom' ? customAsFunction(tool, name) : { ...tool, type: 'function', name });
    if (kind === 'custom' || namespace !== undefined) declared.set(name, { kind, name: tool.name, ...(namespace !== undefined ? { namespace } : {}) });
    byClientName.set(clientKey(tool.name, namespace), name);
  };

  for (const tool of tools) {
    if (tool?.type !== 'function' && nativeTypes.includes(tool?.type)) {
      functions.push(tool);
      echo.push(tool);
    } else if ((tool?.type === 'function' || tool?.type === 'custom') && typeof tool.name === 'string') {
      add(tool);
      echo.push(tool);
    } else if (tool?.type === 'namespace' && Array.isArray(tool.tools)) {
      const members = tool.tools.filter((t: Json) => (t?.type === 'function' || t?.type === 'custom') && typeof t.name === 'string');
      for (const member of members) add(member, tool.name);
      echo.push({ ...tool, tools: members });
    } else {
      hosted.push(String(tool?.type));
    }
  }

  const upstreamName = (name: string, namespace?: string) =>
    byClientName.get(clientKey(name, namespace)) ?? (namespace ? `${namespace}${NAMESPACE_SEPARATOR}${name}` : name);
  const choice = lowerToolChoice(request.tool_choice, upstreamName, functions, nativeTypes);
  return {
    functions: choice.functions,
    toolChoice: choice.choice,
    echo,
    echoChoice: choice.hostedChoice ? 'auto' : request.tool_choice,
    hosted,
    declared,
    upstreamName,
  };
}

const clientKey = (name: string, namespace?: string) => (namespace ? `${namespace}\u0000${name}` : name);

function customAsFunction(tool: Json, name: string): Json {
  let description: string = tool.description ?? '';
  const format = tool.format;
  // The grammar is what the model must write; a server that cannot enforce it can still show it.
  if (format?.type === 'grammar' && typeof format.definition === 'string') {
    description += `${description ? '\n\n' : ''}The input must follow this ${format.syntax ?? ''} grammar:\n${format.definition}`;
  }
  return { type: 'function', name, description, parameters: CUSTOM_INPUT, strict: false };
}

/** tool_choice for plain functions; `allowed_tools` narrows the functions sent instead. */
function lowerToolChoice(choice: unknown, upstreamName: ToolPlan['upstreamName'], functions: Json[], nativeTypes: readonly string[]): { choice: unknown; functions: Json[]; hostedChoice?: boolean } {
  if (choice === undefined || choice === null || typeof choice === 'string') return { choice, functions };
  const c = choice as Json;
  if (nativeTypes.includes(c.type)) return { choice, functions };
  if (c.type === 'function' || c.type === 'custom') return { choice: { type: 'function', name: upstreamName(c.name, c.namespace) }, functions };
  if (c.type === 'allowed_tools' && Array.isArray(c.tools)) {
    const allowed = new Set(c.tools.filter((t: Json) => t?.type === 'function' || t?.type === 'custom').map((t: Json) => upstreamName(t.name, t.namespace)));
    return { choice: c.mode ?? 'auto', functions: functions.filter((f) => f.type !== 'function' || allowed.has(f.name)) };
  }
  // It names a hosted tool, which the model does not get.
  return { choice: 'auto', functions, hostedChoice: true };
}

/**
 * The request with its tools, tool_choice and earlier tool calls in plain-function terms.
 * Fields the plan does not touch are shared with `request`, not copied.
 */
export function lowerRequest(request: Json, plan: ToolPlan): Json {
  const out: Json = { ...request };
  if (plan.functions.length) out.tools = plan.functions;
  else delete out.tools;
  if (plan.toolChoice === undefined || !plan.functions.length) delete out.tool_choice;
  else out.tool_choice = plan.toolChoice;
  if (Array.isArray(request.input)) {
    const input = request.input.map((item: Json) => lowerItem(item, plan));
    if (input.some((item: Json, i: number) => item !== request.input[i])) out.input = input;
  }
  return out;
}

function lowerItem(item: Json, plan: ToolPlan): Json {
  switch (item?.type) {
    case 'function_call': {
      if (item.namespace === undefined) return item;
      const { namespace, ...call } = item;
      return { ...call, name: plan.upstreamName(item.name, namespace) };
    }
    case 'custom_tool_call':
      return { type: 'function_call', call_id: item.call_id, name: plan.upstreamName(item.name, item.namespace), arguments: JSON.stringify({ input: item.input ?? '' }) };
    case 'custom_tool_call_output':
      return { type: 'function_call_output', call_id: item.call_id, output: item.output };
    default:
      return item;
  }
}
