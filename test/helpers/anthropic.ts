/** The Anthropic SDK against a relay under test, raw Messages streams, and Anthropic's event grammar. */
import Anthropic from '@anthropic-ai/sdk';

export function anthropicClient(relayUrl: string, options: ConstructorParameters<typeof Anthropic>[0] = {}): Anthropic {
  return new Anthropic({ baseURL: relayUrl, apiKey: 'client-key', maxRetries: 0, timeout: 20_000, ...options });
}

export interface StreamEvent {
  event?: string;
  data: any;
}

/** POSTs a streamed Messages body and reads the answer as SSE events, `ping` included (the SDK hides it). */
export async function streamEvents(relayUrl: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(`${relayUrl}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body: JSON.stringify({ ...body, stream: true }),
  });
  const text = await res.text();
  const events: StreamEvent[] = [];
  for (const block of text.split('\n\n')) {
    if (!block.trim()) continue;
    let event: string | undefined;
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    events.push({ event, data: JSON.parse(data) });
  }
  return { status: res.status, headers: res.headers, text, events };
}

/**
 * What is wrong with a stream by Anthropic's grammar (nothing, for a well-formed one):
 * message_start first; blocks opened in index order from 0, one at a time, each index opened
 * before any delta names it and stopped before the next opens; message_delta with a
 * stop_reason and usage after the last block; message_stop last; each event named as its type.
 */
export function sequenceProblems(events: StreamEvent[]): string[] {
  const problems: string[] = [];
  const say = (i: number, what: string) => problems.push(`event ${i} (${events[i]?.event}): ${what}`);
  if (events[0]?.event !== 'message_start') say(0, 'the first event is not message_start');
  if (events.at(-1)?.event !== 'message_stop') say(events.length - 1, 'the last event is not message_stop');
  let open: number | undefined;
  let next = 0;
  let sawMessageDelta = false;
  events.forEach((e, i) => {
    if (e.event !== e.data?.type) say(i, `event name differs from data.type ${e.data?.type}`);
    switch (e.event) {
      case 'message_start':
        if (i !== 0) say(i, 'message_start again');
        if (!Array.isArray(e.data.message?.content) || e.data.message?.role !== 'assistant') say(i, 'message_start without an assistant message');
        return;
      case 'ping':
        return;
      case 'content_block_start':
        if (open !== undefined) say(i, `block ${e.data.index} opened while ${open} is open`);
        if (e.data.index !== next) say(i, `block ${e.data.index} opened where ${next} was due`);
        open = e.data.index;
        next++;
        return;
      case 'content_block_delta':
        if (e.data.index !== open) say(i, `delta for block ${e.data.index} while the open block is ${open}`);
        return;
      case 'content_block_stop':
        if (e.data.index !== open) say(i, `stop for block ${e.data.index} while the open block is ${open}`);
        open = undefined;
        return;
      case 'message_delta':
        if (open !== undefined) say(i, `message_delta while block ${open} is open`);
        if (typeof e.data.delta?.stop_reason !== 'string') say(i, 'message_delta without stop_reason');
        if (typeof e.data.usage?.output_tokens !== 'number') say(i, 'message_delta without usage.output_tokens');
        sawMessageDelta = true;
        return;
      case 'message_stop':
        if (!sawMessageDelta) say(i, 'message_stop before any message_delta');
        return;
      default:
        say(i, 'not an event of a successful stream');
    }
  });
  return problems;
}

/** The blocks a stream built, as the SDK would assemble them (text and JSON concatenated). */
export function blocksOf(events: StreamEvent[]): any[] {
  const blocks: any[] = [];
  for (const { data } of events) {
    if (data.type === 'content_block_start') blocks[data.index] = { ...data.content_block, json: '' };
    if (data.type !== 'content_block_delta') continue;
    const block = blocks[data.index];
    const d = data.delta;
    if (d.type === 'text_delta') block.text += d.text;
    if (d.type === 'thinking_delta') block.thinking += d.thinking;
    if (d.type === 'input_json_delta') block.json += d.partial_json;
  }
  return blocks;
}
