/**
 * Bracketed text tool calls: some local models write a call as text,
 *
 *     [get_weather]
 *     {"city": "Paris"}
 *     [END_TOOL_REQUEST]
 *
 * (or LM Studio's `[TOOL_REQUEST]{"name": ..., "arguments": ...}[END_TOOL_REQUEST]`). A block
 * becomes a real tool call only when its name is exactly one of the request's tools; any other
 * block is removed from the visible text. Streamed, text that may be the start of a block is
 * held back until decided, so normal text is delayed no longer than the block needs.
 */
const END = '[END_TOOL_REQUEST]';
const HEADER = /^\[([A-Za-z0-9_.-]{1,64})\]\s*\{/;
const HEADER_PREFIX = /^\[[A-Za-z0-9_.-]{0,64}(\]\s*)?$/;
/** A block is held at most this long; past it the text is released as plain text. */
export const BRACKET_HOLD_LIMIT = 64 * 1024;

export interface TextToolCall {
  name: string;
  arguments: string;
}

export interface BracketOutput {
  text: string;
  calls: TextToolCall[];
  /** Blocks removed because their name is not a tool of the request. */
  dropped: string[];
}

export class BracketToolParser {
  private held = '';
  /** After a block, the line break that ended it is not text (it may come in the next chunk). */
  private skipBreak = false;

  constructor(private readonly toolNames: ReadonlySet<string>) {}

  feed(text: string): BracketOutput {
    const out: BracketOutput = { text: '', calls: [], dropped: [] };
    let rest = this.held + text;
    this.held = '';
    while (rest) {
      if (this.skipBreak) {
        const m = /^[ \t]*(\r?\n)?/.exec(rest)!;
        rest = rest.slice(m[0].length);
        if (m[1] || rest) this.skipBreak = false;
        if (!rest) return out;
      }
      const open = rest.indexOf('[');
      if (open < 0) {
        out.text += rest;
        return out;
      }
      out.text += rest.slice(0, open);
      rest = rest.slice(open);
      const header = HEADER.exec(rest);
      if (!header) {
        if (HEADER_PREFIX.test(rest) || /^\[[A-Za-z0-9_.-]{1,64}\]\s*$/.test(rest)) {
          this.held = rest; // might still become a block
          return out;
        }
        out.text += '[';
        rest = rest.slice(1);
        continue;
      }
      const end = rest.indexOf(END);
      if (end < 0) {
        if (rest.length > BRACKET_HOLD_LIMIT) {
          out.text += rest;
          return out;
        }
        this.held = rest;
        return out;
      }
      this.decide(header[1], rest.slice(header[0].length - 1, end).trim(), out);
      rest = rest.slice(end + END.length);
      this.skipBreak = true;
    }
    return out;
  }

  /** End of the text: an unfinished block is not a call; it is released as text. */
  end(): BracketOutput {
    const text = this.held;
    this.held = '';
    return { text, calls: [], dropped: [] };
  }

  private decide(name: string, json: string, out: BracketOutput): void {
    let args: unknown;
    try {
      args = JSON.parse(json);
    } catch {
      out.dropped.push(name);
      return;
    }
    if (name === 'TOOL_REQUEST' && args && typeof args === 'object') {
      const inner = args as { name?: unknown; arguments?: unknown };
      if (typeof inner.name === 'string') {
        name = inner.name;
        args = inner.arguments ?? {};
      }
    }
    if (!this.toolNames.has(name)) {
      out.dropped.push(name);
      return;
    }
    out.calls.push({ name, arguments: typeof args === 'string' ? args : JSON.stringify(args) });
  }
}
