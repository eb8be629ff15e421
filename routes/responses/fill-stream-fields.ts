/**
 * A Responses stream passed through from a Responses upstream, completed to the schema:
 * llama.cpp's lacks sequence_number, output_index and content_index, its Response objects
 * lack most fields, and it calls `completed` an answer cut at max_output_tokens. Missing
 * steps of the sequence (response.in_progress, content_part.added before the first delta of
 * a part) are inserted, and tool calls come back in the terms the client declared them.
 * A stream that already conforms (OpenAI's) goes through byte for byte.
 */
import { Frame } from '../../core/frame.js';
import type { Json } from '../../adapters/types.js';
import { newId } from '../../adapters/ids.js';
import { completeResponse, type Envelope } from './complete-response.js';
import { completeItem, completePart } from './complete-item.js';
import { failureEvents, type ResponsesEventStream } from './failure-events.js';
import { customInput, declaredTool, liftItem } from './lift-tool-calls.js';
import type { DeclaredTool, ToolPlan } from './tool-plan.js';

const TEXT_DELTA = new Set(['response.output_text.delta', 'response.reasoning_text.delta', 'response.refusal.delta']);
const TEXT_DONE: Record<string, string> = { 'response.output_text.done': 'text', 'response.reasoning_text.done': 'text', 'response.refusal.done': 'refusal' };
const CONTENT_EVENT = /^response\.(content_part|output_text|reasoning_text|refusal)\./;
const SUMMARY_EVENT = /^response\.reasoning_summary_(part|text)\./;

export function fillResponsesStreamFields(env: Envelope, plan?: ToolPlan): ResponsesEventStream {
  let seq = 0;
  const outputIndex = new Map<string, number>();
  const createdAt = Math.floor(Date.now() / 1000);
  let responseId: string | undefined;
  const partsAdded = new Set<string>();
  let inProgressSent = false;
  /** Text and arguments so far, for `.done` events that leave them out. */
  const texts = new Map<string, string>();
  /** Calls of custom tools, by item id: their argument events become custom_tool_call_input ones. */
  const customCalls = new Map<string, DeclaredTool>();
  const doneItems: Json[] = [];

  function completeEnvelope(r: Json): Json {
    responseId ??= env.responseId ?? (typeof r.id === 'string' ? r.id : newId('resp'));
    r.id ??= responseId;
    r.created_at ??= createdAt;
    if (Array.isArray(r.output)) r.output = r.output.map((item: Json) => liftItem(item, plan));
    if ((!Array.isArray(r.output) || r.output.length === 0) && doneItems.length && r.status !== 'in_progress') r.output = [...doneItems];
    return completeResponse(r, env);
  }

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
      completeEnvelope(e.response);
      changed = true;
    }
    if ((e.type === 'response.output_item.added' || e.type === 'response.output_item.done') && e.item && typeof e.item === 'object') {
      const lifted = completeItem(liftItem(e.item, plan), e.type === 'response.output_item.added' ? 'in_progress' : 'completed');
      if (lifted !== e.item) {
        e.item = lifted;
        changed = true;
      }
      if (!outputIndex.has(lifted.id)) outputIndex.set(lifted.id, typeof e.output_index === 'number' ? e.output_index : outputIndex.size);
      set('output_index', outputIndex.get(lifted.id));
      if (e.type === 'response.output_item.done') doneItems.push(lifted);
    }
    if (typeof e.item_id === 'string') {
      set('output_index', outputIndex.get(e.item_id) ?? 0);
      if (CONTENT_EVENT.test(e.type)) set('content_index', 0);
      if (SUMMARY_EVENT.test(e.type)) set('summary_index', 0);
    }
    if (e.part && typeof e.part === 'object') {
      const part = completePart(e.part);
      if (part !== e.part) {
        e.part = part;
        changed = true;
      }
    }
    const key = `${e.item_id}:${e.content_index ?? e.summary_index ?? 0}`;
    if (TEXT_DELTA.has(e.type) || e.type === 'response.function_call_arguments.delta') texts.set(key, (texts.get(key) ?? '') + (e.delta ?? ''));
    const doneField = TEXT_DONE[e.type] ?? (e.type === 'response.function_call_arguments.done' ? 'arguments' : undefined);
    if (doneField) set(doneField, texts.get(key) ?? '');
    if (changed) frame.json = e;
    return frame;
  }

  const synth = (type: string, body: Json) => fill(Frame.of({ type, ...body }, type));

  /** A custom tool's call: its arguments are the JSON around the input the client wants. */
  function customCallEvent(e: Json, out: Frame[]): boolean {
    if (!customCalls.has(e.item_id)) return false;
    const key = `${e.item_id}:0`;
    if (e.type === 'response.function_call_arguments.delta') texts.set(key, (texts.get(key) ?? '') + (e.delta ?? ''));
    if (e.type === 'response.function_call_arguments.done') {
      const input = customInput(e.arguments ?? texts.get(key) ?? '');
      out.push(synth('response.custom_tool_call_input.delta', { item_id: e.item_id, output_index: outputIndex.get(e.item_id) ?? 0, delta: input }));
      out.push(synth('response.custom_tool_call_input.done', { item_id: e.item_id, output_index: outputIndex.get(e.item_id) ?? 0, input }));
    }
    return true;
  }

  return {
    transform(frame) {
      const e: Json = frame.json;
      const out: Frame[] = [];
      if (e.type === 'response.in_progress') {
        if (inProgressSent) return null;
        inProgressSent = true;
      }
      if (e.type === 'response.output_item.added' && e.item?.type === 'function_call') {
        const declared = declaredTool(plan, e.item.name);
        if (declared?.kind === 'custom') customCalls.set(e.item.id, declared);
      }
      if (e.type?.startsWith('response.function_call_arguments.') && customCallEvent(e, out)) return out;
      if (e.type === 'response.content_part.added') partsAdded.add(`${e.item_id}:${e.content_index ?? 0}`);
      if (TEXT_DELTA.has(e.type) && !partsAdded.has(`${e.item_id}:${e.content_index ?? 0}`)) {
        partsAdded.add(`${e.item_id}:${e.content_index ?? 0}`);
        const part = e.type === 'response.reasoning_text.delta' ? { type: 'reasoning_text', text: '' } : e.type === 'response.refusal.delta' ? { type: 'refusal', refusal: '' } : { type: 'output_text', text: '', annotations: [] };
        out.push(synth('response.content_part.added', { item_id: e.item_id, content_index: e.content_index ?? 0, part }));
      }
      let filled = fill(frame);
      // The upstream said `completed` where its own usage or stop reason says the answer was cut.
      if (e.type === 'response.completed' && e.response.status === 'incomplete') {
        filled = Frame.of({ ...e, type: 'response.incomplete' }, 'response.incomplete');
      }
      out.push(filled);
      if (e.type === 'response.created' && !inProgressSent) {
        inProgressSent = true;
        out.push(synth('response.in_progress', { response: { ...e.response, status: 'in_progress' } }));
      }
      return out;
    },
    failureEvents(err) {
      const frames = failureEvents(err, { id: responseId, created_at: createdAt, output: [...doneItems] }, env, seq);
      seq += frames.length;
      return frames;
    },
  };
}
