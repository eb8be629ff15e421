/**
 * Splits inline `<think>...</think>` reasoning out of the answer text, also when the tags are
 * cut across stream chunks and when the model omits the opening tag (templates that put
 * `<think>` in the prompt). Text that might still be part of a tag is held back until decided.
 */
const OPEN = '<think>';
const CLOSE = '</think>';
/** Text without an opening tag is held at most this long waiting for a closing one. */
export const UNTAGGED_HOLD_LIMIT = 32 * 1024;

export interface Split {
  reasoning: string;
  content: string;
}

type State = 'start' | 'think' | 'untagged' | 'answer';

export class ThinkTagSplitter {
  private state: State = 'start';
  private buf = '';
  /** Right after `</think>`: the blank lines before the answer are dropped. */
  private trimLeading = false;

  /** @param expectUntagged treat text before a lone `</think>` as reasoning (no opening tag). */
  constructor(private expectUntagged = true) {}

  /** The upstream sends reasoning in its own field: its text is the answer, no tags expected. */
  reasoningFieldSeen(): void {
    if (this.state === 'start' || this.state === 'untagged') this.expectUntagged = false;
  }

  feed(text: string): Split {
    this.buf += text;
    const out: Split = { reasoning: '', content: '' };
    for (;;) {
      if (this.state === 'answer') {
        if (this.trimLeading) {
          this.buf = this.buf.replace(/^\s+/, '');
          if (!this.buf) return out;
          this.trimLeading = false;
        }
        out.content += this.buf;
        this.buf = '';
        return out;
      }
      if (this.state === 'start') {
        const trimmed = this.buf.trimStart();
        if (trimmed.startsWith(OPEN)) {
          this.buf = trimmed.slice(OPEN.length);
          this.state = 'think';
          continue;
        }
        if (OPEN.startsWith(trimmed)) return out; // empty, or a partial opening tag
        this.state = this.expectUntagged ? 'untagged' : 'answer';
        continue;
      }
      const close = this.buf.indexOf(CLOSE);
      if (close >= 0) {
        out.reasoning += this.buf.slice(0, close);
        this.buf = this.buf.slice(close + CLOSE.length);
        this.state = 'answer';
        this.trimLeading = true;
        continue;
      }
      if (this.state === 'think') {
        const keep = partialSuffix(this.buf, CLOSE);
        out.reasoning += this.buf.slice(0, this.buf.length - keep);
        this.buf = this.buf.slice(this.buf.length - keep);
        return out;
      }
      // untagged: hold until a closing tag decides, or give up past the limit
      if (this.buf.length > UNTAGGED_HOLD_LIMIT || !this.expectUntagged) this.state = 'answer';
      else return out;
    }
  }

  /** End of the text: whatever is held is released as what it most likely is. */
  end(): Split {
    const rest = this.buf;
    this.buf = '';
    if (this.state === 'think') return { reasoning: rest, content: '' };
    return { reasoning: '', content: rest };
  }
}

/** Splits a whole (non-streamed) text. */
export function splitThinkTags(text: string, expectUntagged = true): Split {
  const splitter = new ThinkTagSplitter(expectUntagged);
  const a = splitter.feed(text);
  const b = splitter.end();
  return { reasoning: a.reasoning + b.reasoning, content: a.content + b.content };
}

function partialSuffix(text: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, text.length); n > 0; n--) if (text.endsWith(tag.slice(0, n))) return n;
  return 0;
}
