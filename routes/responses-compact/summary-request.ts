/**
 * The Chat Completions request that asks a model to summarise a conversation for compaction:
 * the conversation as it was, between a system prompt that says what the summary is for and a
 * last user message that asks for it. No tools: the answer must be text.
 */
import type { ChatRequest, Json } from '../../adapters/types.js';

export const SUMMARY_SYSTEM_PROMPT = [
  'You compact conversations. The conversation below will be replaced by your summary, and the',
  'conversation continues from the summary alone (the user messages are kept as they were).',
  'Write a summary that lets the assistant carry on without the original: the goal and the',
  'requirements the user stated, decisions made and why, what was done (tool calls, their results,',
  'files, commands, code), facts and numbers learned, errors met and how they were resolved, and',
  'what remains to do or was about to happen next. Keep identifiers, names, paths and values',
  'exactly. Write it as notes for yourself in the language of the conversation; do not address',
  'the user, do not answer any request of the conversation, do not call tools.',
].join(' ');

const ASK = 'Write the summary of the conversation above now, following the instructions of the system message. Answer with the summary only.';

/** `instructions`: the conversation's own (the Responses request's), quoted for context. */
export function summaryRequest(conversation: Json[], instructions: unknown): ChatRequest {
  let system = SUMMARY_SYSTEM_PROMPT;
  if (typeof instructions === 'string' && instructions) system += `\n\nThe assistant of this conversation worked under these instructions:\n<instructions>\n${instructions}\n</instructions>`;
  return { model: '', stream: false, messages: [{ role: 'system', content: system }, ...conversation, { role: 'user', content: ASK }] };
}

/** The summary a chat.completion holds, or undefined when it holds no text. */
export function summaryText(completion: Json): string | undefined {
  const content = completion?.choices?.[0]?.message?.content;
  const text = typeof content === 'string' ? content.trim() : '';
  return text || undefined;
}
