/**
 * Splits inline `<think>...</think>` reasoning out of the answer text, also when the tags are
 * cut across stream chunks and when the model omits the opening tag (templates that put
 * `<think>` in the prompt). A stream holds back only text that could still be the start of a
 * tag: answer text goes out as it comes.
 */
const OPEN = '<think>';
const CLOSE = '</think>';

export interface Split {
  reasoning: string;
  content: string;
}

/**
 * What text that does not start with `<think>` is, in a stream (where waiting to see whether a
 * `</think>` follows would hold the whole answer back): the answer, or (the chat template
 * opened the tag, `compat.thinkOpenedByTemplate`) reasoning until `</think>`.
 */
export type UntaggedText = 'answer' | 'reasoning';

type State = 'start' | 'think' | 'untagged' | 'answer';

export class ThinkTagSplitter {
  private state: State = 'start';
  private buf = '';
  /** Right after `</think>`: the blank lines before the answer are dropped. */
  private trimLeading = false;

  constructor(private untagged: UntaggedText) {}

  /** The upstream sends reasoning in its own field: its text is the answer, no tags expected. */
  reasoningFieldSeen(): void {
    if (this.state === 'start') this.untagged = 'answer';
    else if (this.state === 'untagged') this.state = 'answer';
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
        if (OPEN.startsWith(trimmed)) return out; // blank so far, or a partial opening tag
        this.state = this.untagged === 'reasoning' ? 'untagged' : 'answer';
        continue;
      }
      // think, or untagged reasoning: out as reasoning up to `</think>`, less a partial one
      const close = this.buf.indexOf(CLOSE);
      if (close >= 0) {
        out.reasoning += this.buf.slice(0, close);
        this.buf = this.buf.slice(close + CLOSE.length);
        this.state = 'answer';
        this.trimLeading = true;
        continue;
      }
      const keep = partialSuffix(this.buf, CLOSE);
      out.reasoning += this.buf.slice(0, this.buf.length - keep);
      this.buf = this.buf.slice(this.buf.length - keep);
      return out;
    }
  }

  /** End of the text: whatever is held is released as what it most likely is. */
  end(): Split {
    const rest = this.buf;
    this.buf = '';
    if (this.state === 'think' || this.state === 'untagged') return { reasoning: rest, content: '' };
    return { reasoning: '', content: rest };
  }
}

/**
 * Splits a whole (non-streamed) text. Being whole, it can decide what untagged text was:
 * with `'decide'`, text before a lone `</think>` is reasoning, and a text without one is the answer.
 */
export function splitThinkTags(text: string, untagged: UntaggedText | 'decide' = 'decide'): Split {
  const mode = untagged === 'decide' ? (text.includes(CLOSE) ? 'reasoning' : 'answer') : untagged;
  const splitter = new ThinkTagSplitter(mode);
  const a = splitter.feed(text);
  const b = splitter.end();
  return { reasoning: a.reasoning + b.reasoning, content: a.content + b.content };
}

function partialSuffix(text: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, text.length); n > 0; n--) if (text.endsWith(tag.slice(0, n))) return n;
  return 0;
}
