import type { Frame, FrameTransform } from '../../core/frame.js';
import type { RelayError } from '../../core/errors.js';

/**
 * What one model call gives back, whatever the API and the surface: a whole JSON body, or a
 * stream of frames with the transforms still to run over them. `text` is the upstream's own
 * bytes, set only while nothing changed `body`: such an answer goes out as it came.
 * Each stage appends its own transforms, in this order: the dialect's conversion to Chat and the
 * Chat repairs (call-chat.ts), a surface's conversion from Chat (routes/<surface>/call.ts), the usage
 * count (relay-route.ts), then the surface's last steps (RelayRouteSpec.streamTransforms).
 */
export type RelayAnswer =
  | { kind: 'json'; body: any; text?: string }
  | { kind: 'stream'; frames: AsyncIterable<Frame[]>; transforms: FrameTransform[]; errorFrames?: StreamErrorFrames };

/** A stream may bring its own ending for a failure (one that knows what it already sent). */
export type StreamErrorFrames = (err: RelayError) => Array<{ data: string; event?: string }>;
