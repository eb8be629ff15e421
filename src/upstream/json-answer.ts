/**
 * A non-streamed answer, parsed once on arrival (an answer that is not valid JSON must never
 * reach the client as a success) and kept as the upstream's own text too: an answer no adapter
 * changes goes to the client byte for byte, never re-serialised.
 */
import { badResponse } from './classify.js';

export class JsonAnswer {
  readonly kind = 'json' as const;
  /** The parsed answer: adapters read and change this object. */
  readonly body: any;

  constructor(
    readonly text: string,
    label: string,
  ) {
    try {
      this.body = JSON.parse(text);
    } catch {
      throw badResponse(label, `invalid JSON in response${describeStart(text)}`);
    }
  }
}

export function describeStart(text: string): string {
  const start = text.trimStart().slice(0, 80).replace(/\s+/g, ' ');
  if (!start) return ' (empty body)';
  return /^<(!doctype|html)/i.test(start) ? ' (an HTML page)' : `: ${JSON.stringify(start)}`;
}
