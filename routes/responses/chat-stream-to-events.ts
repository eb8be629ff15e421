/**
 * Chat chunks -> the Responses event sequence the OpenAI and Vercel AI SDKs validate:
 * created, in_progress, then per output item added / deltas / done, then completed (or
 * incomplete), each event with a rising sequence_number and its output_index and item_id.
 * A call of a custom tool streams as OpenAI streams one: its input arrives whole at the end,
 * since the model wrote it inside the JSON arguments of a function.
 */
import { Frame } from '../../core/frame.js';
import type { Json } from '../../adapters/types.js';
import { newId } from '../../adapters/ids.js';
import { functionCallItem, messageItem, reasoningItem, responseSkeleton, statusOf, usageToResponses } from './response-shape.js';
import { completeResponse, type Envelope } from './complete-response.js';
import { failureEvents, type ResponsesEventStream } from './failure-events.js';
import { customCall, customInput, declaredTool } from './lift-tool-calls.js';
import type { DeclaredTool, ToolPlan } from './tool-plan.js';

interface OpenItem {
  kind: 'reasoning' | 'message' | 'function_call';
  id: string;
  outputIndex: number;
  text: string;
  callId?: string;
  name?: string;
  /** The client declared this call's tool otherwise than as a plain function. */
  declared?: DeclaredTool;
}

export function chatStreamToResponsesEvents(env: Envelope, plan?: ToolPlan): ResponsesEventStream {
  let seq = 0;
  const response = responseSkeleton(newId('resp'), Math.floor(Date.now() / 1000), 'in_progress');
  const done: Json[] = [];
  let open: OpenItem | undefined;
  const calls = new Map<number, OpenItem>();
  let finish: string | null = null;
  let usage: Json | undefined;
  let started = false;

  const event = (type: string, body: Json): Frame => Frame.of({ type, sequence_number: seq++, ...body }, type);
  const snapshot = () => completeResponse({ ...response, output: [...done] }, env);

  function start(out: Frame[]) {
    if (started) return;
    started = true;
    out.push(event('response.created', { response: snapshot() }));
    out.push(event('response.in_progress', { response: snapshot() }));
  }

  function closeOpen(out: Frame[]) {
    if (!open) return;
    const { id, outputIndex: output_index, text } = open;
    if (open.kind === 'reasoning') {
      out.push(event('response.reasoning_text.done', { item_id: id, output_index, content_index: 0, text }));
      out.push(event('response.content_part.done', { item_id: id, output_index, content_index: 0, part: { type: 'reasoning_text', text } }));
      const item = reasoningItem(id, text);
      done.push(item);
      out.push(event('response.output_item.done', { output_index, item }));
    } else {
      out.push(event('response.output_text.done', { item_id: id, output_index, content_index: 0, text, logprobs: [] }));
      out.push(event('response.content_part.done', { item_id: id, output_index, content_index: 0, part: { type: 'output_text', text, annotations: [], logprobs: [] } }));
      const item = messageItem(id, text);
      done.push(item);
      out.push(event('response.output_item.done', { output_index, item }));
    }
    open = undefined;
  }

  function openText(kind: 'reasoning' | 'message', out: Frame[]): OpenItem {
    if (open?.kind === kind) return open;
    closeOpen(out);
    const item: OpenItem = { kind, id: newId(kind === 'reasoning' ? 'rs' : 'msg'), outputIndex: done.length + calls.size, text: '' };
    const output_index = item.outputIndex;
    if (kind === 'reasoning') {
      out.push(event('response.output_item.added', { output_index, item: { ...reasoningItem(item.id, '', 'in_progress'), content: [] } }));
      out.push(event('response.content_part.added', { item_id: item.id, output_index, content_index: 0, part: { type: 'reasoning_text', text: '' } }));
    } else {
      out.push(event('response.output_item.added', { output_index, item: { ...messageItem(item.id, '', 'in_progress'), content: [] } }));
      out.push(event('response.content_part.added', { item_id: item.id, output_index, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } }));
    }
    open = item;
    return item;
  }

  /** The item the client sees for a call, in the shape it declared the tool. */
  function callItem(call: OpenItem, args: string, status = 'completed'): Json {
    const item = functionCallItem(call.id, call.callId!, call.name!, args, status);
    const declared = call.declared;
    if (!declared) return item;
    return declared.kind === 'custom' ? customCall(item, declared, customInput(args)) : { ...item, name: declared.name, namespace: declared.namespace };
  }

  function toolDelta(call: Json, out: Frame[]) {
    const index = call.index ?? 0;
    let item = calls.get(index);
    if (!item) {
      closeOpen(out);
      const name = call.function?.name ?? '';
      item = { kind: 'function_call', id: newId('fc'), outputIndex: done.length + calls.size, text: '', callId: call.id ?? newId('call'), name, declared: declaredTool(plan, name) };
      calls.set(index, item);
      out.push(event('response.output_item.added', { output_index: item.outputIndex, item: callItem(item, '', 'in_progress') }));
    }
    const args = call.function?.arguments;
    if (typeof args === 'string' && args) {
      item.text += args;
      // A custom tool's input is inside these JSON arguments: it is sent whole when the call ends.
      if (item.declared?.kind !== 'custom') out.push(event('response.function_call_arguments.delta', { item_id: item.id, output_index: item.outputIndex, delta: args }));
    }
  }

  function closeCalls(out: Frame[]) {
    for (const item of [...calls.values()].sort((a, b) => a.outputIndex - b.outputIndex)) {
      const output_index = item.outputIndex;
      const finished = callItem(item, item.text);
      if (item.declared?.kind === 'custom') {
        out.push(event('response.custom_tool_call_input.delta', { item_id: item.id, output_index, delta: finished.input }));
        out.push(event('response.custom_tool_call_input.done', { item_id: item.id, output_index, input: finished.input }));
      } else {
        out.push(event('response.function_call_arguments.done', { item_id: item.id, output_index, name: finished.name, arguments: item.text }));
      }
      done.push(finished);
      out.push(event('response.output_item.done', { output_index, item: finished }));
    }
    calls.clear();
  }

  return {
    transform(frame) {
      const chunk = frame.json;
      const out: Frame[] = [];
      start(out);
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      const delta = choice?.delta ?? {};
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (typeof reasoning === 'string' && reasoning) {
        const item = openText('reasoning', out);
        item.text += reasoning;
        out.push(event('response.reasoning_text.delta', { item_id: item.id, output_index: item.outputIndex, content_index: 0, delta: reasoning }));
      }
      if (typeof delta.content === 'string' && delta.content) {
        const item = openText('message', out);
        item.text += delta.content;
        out.push(event('response.output_text.delta', { item_id: item.id, output_index: item.outputIndex, content_index: 0, delta: delta.content, logprobs: [] }));
      }
      for (const call of delta.tool_calls ?? []) toolDelta(call, out);
      if (choice?.finish_reason) finish = choice.finish_reason;
      return out;
    },
    flush() {
      const out: Frame[] = [];
      start(out);
      closeOpen(out);
      closeCalls(out);
      const final = completeResponse({ ...response, output: done, ...statusOf(finish), usage: usageToResponses(usage) }, env);
      out.push(event(final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: final }));
      return out;
    },
    failureEvents(err) {
      const frames = failureEvents(err, { ...response, output: [...done] }, env, seq);
      seq += frames.length;
      return frames;
    },
  };
}
