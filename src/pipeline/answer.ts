import type { Frame, FrameTransform } from '../../core/frame.js';

/**
 * What one model call gives back, whatever the API and the surface: a whole JSON body, or a
 * stream of frames with the transforms still to run over them (in order). `text` is the
 * upstream's own bytes, set only while nothing changed `body`: such an answer goes out as it came.
 */
export type RelayAnswer =
  | { kind: 'json'; body: any; text?: string }
  | { kind: 'stream'; frames: AsyncIterable<Frame[]>; transforms: FrameTransform[] };
