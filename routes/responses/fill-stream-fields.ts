/**
 * Passed-through Responses streams that lack fields the SDKs validate (llama.cpp's lacks
 * sequence_number, output_index, created_at/model in response.created) get them filled in,
 * and missing steps of the sequence (response.in_progress, content_part.added before the
 * first delta of a part) are inserted.
 */
import { Frame, type FrameTransform } from '../../core/frame.js';
import type { Json } from '../../adapters/types.js';

export function fillResponsesStreamFields(model: string): FrameTransform {
  let seq = 0;
  const outputIndex = new Map<string, number>();
  const createdAt = Math.floor(Date.now() / 1000);
  const partsAdded = new Set<string>();
  let inProgressSent = false;

  function fill(frame: Frame): Frame {
      const e: Json = frame.json;
      let changed = false;
      const set = (key: string, value: unknown) => {
        if (e[key] === undefined) {
          e[key] = value;
          changed = true;
        }
      };
      if (e.sequence_number !== seq) {
        e.sequence_number = seq;
        changed = true;
      }
      seq++;
      if (e.response && typeof e.response === 'object') {
        const r = e.response;
        for (const [k, v] of Object.entries({ created_at: createdAt, model, output: [], object: 'response' })) {
          if (r[k] === undefined) {
            r[k] = v;
            changed = true;
          }
        }
      }
      if (e.type === 'response.output_item.added' && e.item?.id) {
        set('output_index', outputIndex.size);
        outputIndex.set(e.item.id, e.output_index);
      }
      if (e.type === 'response.output_item.done' && e.item?.id) set('output_index', outputIndex.get(e.item.id) ?? 0);
      if (typeof e.item_id === 'string') {
        set('output_index', outputIndex.get(e.item_id) ?? 0);
        if (/content_part|output_text|reasoning_text|refusal/.test(e.type)) set('content_index', 0);
      }
      if (changed) frame.json = e;
      return frame;
  }

  const synth = (type: string, body: Json) => fill(Frame.of({ type, ...body }, type));

  return {
    transform(frame) {
      const e: Json = frame.json;
      const out: Frame[] = [];
      if (e.type === 'response.in_progress') {
        if (inProgressSent) return null;
        inProgressSent = true;
      }
      if (e.type === 'response.content_part.added') partsAdded.add(`${e.item_id}:${e.content_index ?? 0}`);
      const textDelta = e.type === 'response.output_text.delta' || e.type === 'response.reasoning_text.delta';
      if (textDelta && !partsAdded.has(`${e.item_id}:${e.content_index ?? 0}`)) {
        partsAdded.add(`${e.item_id}:${e.content_index ?? 0}`);
        const part = e.type === 'response.output_text.delta' ? { type: 'output_text', text: '', annotations: [] } : { type: 'reasoning_text', text: '' };
        out.push(synth('response.content_part.added', { item_id: e.item_id, content_index: e.content_index ?? 0, part }));
      }
      out.push(fill(frame));
      if (e.type === 'response.created' && !inProgressSent) {
        inProgressSent = true;
        out.push(synth('response.in_progress', { response: { ...e.response, status: 'in_progress' } }));
      }
      return out;
    },
  };
}
