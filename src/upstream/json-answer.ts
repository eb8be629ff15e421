/**
 * A non-streamed answer that keeps the upstream's text and parses it only when something needs
 * the object (an adapter, a conversion). The common case, an answer no adapter touches, goes
 * to the client byte for byte after a shape check, and its token usage is read from the
 * `usage` object alone.
 */
import { badResponse } from './classify.js';

export class JsonAnswer {
  readonly kind = 'json' as const;
  private parsed: any;

  constructor(
    readonly text: string,
    private readonly label: string,
  ) {}

  /** The parsed answer (parsed once, on first use). */
  get body(): any {
    if (this.parsed === undefined) {
      try {
        this.parsed = JSON.parse(this.text);
      } catch {
        throw badResponse(this.label, `invalid JSON in response${describeStart(this.text)}`);
      }
    }
    return this.parsed;
  }

  /** Cheap test on the raw text before paying for a parse. */
  mayContain(needle: string): boolean {
    return this.text.includes(needle);
  }

  /** The answer's `usage`, without parsing the rest when it was not parsed already. */
  get usage(): unknown {
    if (this.parsed !== undefined) return this.parsed.usage;
    if (!this.text.includes('"usage"')) return undefined;
    return usageSlice(this.text) ?? this.body.usage;
  }
}

/** The usage of a JSON answer, parsed or not. */
export function answerUsage(answer: { body: any }): unknown {
  return answer instanceof JsonAnswer ? answer.usage : answer.body?.usage;
}

/** An object's text: first and last non-blank characters are braces (the stream frames' check). */
export function looksLikeObject(text: string): boolean {
  let start = 0;
  let end = text.length - 1;
  while (start < end && text.charCodeAt(start) <= 32) start++;
  while (end > start && text.charCodeAt(end) <= 32) end--;
  return text.charCodeAt(start) === 123 && text.charCodeAt(end) === 125;
}

/**
 * The `usage` object parsed on its own. In JSON text a quote inside a string is escaped, so a
 * bare `"usage":` is a key; the last one is the answer's own (servers write it after choices).
 * Anything else (no object there, text that does not parse) returns undefined: the caller
 * parses the whole answer instead.
 */
export function usageSlice(text: string): unknown {
  const key = text.lastIndexOf('"usage"');
  if (key < 0) return undefined;
  let i = key + 7;
  while (i < text.length && (text.charCodeAt(i) <= 32 || text.charCodeAt(i) === 58)) i++;
  if (text.charCodeAt(i) !== 123) return undefined;
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 34) {
      // Skip a string (key or value), escapes included: braces inside it do not count.
      for (j++; j < text.length && text.charCodeAt(j) !== 34; j++) if (text.charCodeAt(j) === 92) j++;
    } else if (c === 123) depth++;
    else if (c === 125 && --depth === 0) {
      try {
        return JSON.parse(text.slice(i, j + 1));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function describeStart(text: string): string {
  const start = text.trimStart().slice(0, 80).replace(/\s+/g, ' ');
  if (!start) return ' (empty body)';
  return /^<(!doctype|html)/i.test(start) ? ' (an HTML page)' : `: ${JSON.stringify(start)}`;
}
