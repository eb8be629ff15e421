/**
 * Reasoning apart from the answer on Chat Completions: upstream `reasoning` fields become
 * `reasoning_content`, and for models with `reasoning: true` inline think tags are moved out of
 * `content`. Works on whole messages and on stream chunks.
 */
import { Frame, type FrameTransform } from '../core/frame.js';
import { ThinkTagSplitter, splitThinkTags, type UntaggedText } from './think-tags.js';
import type { Json } from './types.js';

/**
 * Whether reasoning may need moving: a `reasoning` field, or any content when think tags are
 * split (servers may escape `<` as `\u003c`, so the text alone cannot tell).
 */
export function reasoningMayApply(text: string, splitTags: boolean): boolean {
  return splitTags || text.includes('"reasoning"');
}

/**
 * Non-streamed: one chat.completion. Returns true when something changed. Untagged text before a
 * lone `</think>` is reasoning (the whole text is there to decide), or all of it with `'reasoning'`.
 */
export function separateReasoning(completion: Json, splitTags: boolean, untagged: UntaggedText | 'decide' = 'decide'): boolean {
  let changed = false;
  for (const choice of completion.choices ?? []) {
    const message = choice?.message;
    if (!message) continue;
    if (typeof message.reasoning === 'string' && message.reasoning_content == null) {
      message.reasoning_content = message.reasoning;
      delete message.reasoning;
      changed = true;
    }
    if (splitTags && typeof message.content === 'string' && (untagged === 'reasoning' || message.content.includes('think>'))) {
      const split = splitThinkTags(message.content, message.reasoning_content == null ? untagged : 'answer');
      if (split.reasoning) {
        message.reasoning_content = (message.reasoning_content ?? '') + split.reasoning;
        message.content = split.content;
        changed = true;
      }
    }
  }
  return changed;
}

function hasReasoningField(chunk: Json): boolean {
  const choices = chunk?.choices;
  if (!Array.isArray(choices)) return false;
  for (const choice of choices) if (typeof choice?.delta?.reasoning === 'string') return true;
  return false;
}

/** Streamed: per choice index, a splitter that remembers tags cut across chunks. */
export function reasoningStream(splitTags: boolean, untagged: UntaggedText = 'answer'): FrameTransform {
  const splitters = new Map<number, ThinkTagSplitter>();
  const splitterFor = (index: number) => {
    let s = splitters.get(index);
    if (!s) splitters.set(index, (s = new ThinkTagSplitter(untagged)));
    return s;
  };
  let template: Json | undefined;
  return {
    transform(frame: Frame) {
      const chunk = frame.json;
      // Frames without a reasoning field (most) are left as they are when tags are not split.
      if (!splitTags && !hasReasoningField(chunk)) return frame;
      let changed = false;
      for (const choice of chunk?.choices ?? []) {
        const delta = choice?.delta;
        if (!delta) continue;
        if (typeof delta.reasoning === 'string') {
          delta.reasoning_content ??= delta.reasoning;
          delete delta.reasoning;
          changed = true;
        }
        if (!splitTags) continue;
        const splitter = splitterFor(choice.index ?? 0);
        if (typeof delta.reasoning_content === 'string' && delta.reasoning_content) splitter.reasoningFieldSeen();
        if (typeof delta.content === 'string' && delta.content) {
          const split = splitter.feed(delta.content);
          delta.content = split.content;
          if (split.reasoning) delta.reasoning_content = (delta.reasoning_content ?? '') + split.reasoning;
          changed = true;
        }
        if (choice.finish_reason != null) {
          const rest = splitter.end();
          if (rest.content) delta.content = (delta.content ?? '') + rest.content;
          if (rest.reasoning) delta.reasoning_content = (delta.reasoning_content ?? '') + rest.reasoning;
          changed = true;
        }
      }
      if (!changed) return frame;
      template ??= { id: chunk.id, object: chunk.object, created: chunk.created, model: chunk.model };
      frame.json = chunk;
      return frame;
    },
    flush() {
      // A stream that ended without finish_reason still releases what was held back.
      const out = [];
      for (const [index, splitter] of splitters) {
        const rest = splitter.end();
        if (!rest.content && !rest.reasoning) continue;
        const delta: Json = {};
        if (rest.content) delta.content = rest.content;
        if (rest.reasoning) delta.reasoning_content = rest.reasoning;
        out.push({ ...template, choices: [{ index, delta, finish_reason: null }] });
      }
      return out.map((json) => Frame.of(json));
    },
  };
}
