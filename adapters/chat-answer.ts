/**
 * Repairs of a Chat answer that depend on the request: bracketed text tool calls become real
 * ones, empty `tool_calls: []` go away, look-alike tool calls are reported. One function for a
 * whole chat.completion, one FrameTransform for a stream.
 */
import { Frame, type FrameTransform } from '../core/frame.js';
import { BracketToolParser, type BracketOutput } from './bracket-tools.js';
import { detectLookAlikeToolCall, LOOKALIKE_SCAN_LIMIT, type LookAlike } from './lookalike-tools.js';
import { newId } from './ids.js';
import type { ChatRequest, Json } from './types.js';

export interface AnswerOptions {
  /** Parse bracketed text tool calls (compat.bracketToolCalls, default on). */
  bracketToolCalls: boolean;
  onLookAlike: (found: LookAlike) => void;
  onDroppedBlock: (name: string) => void;
}

export function toolNamesOf(request: ChatRequest): Set<string> {
  const names = new Set<string>();
  for (const t of request.tools ?? []) {
    const name = t?.function?.name ?? t?.name;
    if (typeof name === 'string') names.add(name);
  }
  return names;
}

/**
 * Whether a repair may apply to an answer whose JSON text is `text`: tool calls in it, or tools in
 * the request (its text may hold calls). A scan of the text, so most answers are never walked.
 */
export function repairMayApply(text: string, requestHasTools: boolean): boolean {
  return requestHasTools || text.includes('"tool_calls"');
}

export function repairChatCompletion(completion: Json, request: ChatRequest, opts: AnswerOptions): boolean {
  let changed = false;
  const names = toolNamesOf(request);
  for (const choice of completion.choices ?? []) {
    const message = choice?.message;
    if (!message) continue;
    if (Array.isArray(message.tool_calls) && message.tool_calls.length === 0) {
      delete message.tool_calls;
      changed = true;
    }
    if (opts.bracketToolCalls && names.size && typeof message.content === 'string' && message.content.includes('[')) {
      const parser = new BracketToolParser(names);
      const out = merge(parser.feed(message.content), parser.end());
      if (out.calls.length || out.dropped.length) {
        for (const name of out.dropped) opts.onDroppedBlock(name);
        message.content = out.text.trim() || (out.calls.length ? null : '');
        if (out.calls.length) {
          message.tool_calls = [...(message.tool_calls ?? []), ...out.calls.map((c) => ({ id: newId('call'), type: 'function', function: c }))];
          choice.finish_reason = 'tool_calls';
        }
        changed = true;
      }
    }
    if (names.size && !message.tool_calls?.length && typeof message.content === 'string') {
      const found = detectLookAlikeToolCall(message.content);
      if (found) opts.onLookAlike(found);
    }
  }
  return changed;
}

export function repairChatStream(request: ChatRequest, opts: AnswerOptions): FrameTransform {
  const names = toolNamesOf(request);
  const parser = opts.bracketToolCalls && names.size ? new BracketToolParser(names) : undefined;
  // Without tools in the request only empty tool_calls need repair: other chunks stay unparsed.
  const watchText = names.size > 0;
  let text = '';
  let structuredCalls = false;
  let callIndex = 0;
  let textCalls = 0;
  let template: Json | undefined;

  const callChunk = (calls: BracketOutput['calls']): Frame =>
    Frame.of({
      ...template,
      choices: [{ index: 0, delta: { tool_calls: calls.map((c) => ({ index: callIndex++, id: newId('call'), type: 'function', function: c })) }, finish_reason: null }],
    });

  return {
    transform(frame) {
      // Without tools in the request, only frames with tool calls (few) are looked into further.
      const chunk = frame.json;
      const choice = chunk?.choices?.[0];
      const delta = choice?.delta;
      if (!delta || (!watchText && delta.tool_calls === undefined)) return frame;
      template ??= { id: chunk.id, object: chunk.object, created: chunk.created, model: chunk.model };
      let changed = false;
      if (Array.isArray(delta.tool_calls)) {
        if (delta.tool_calls.length === 0) {
          delete delta.tool_calls;
          changed = true;
        } else {
          structuredCalls = true;
          callIndex = Math.max(callIndex, ...delta.tool_calls.map((c: Json) => (c.index ?? 0) + 1));
        }
      }
      const out: Frame[] = [];
      if (typeof delta.content === 'string' && delta.content) {
        if (text.length < LOOKALIKE_SCAN_LIMIT) text += delta.content;
        if (parser) {
          const parsed = parser.feed(delta.content);
          for (const name of parsed.dropped) opts.onDroppedBlock(name);
          delta.content = parsed.text;
          changed = true;
          if (parsed.calls.length) {
            textCalls += parsed.calls.length;
            out.push(callChunk(parsed.calls));
          }
        }
      }
      if (choice.finish_reason != null) {
        if (parser) {
          const rest = parser.end();
          if (rest.text) {
            delta.content = (delta.content ?? '') + rest.text;
            changed = true;
          }
        }
        if (textCalls && choice.finish_reason === 'stop') {
          choice.finish_reason = 'tool_calls';
          changed = true;
        }
        if (watchText && !structuredCalls && !textCalls) {
          const found = detectLookAlikeToolCall(text);
          if (found) opts.onLookAlike(found);
        }
      }
      if (changed) frame.json = chunk;
      // Tool-call chunks go before the frame that carries the finish reason.
      return choice.finish_reason != null ? [...out, frame] : [frame, ...out];
    },
  };
}

function merge(a: BracketOutput, b: BracketOutput): BracketOutput {
  return { text: a.text + b.text, calls: [...a.calls, ...b.calls], dropped: [...a.dropped, ...b.dropped] };
}
