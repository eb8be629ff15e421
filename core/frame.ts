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
    for (const frame of batch) runFrom(0, frame, transforms, out);
    if (out.length) yield out;
  }
  const tail: Frame[] = [];
  for (let i = 0; i < transforms.length; i++) {
    for (const frame of transforms[i].flush?.() ?? []) runFrom(i + 1, frame, transforms, tail);
  }
  if (tail.length) yield tail;
}

/** Passes `frame` through transforms[index..] and appends what comes out to `out` (no generator per frame). */
function runFrom(index: number, frame: Frame, transforms: FrameTransform[], out: Frame[]): void {
  let current = frame;
  for (let i = index; i < transforms.length; i++) {
    const result = transforms[i].transform(current);
    if (result === null) return;
    if (result instanceof Frame) {
      current = result;
      continue;
    }
    for (const f of result) runFrom(i + 1, f, transforms, out);
    return;
  }
  out.push(current);
}
