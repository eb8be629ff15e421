/**
 * An Anthropic Messages request -> the canonical Chat Completions request every upstream path
 * takes. Plain fields are a table (Portkey-style); content blocks are code, one function per
 * kind. Anthropic-only fields with no Chat meaning (cache_control, citations, service_tier,
 * betas' extras) are not sent to a Chat upstream.
 */
import { RelayError } from '../../core/errors.js';
import type { ChatRequest, Json } from '../../adapters/types.js';

export interface MessagesToChatOptions {
  /** The target model reasons: a thinking budget becomes `reasoning_effort`. */
  reasoning: boolean;
}

interface FieldRule {
  from: string;
  to: string;
  transform?: (value: any, opts: MessagesToChatOptions) => unknown;
}

const FIELDS: readonly FieldRule[] = [
  { from: 'model', to: 'model' },
  { from: 'max_tokens', to: 'max_tokens' },
  { from: 'stream', to: 'stream', transform: (v) => v === true || undefined },
  { from: 'temperature', to: 'temperature' },
  { from: 'top_p', to: 'top_p' },
  { from: 'top_k', to: 'top_k' },
  { from: 'stop_sequences', to: 'stop', transform: (v: string[]) => (v.length ? v : undefined) },
  { from: 'metadata', to: 'user', transform: (v: Json) => v.user_id ?? undefined },
  { from: 'thinking', to: 'reasoning_effort', transform: (v: Json, opts) => (opts.reasoning ? effortOf(v) : undefined) },
];

/** Extended-thinking budget -> the nearest reasoning_effort (the inverse of the Chat -> Anthropic budgets). */
function effortOf(thinking: Json): string | undefined {
  if (thinking.type !== 'enabled' || typeof thinking.budget_tokens !== 'number') return undefined;
  if (thinking.budget_tokens <= 2048) return 'low';
  return thinking.budget_tokens <= 8192 ? 'medium' : 'high';
}

export function messagesToChat(body: Json, opts: MessagesToChatOptions): ChatRequest {
  const out: ChatRequest = { messages: [] };
  for (const rule of FIELDS) {
    const value = body[rule.from];
    if (value === undefined || value === null) continue;
    const mapped = rule.transform ? rule.transform(value, opts) : value;
    if (mapped !== undefined) out[rule.to] = mapped;
  }
  const system = systemText(body.system);
  if (system) out.messages.push({ role: 'system', content: system });
  (body.messages as Json[]).forEach((m, i) => {
    if (m.role === 'assistant') out.messages.push(assistantMessage(m.content, i));
    else if (m.role === 'system') out.messages.push({ role: 'system', content: systemText(m.content) });
    else out.messages.push(...userMessages(m.content, i));
  });
  if (Array.isArray(body.tools) && body.tools.length) out.tools = body.tools.map(toolToChat);
  if (body.tool_choice) Object.assign(out, toolChoiceToChat(body.tool_choice));
  return out;
}

/**
 * Claude Code's attribution line (`x-anthropic-billing-header: cc_version=...`) is read by
 * Anthropic's API, never shown to its models; sent on, it would only change the head of every
 * prompt, and with it a local server's prompt cache.
 */
const ATTRIBUTION = 'x-anthropic-billing-header:';

function systemText(system: unknown): string {
  if (typeof system === 'string') return system;
  if (!Array.isArray(system)) return '';
  return system
    .map((b: Json) => String(b.text))
    .filter((text) => !text.startsWith(ATTRIBUTION))
    .join('\n\n');
}

/** A user turn: its tool results first (each its own `tool` message, as Chat wants), then the rest. */
function userMessages(content: string | Json[], i: number): Json[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const out: Json[] = [];
  const parts: Json[] = [];
  content.forEach((block, j) => {
    if (block.type === 'tool_result') {
      const { text, images } = toolResultContent(block, i, j);
      out.push({ role: 'tool', tool_call_id: String(block.tool_use_id ?? ''), content: text });
      // Chat has no images in a tool message: they follow in a user turn of their own.
      parts.push(...images);
      return;
    }
    parts.push(userPart(block, `messages[${i}].content[${j}]`));
  });
  if (parts.length) out.push({ role: 'user', content: parts.length === 1 && parts[0].type === 'text' ? parts[0].text : parts });
  return out;
}

function userPart(block: Json, where: string): Json {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: String(block.text ?? '') };
    case 'image':
      return imagePart(block, where);
    case 'document':
      return documentPart(block, where);
    default:
      throw unsupportedBlock(block, where, ['text', 'image', 'document', 'tool_result']);
  }
}

function imagePart(block: Json, where: string): Json {
  const source = block.source ?? {};
  if (source.type === 'base64') return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  if (source.type === 'url') return { type: 'image_url', image_url: { url: String(source.url) } };
  throw invalidSource(where, source.type, ['base64', 'url']);
}

