/**
 * The plain fields of Chat Completions and Responses requests, as one table read in both
 * directions (Portkey-style declarative map): copied or renamed, and extras passed through.
 */
import type { Json } from './types.js';

export interface FieldPair {
  chat: string;
  responses: string;
}

export const SHARED_FIELDS: readonly FieldPair[] = [
  { chat: 'temperature', responses: 'temperature' },
  { chat: 'top_p', responses: 'top_p' },
  { chat: 'max_tokens', responses: 'max_output_tokens' },
  { chat: 'max_completion_tokens', responses: 'max_output_tokens' },
  { chat: 'parallel_tool_calls', responses: 'parallel_tool_calls' },
  { chat: 'metadata', responses: 'metadata' },
  { chat: 'user', responses: 'user' },
  { chat: 'stream', responses: 'stream' },
  { chat: 'top_logprobs', responses: 'top_logprobs' },
];

/** Per direction, the first pair of each source field (worked out once, not per request). */
const PLAN: Record<keyof FieldPair, { pairs: FieldPair[]; mapped: Set<string> }> = { chat: plan('chat'), responses: plan('responses') };

function plan(from: keyof FieldPair) {
  const mapped = new Set<string>();
  // The first pair of a source field wins (max_output_tokens -> max_tokens, not both names).
  const pairs = SHARED_FIELDS.filter((p) => !mapped.has(p[from]) && mapped.add(p[from]));
  return { pairs, mapped };
}

/**
 * Copies the mapped fields from one API's body to the other's (`from` names the source API),
 * then every field that is neither mapped nor in `dropped` as it is: extras such as `top_k`
 * reach the upstream untouched.
 */
export function copyFields(body: Json, out: Json, from: keyof FieldPair, dropped: ReadonlySet<string>): void {
  const to: keyof FieldPair = from === 'chat' ? 'responses' : 'chat';
  const { pairs, mapped } = PLAN[from];
  for (const pair of pairs) {
    const value = body[pair[from]];
    if (value !== undefined && value !== null && out[pair[to]] === undefined) out[pair[to]] = value;
  }
  for (const [key, value] of Object.entries(body)) {
    if (!mapped.has(key) && !dropped.has(key) && !(key in out)) out[key] = value;
  }
}
