/** Reads the recorded answers beside the dialect tests (see record-fixtures.ts) and runs transforms over them. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { applyTransforms, Frame, type FrameTransform } from '../../core/frame.js';

const path = (name: string) => fileURLToPath(new URL(name, import.meta.url));

export const fixtureJson = (name: string): any => JSON.parse(readFileSync(path(name), 'utf8'));

/** The events of a recorded SSE body as frames (their text kept, as lmrelay gets them); `[DONE]` ends it. */
export function fixtureFrames(name: string): Frame[] {
  const frames: Frame[] = [];
  for (const block of readFileSync(path(name), 'utf8').split(/\r?\n\r?\n/)) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (!data.length) continue;
    if (data.join('\n') === '[DONE]') break;
    frames.push(new Frame(data.join('\n'), undefined, event));
  }
  return frames;
}

/** The lines of a recorded NDJSON body (Ollama's streams) as frames, as lmrelay gets them. */
export function fixtureLines(name: string): Frame[] {
  return readFileSync(path(name), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => new Frame(line));
}

/** Runs transforms over frames, one network batch per frame, and returns the parsed frames that come out. */
export async function run(frames: Frame[], ...transforms: FrameTransform[]): Promise<any[]> {
  async function* batches() {
    for (const frame of frames) yield [frame];
  }
  const out: any[] = [];
  for await (const batch of applyTransforms(batches(), transforms)) for (const frame of batch) out.push(frame.json);
  return out;
}

/** The message a client assembles from chat.completion.chunks. */
export function assemble(chunks: any[]) {
  let content = '';
  let reasoning = '';
  let finish: string | null = null;
  let usage: any;
  const calls: any[] = [];
  for (const c of chunks) {
    if (c.usage) usage = c.usage;
    const choice = c.choices?.[0];
    if (!choice) continue;
    const d = choice.delta ?? {};
    content += d.content ?? '';
    reasoning += d.reasoning_content ?? '';
    for (const call of d.tool_calls ?? []) {
      const at = (calls[call.index] ??= { id: call.id, name: call.function?.name, arguments: '' });
      at.arguments += call.function?.arguments ?? '';
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  return { content, reasoning, finish, usage, calls, ids: new Set(chunks.map((c) => c.id)) };
}