/** A PDF as Chat's `file` part; a plain-text document as text. */
function documentPart(block: Json, where: string): Json {
  const source = block.source ?? {};
  if (source.type === 'text') return { type: 'text', text: String(source.data ?? '') };
  if (source.type === 'base64') {
    return { type: 'file', file: { filename: String(block.title ?? 'document.pdf'), file_data: `data:${source.media_type};base64,${source.data}` } };
  }
  throw invalidSource(where, source.type, ['base64', 'text']);
}

function toolResultContent(block: Json, i: number, j: number): { text: string; images: Json[] } {
  const content = block.content;
  if (content === undefined || content === null) return { text: '', images: [] };
  if (typeof content === 'string') return { text: content, images: [] };
  const texts: string[] = [];
  const images: Json[] = [];
  (content as Json[]).forEach((part, k) => {
    const where = `messages[${i}].content[${j}].content[${k}]`;
    if (part?.type === 'text') texts.push(String(part.text ?? ''));
    else if (part?.type === 'image') images.push(imagePart(part, where));
    else if (part?.type === 'document') images.push(documentPart(part, where));
    else throw unsupportedBlock(part ?? {}, where, ['text', 'image', 'document']);
  });
  return { text: texts.join('\n'), images };
}

function assistantMessage(content: string | Json[], i: number): Json {
  if (typeof content === 'string') return { role: 'assistant', content };
  let text = '';
  let reasoning = '';
  const calls: Json[] = [];
  content.forEach((block, j) => {
    switch (block.type) {
      case 'text':
        text += block.text ?? '';
        return;
      case 'thinking':
        reasoning += block.thinking ?? '';
        return;
      case 'redacted_thinking':
        return; // encrypted for Anthropic's models alone
      case 'tool_use':
        calls.push({ id: String(block.id ?? ''), type: 'function', function: { name: String(block.name ?? ''), arguments: JSON.stringify(block.input ?? {}) } });
        return;
      default:
        throw unsupportedBlock(block, `messages[${i}].content[${j}]`, ['text', 'thinking', 'redacted_thinking', 'tool_use']);
    }
  });
  const message: Json = { role: 'assistant', content: text || (calls.length ? null : '') };
  if (reasoning) message.reasoning_content = reasoning;
  if (calls.length) message.tool_calls = calls;
  return message;
}

function toolToChat(tool: Json, i: number): Json {
  if (tool.type != null && tool.type !== 'custom') {
    throw new RelayError(`tools[${i}]: tool type "${tool.type}" is one of Anthropic's server tools, which only an Anthropic model can run; send it to an anthropic-messages provider, or define "${tool.name}" as a custom tool with an input_schema`, {
      code: 'unsupported_tool',
      param: `tools[${i}].type`,
      preflight: true,
      retryable: true,
    });
  }
  const fn: Json = { name: tool.name, parameters: tool.input_schema ?? { type: 'object', properties: {} } };
  if (tool.description) fn.description = tool.description;
  return { type: 'function', function: fn };
}

function toolChoiceToChat(choice: Json): Json {
  const parallel = choice.disable_parallel_tool_use === true ? { parallel_tool_calls: false } : {};
  switch (choice.type) {
    case 'any':
      return { tool_choice: 'required', ...parallel };
    case 'tool':
      return { tool_choice: { type: 'function', function: { name: choice.name } }, ...parallel };
    case 'none':
      return { tool_choice: 'none' };
    default:
      return { tool_choice: 'auto', ...parallel };
  }
}

function unsupportedBlock(block: Json, where: string, known: string[]): RelayError {
  return new RelayError(`${where}: content block type "${String(block.type)}" is not supported here (known: ${known.join(', ')})`, {
    code: 'unsupported_content',
    param: `${where}.type`,
  });
}

function invalidSource(where: string, type: unknown, known: string[]): RelayError {
  return new RelayError(`${where}.source: source type "${String(type)}" is not supported (use ${known.join(' or ')})`, {
    code: 'unsupported_content',
    param: `${where}.source.type`,
  });
}

/** The input kinds beyond text that a request carries (`image`, `file`), as a model's `input` names them. */
export function inputKindsOf(body: Json): Set<string> {
  const kinds = new Set<string>();
  const visit = (blocks: unknown) => {
    if (!Array.isArray(blocks)) return;
    for (const block of blocks as Json[]) {
      if (block?.type === 'image') kinds.add('image');
      else if (block?.type === 'document' && block.source?.type !== 'text') kinds.add('file');
      else if (block?.type === 'tool_result') visit(block.content);
    }
  };
  for (const m of body.messages as Json[]) visit(m.content);
  return kinds;
}
