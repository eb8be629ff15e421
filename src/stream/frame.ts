/**
 * One streamed JSON event that keeps its original text until someone changes it: a chunk no
 * adapter touches is written out byte for byte, never parsed and re-serialised.
 */
export class Frame {
  private text: string | undefined;
  private value: any;

  constructor(data: string | undefined, json?: unknown, readonly event?: string) {
    this.text = data;
    this.value = json;
  }

  static of(json: unknown, event?: string): Frame {
    return new Frame(undefined, json, event);
  }

  /** The parsed object (parsed once, on first use). */
  get json(): any {
    if (this.value === undefined) this.value = JSON.parse(this.text as string);
    return this.value;
  }

  /** Marks the object as changed; `data` is serialised again from it. */
  set json(value: unknown) {
    this.value = value;
    this.text = undefined;
  }

  get data(): string {
    return (this.text ??= JSON.stringify(this.value));
  }

  /** Cheap test on the raw text before paying for a parse. */
  mayContain(needle: string): boolean {
    return this.text === undefined || this.text.includes(needle);
  }
}

/** A per-request step over a stream of frames (Vercel-style: transform, then flush at the end). */
export interface FrameTransform {
  transform(frame: Frame): Frame[] | Frame | null;
  flush?(): Frame[];
}

/** Runs the transforms over each batch of frames, synchronously within the batch. */
export async function* applyTransforms(source: AsyncIterable<Frame[]>, transforms: FrameTransform[]): AsyncGenerator<Frame[]> {
  if (transforms.length === 0) {
    yield* source;
    return;
  }
  for await (const batch of source) {
    const out: Frame[] = [];
    for (const frame of batch) for (const f of runFrom(0, frame, transforms)) out.push(f);
    if (out.length) yield out;
  }
  const tail: Frame[] = [];
  for (let i = 0; i < transforms.length; i++) {
    for (const frame of transforms[i].flush?.() ?? []) for (const f of runFrom(i + 1, frame, transforms)) tail.push(f);
  }
  if (tail.length) yield tail;
}

function* runFrom(index: number, frame: Frame, transforms: FrameTransform[]): Generator<Frame> {
  if (index === transforms.length) {
    yield frame;
    return;
  }
  const out = transforms[index].transform(frame);
  if (out === null) return;
  if (out instanceof Frame) yield* runFrom(index + 1, out, transforms);
  else for (const f of out) yield* runFrom(index + 1, f, transforms);
}
