/**
 * The chat.completion.chunk frames of one stream translated from another API: one id, the
 * assistant role on the first delta only, and the closing usage chunk (`choices: []`), as
 * OpenAI's API sends them.
 */
import { Frame } from '../core/frame.js';
import type { Json } from './types.js';
import { newChatCompletionId } from './ids.js';

export class ChatChunks {
  readonly id = newChatCompletionId();
  private roleSent = false;

  constructor(
    /** The model the chunks name: the upstream's, where its events say it. */
    public model: string,
    /** Unix seconds; a stream that says when it began sets it from its first event. */
    public created?: number,
  ) {}

  /** Whether a delta has gone out (and with it the role). */
  get started(): boolean {
    return this.roleSent;
  }

  chunk(delta: Json, finish: string | null = null): Frame {
    return Frame.of({ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index: 0, delta, finish_reason: finish }] });
  }

  /** A delta with content: the first one also carries the assistant role. */
  delta(delta: Json): Frame {
    if (this.roleSent) return this.chunk(delta);
    this.roleSent = true;
    return this.chunk({ role: 'assistant', ...delta });
  }

  usage(usage: Json | null | undefined): Frame {
    return Frame.of({ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage: usage ?? null });
  }
}
