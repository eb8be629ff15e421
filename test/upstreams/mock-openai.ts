/**
 * A mock OpenAI-compatible model server that speaks one backend's dialect and fails on demand.
 * Run as its own process: `node --import tsx test/upstreams/mock-openai.ts --dialect vllm`; it
 * prints `{"port":N}` once listening. The upstream model id picks the behaviour:
 *
 *   anything          answers "Hello from <dialect>" (streamed as one word per chunk)
 *   reasoning         vLLM-style reasoning_content deltas before the answer
 *   think             inline <think>...</think> before the answer (split across chunks)
 *   think-untagged    the same without the opening tag (the chat template wrote it)
 *   status-<code>     answers that HTTP status with an error body in the dialect's shape
 *   retry-after-<s>   429 with Retry-After: s
 *   hang              never answers (headers never come)
 *   slow-<ms>         waits ms before the headers
 *   stall-after-<n>   streams n chunks, then goes silent
 *   reset             destroys the socket at once
 *   reset-after-<n>   streams n chunks, then destroys the socket
 *   reset-once[-tag]  destroys the socket the first time the name is asked for, then answers
 *   badjson-after-<n> streams n chunks, then an event that is not JSON, then [DONE]
 *   error-after-<n>   streams n chunks, then `{ "error": ...}` (spaced, as some servers write it), then [DONE]
 *   badjson           200 application/json whose body is not JSON (`{"choices": [ oops }`)
 *   redirect-<code>   answers that 3xx with a Location (to /v1/redirected on this server)
 *   truncated         streams two chunks and ends without finish_reason or [DONE]
 *   garbage           200 with an HTML page; streamed: a non-JSON data line
 *   huge-line         streams one 10 MB SSE line
 *   flood-<kb>        answers kb KB of text (streamed: 16 KB chunks as fast as the reader takes them)
 *   stream-error      200 stream whose first event is {"error":...}
 *   echo              replies with the JSON of the request it received
 *   tool              calls the request's first tool (see argumentsFor; or the --tool-call one),
 *                     then, given its result, answers "Tool said: <result>"
 *   call-<name>       the same with the tool of that name (Chat Completions only)
 *
 * POST /v1/responses/compact (dialect openai only, as only OpenAI compacts natively) answers the
 * user messages and one opaque compaction item.
 *
 * POST /v1/embeddings answers one 4-float vector per input (float or base64, as asked), written
 * the way Python servers write numbers (`0.50`, `-1.250e-3`) so that a re-serialised answer shows;
 * its model ids status-<code>, hang and badjson fail as above.
 *
 * POST /v1/completions (text completions) answers "Hello from <dialect> <model>", plus " [before <suffix>]"
 * when the request has a suffix, once per prompt (streamed one word per chunk, usage when asked);
 * its model ids status-<code>, hang, slow-<ms> and badjson behave as above.
 * POST /infill (llama.cpp's, at the root) answers "<infill <input_prefix>|<input_suffix>>" as
 * llama.cpp's native completion object (streamed: one object an event, the last `stop: true`, no
 * [DONE]); n_predict 1 stops at the limit; slow-<ms> and status-<code> as above.
 * POST /v1/rerank scores each document by how many of the query's words it holds (results in
 * document order, unsorted, vLLM-style usage with total_tokens only); status-<code>, hang,
 * slow-<ms>, and bad-index (a result naming no document) as above.
 *
 * Control: GET /__mock/requests lists received requests; GET /__mock/aborted counts requests
 * whose client went away before the answer finished; POST /__mock/reset clears both.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';

type Dialect = 'openai' | 'vllm' | 'ollama' | 'llamacpp' | 'lmstudio';

const { values } = parseArgs({
  options: {
    dialect: { type: 'string', default: 'openai' },
    port: { type: 'string', default: '0' },
    models: { type: 'string', default: '' },
    chunks: { type: 'string', default: '' },
    'chunk-delay': { type: 'string', default: '0' },
    /** Context window reported in GET /models (llama.cpp's meta.n_ctx). */
    context: { type: 'string', default: '' },
    /** Serve only this API: chat | responses (all, embeddings and Anthropic's messages too, when unset). */
    only: { type: 'string', default: '' },
    /** GET /models answers a valid list of about this many MiB (a hostile or broken server). */
    'models-mb': { type: 'string', default: '0' },
    /** The call the `tool` model makes, `{"name": ..., "arguments": {...}}`, when the request offers that tool. */
    'tool-call': { type: 'string', default: '' },
  },
});
const dialect = values.dialect as Dialect;
const listedModels = values.models ? values.models.split(',') : [`${dialect}-model`];
const chunkDelayMs = Number(values['chunk-delay']);

const received: Array<{ method: string; path: string; headers: IncomingMessage['headers']; body: any }> = [];
let aborted = 0;
const resetOnce = new Set<string>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for room to write (or the reader leaving), leaving no listener behind. */
function waitDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

function errorBody(status: number, message: string): unknown {
  switch (dialect) {
    case 'vllm':
      return { object: 'error', message, type: 'BadRequestError', param: null, code: status };
    case 'ollama':
      return { error: { message, type: 'api_error', param: null, code: null } };
    case 'llamacpp':
      return { error: { code: status, message, type: status === 400 ? 'invalid_request_error' : 'server_error' } };
    case 'lmstudio':
      return { error: message };
    default:
      return { error: { message, type: 'invalid_request_error', param: null, code: null } };
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function replyText(model: string): string {
  return `Hello from ${dialect} ${model}`;
}

/** The call the `tool` model makes: the configured one, else the first tool with a city. */
/** The call the `tool` and `call-<name>` models make: the --tool-call one, else one fitted to the tool's parameters. */
function toolCallFor(model: string, body: any): { name: string; arguments: string } | undefined {
  if (model === 'tool' && values['tool-call']) {
    const call = JSON.parse(values['tool-call']);
    return body.tools?.some((t: any) => t.function?.name === call.name) ? { name: call.name, arguments: JSON.stringify(call.arguments) } : undefined;
  }
  const called = toolToCall(model, body.tools);
  return called ? { name: called.name, arguments: argumentsFor(called.parameters) } : undefined;
}

/** Arguments streamed in three pieces, as servers cut them anywhere. */
const thirds = (s: string) => [s.slice(0, Math.ceil(s.length / 3)), s.slice(Math.ceil(s.length / 3), Math.ceil((2 * s.length) / 3)), s.slice(Math.ceil((2 * s.length) / 3))];

function chunk(model: string, delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) {
  return { id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1700000000, model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra };
}

async function streamChat(req: IncomingMessage, res: ServerResponse, body: any) {
  const model: string = body.model;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const write = (obj: unknown) => res.write(`data: ${typeof obj === 'string' ? obj : JSON.stringify(obj)}\n\n`);
  const stopAfter = /^(stall|reset|badjson|error)-after-(\d+)$/.exec(model);
  const pieces: Array<Record<string, unknown>> = [{ role: 'assistant', content: '' }];
  if (model === 'reasoning') pieces.push({ reasoning_content: 'Let me ' }, { reasoning_content: 'think.' });
  if (model === 'empty-tools') pieces.push({ tool_calls: [] });
  if (model === 'think-untagged') pieces.push({ content: 'secret ' }, { content: 'plan</th' }, { content: 'ink>' });
  else if (model.startsWith('think')) pieces.push({ content: '<thi' }, { content: 'nk>secret plan</th' }, { content: 'ink>' });
  const call = toolCallFor(model, body);
  if (call && body.messages?.at(-1)?.role !== 'tool') {
    write(chunk(model, { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_mock1', type: 'function', function: { name: call.name, arguments: '' } }] }));
    for (const part of thirds(call.arguments)) write(chunk(model, { tool_calls: [{ index: 0, function: { arguments: part } }] }));
    write(chunk(model, {}, 'tool_calls'));
    write('[DONE]');
    return res.end();
  }
  if (body.messages?.at(-1)?.role === 'tool') pieces.push({ content: 'Tool said: ' }, { content: String(body.messages.at(-1).content) });
  const words = values.chunks ? Number(values.chunks) : 0;
  const text = model === 'echo' ? JSON.stringify(body) : (QUIRK_TEXT[model] ?? replyText(model));
  if (words) for (let i = 0; i < words; i++) pieces.push({ content: `w${i} ` });
  else if (QUIRK_TEXT[model]) for (let i = 0, n = 1; i < text.length; i += n, n = (n % 3) + 1) pieces.push({ content: text.slice(i, i + n) });
  else if (body.messages?.at(-1)?.role !== 'tool') for (const w of text.split(/(?<= )/)) pieces.push({ content: w });
  for (let i = 0; i < pieces.length; i++) {
    if (stopAfter && i === Number(stopAfter[2])) {
      if (stopAfter[1] === 'badjson' || stopAfter[1] === 'error') {
        if (i > 0) await sleep(20); // the chunks before it reach the client on their own
        write(stopAfter[1] === 'badjson' ? '{"choices": [ oops }' : '{ "error": {"message": "model crashed mid-way", "type": "server_error"} }');
        write('[DONE]');
        return res.end();
      }
      await sleep(20); // let the chunks already written reach the client first
      if (stopAfter[1] === 'reset') req.socket.destroy();
      return; // stall: keep the socket open, send nothing more
    }
    if (model === 'truncated' && i === 2) {
      res.end();
      return;
    }
    write(chunk(model, pieces[i]));
    if (chunkDelayMs) await sleep(chunkDelayMs);
  }
  write(chunk(model, {}, model === 'length' ? 'length' : 'stop'));
  if (body.stream_options?.include_usage) {
    write({ id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1700000000, model, choices: [], usage: { prompt_tokens: 7, completion_tokens: pieces.length, total_tokens: 7 + pieces.length } });
  }
  write('[DONE]');
  res.end();
}

/** The function the `tool` model (the first) or `call-<name>` (that one) calls, if the request has it. */
function toolToCall(model: string, tools: any[] | undefined): { name: string; parameters: unknown } | undefined {
  const name = /^call-(.+)$/.exec(model)?.[1];
  if (model !== 'tool' && !name) return undefined;
  const fn = (name ? tools?.find((t) => t?.function?.name === name) : tools?.[0])?.function;
  return fn?.name ? { name: fn.name, parameters: fn.parameters } : undefined;
}

/**
 * What the `tool` model passes to the tool it calls, by the tool's parameters: a one-string
 * `input` (a custom tool seen as a function), a shell command (Codex's exec_command), or a city.
 */
function argumentsFor(parameters: any): string {
  const properties = parameters?.properties ?? {};
  if (properties.input) return JSON.stringify({ input: '*** Begin Patch\n*** End Patch' });
  if (properties.cmd) return JSON.stringify({ cmd: 'echo ran-through-lmrelay' });
  return '{"city":"Paris"}';
}

/** Models that fail the way strict real servers do when sent what they cannot take. */
const QUIRKS: Record<string, (body: any) => [number, string] | undefined> = {
  'strict-content': (b) =>
    b.messages?.some((m: any) => m.content != null && typeof m.content !== 'string')
      ? [400, '1 validation error: messages[0].content: Input should be a valid string']
      : undefined,
  'no-tools-template': (b) => (b.tools ? [500, 'Jinja template error: tools are not supported by this chat template'] : undefined),
  'no-developer': (b) => (b.messages?.some((m: any) => m.role === 'developer') ? [400, "Conversation roles must alternate; unknown role 'developer'"] : undefined),
  'max-completion-only': (b) => (b.max_tokens !== undefined ? [400, "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."] : undefined),
  'no-strict': (b) => (b.tools?.some((t: any) => 'strict' in (t.function ?? {})) ? [400, "Unrecognized key 'strict' in tools[0].function"] : undefined),
  'no-stream-options': (b) => (b.stream_options !== undefined ? [400, "Unrecognized request argument supplied: stream_options"] : undefined),
};

/** Models whose reply text is a fixed quirk of some local model. */
const QUIRK_TEXT: Record<string, string> = {
  bracket: 'Let me check. [weather]\n{"city": "Paris"}\n[END_TOOL_REQUEST]',
  'bracket-unknown': 'Sure. [launch_rockets]\n{"count": 3}\n[END_TOOL_REQUEST]Done.',
  'bracket-lmstudio': '[TOOL_REQUEST]{"name": "weather", "arguments": {"city": "Oslo"}}[END_TOOL_REQUEST]',
  'lookalike-xml': '<tool_call>{"name": "weather", "arguments": {"city": "Paris"}}</tool_call>',
  'lookalike-json': '{"name": "weather", "arguments": {"city": "Paris"}}',
  'lookalike-react': 'Thought: I need the weather.\nAction: weather\nAction Input: {"city": "Paris"}',
  'array-brackets': 'Arrays look like [1, 2, 3] and [x] is fine.',
};

async function chat(req: IncomingMessage, res: ServerResponse, body: any) {
  const model: string = String(body.model ?? '');
  if (model === 'leak-key') {
    // Like hosted APIs that quote the key they were given.
    return sendJson(res, 401, errorBody(401, `Incorrect API key provided: ${String(req.headers.authorization).replace(/^Bearer /, '')}`));
  }
  const quirk = QUIRKS[model]?.(body);
  if (quirk) return sendJson(res, quirk[0], errorBody(quirk[0], quirk[1]));
  const status = /^status-(\d+)$/.exec(model);
  if (status) return sendJson(res, Number(status[1]), errorBody(Number(status[1]), `mock ${dialect} failure ${status[1]}`));
  const retry = /^retry-after-(\d+)$/.exec(model);
  if (retry) return sendJson(res, 429, errorBody(429, 'rate limited'), { 'retry-after': retry[1] });
  const redirect = /^redirect-(3\d\d)$/.exec(model);
  if (redirect) return sendJson(res, Number(redirect[1]), { moved: true }, { location: `http://127.0.0.1:${(req.socket.localPort ?? 0)}/v1/redirected` });
  if (model === 'hang') return; // never answer
  if (model === 'reset') return req.socket.destroy();
  // The first request of each such name is reset (a kept-alive socket the server had closed).
  if (model.startsWith('reset-once') && !resetOnce.has(model)) {
    resetOnce.add(model);
    return req.socket.destroy();
  }
  const slow = /^slow-(\d+)$/.exec(model);
  if (slow) await sleep(Number(slow[1]));
  if (body.stream) {
    if (model === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: <html>oops</html>\n\n');
      return;
    }
    if (model === 'huge-line') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const line = 'x'.repeat(1024 * 1024);
      res.write('data: {"a":"');
      for (let i = 0; i < 10 && !res.destroyed; i++) res.write(line);
      res.end('"}\n\n');
      return;
    }
    const flood = /^flood-(\d+)$/.exec(model);
    if (flood) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const piece = 'x'.repeat(16 * 1024);
      for (let kb = 0; kb < Number(flood[1]) && !res.destroyed; kb += 16) {
        if (!res.write(`data: ${JSON.stringify(chunk(model, { content: piece }))}\n\n`)) await waitDrain(res);
      }
      res.end(`data: ${JSON.stringify(chunk(model, {}, 'stop'))}\n\ndata: [DONE]\n\n`);
      return;
    }
    if (model === 'stream-error') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${JSON.stringify({ error: { message: 'model crashed', type: 'server_error' } })}\n\n`);
      return;
    }
    return streamChat(req, res, body);
  }
  if (model === 'badjson') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end('{"choices": [ oops }');
  }
  if (model === 'garbage') {
    res.writeHead(200, { 'content-type': 'text/html' });
    return res.end('<!DOCTYPE html><html><title>502 Bad Gateway</title></html>');
  }
  const flood = /^flood-(\d+)$/.exec(model);
  if (flood) {
    return sendJson(res, 200, {
      id: 'chatcmpl-mock', object: 'chat.completion', created: 1700000000, model,
      choices: [{ index: 0, message: { role: 'assistant', content: 'x'.repeat(Number(flood[1]) * 1024) }, finish_reason: 'stop' }],
    });
  }
  if (model.startsWith('stall-after-')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"id":"x",');
    return; // body never completes
  }
  const call = toolCallFor(model, body);
  const lastMessage = body.messages?.at(-1);
  if (call && lastMessage?.role !== 'tool') {
    return sendJson(res, 200, {
      id: 'chatcmpl-mock', object: 'chat.completion', created: 1700000000, model,
      choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_mock1', type: 'function', function: call }] }, finish_reason: 'tool_calls' }],
      usage: { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 },
    });
  }
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: model === 'echo' ? JSON.stringify(body) : lastMessage?.role === 'tool' ? `Tool said: ${lastMessage.content}` : (QUIRK_TEXT[model] ?? replyText(model)),
  };
  if (model === 'empty-tools') message.tool_calls = [];
  if (model === 'reasoning') message.reasoning_content = 'Let me think.';
  if (model.startsWith('think')) message.content = `${model === 'think-untagged' ? '' : '<think>'}secret plan</think>${replyText(model)}`;
  sendJson(res, 200, {
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: 1700000000,
    model,
    choices: [{ index: 0, message, finish_reason: model === 'length' ? 'length' : 'stop' }],
    usage: { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 },
  });
}

/** OpenAI's /v1/responses/compact: the user messages, then one compaction item only OpenAI can read. */
function compact(res: ServerResponse, body: any) {
  const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : Array.isArray(body.input) ? body.input : [];
  const users = input.filter((i: any) => (i.type ?? 'message') === 'message' && i.role === 'user');
  const output = [
    ...users.map((m: any, n: number) => ({ id: `msg_mock${n}`, type: 'message', status: 'completed', role: 'user', content: typeof m.content === 'string' ? [{ type: 'input_text', text: m.content }] : m.content })),
    { id: 'cmp_mock', type: 'compaction', encrypted_content: 'gAAAAB-openai-opaque-compaction==' },
  ];
  const usage = { input_tokens: 11, input_tokens_details: { cached_tokens: 0 }, output_tokens: 6, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 17 };
  sendJson(res, 200, { id: 'resp_mockcompact', object: 'response.compaction', created_at: 1700000000, output, usage });
}

/** /v1/responses in llama.cpp's style: its stream lacks sequence_number and output_index. */
async function responses(req: IncomingMessage, res: ServerResponse, body: any) {
  const model: string = String(body.model ?? '');
  const status = /^status-(\d+)$/.exec(model);
  if (status) return sendJson(res, Number(status[1]), errorBody(Number(status[1]), `mock ${dialect} failure ${status[1]}`));
  if (model === 'hang') return;
  const lastInput = Array.isArray(body.input) ? body.input.at(-1) : undefined;
  const text = lastInput?.type === 'function_call_output' ? `Tool said: ${lastInput.output}` : replyText(model);
  const tool = model === 'tool' && body.tools?.[0]?.name && lastInput?.type !== 'function_call_output' ? body.tools[0].name : undefined;
  const output: any[] = [];
  if (model === 'reasoning') output.push({ id: 'rs_1', type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: 'Let me think.' }] });
  if (tool) output.push({ id: 'fc_1', type: 'function_call', call_id: 'call_mock1', name: tool, arguments: argumentsFor(body.tools[0].parameters), status: 'completed' });
  else output.push({ id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] });
  const usage = { input_tokens: 9, output_tokens: 4, total_tokens: 13 };
  const response = { id: 'resp_mock', object: 'response', created_at: 1700000000, model, status: 'completed', output, usage };
  if (!body.stream) return sendJson(res, 200, response);
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (type: string, data: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  send('response.created', { response: { id: 'resp_mock', object: 'response', status: 'in_progress' } });
  for (const item of output) {
    if (item.type === 'reasoning') {
      send('response.output_item.added', { item: { ...item, content: [] } });
      send('response.reasoning_text.delta', { item_id: item.id, delta: 'Let me think.' });
      send('response.output_item.done', { item });
    } else if (item.type === 'function_call') {
      send('response.output_item.added', { item: { ...item, arguments: '' } });
      send('response.function_call_arguments.delta', { item_id: item.id, delta: item.arguments });
      send('response.function_call_arguments.done', { item_id: item.id, arguments: item.arguments });
      send('response.output_item.done', { item });
    } else {
      send('response.output_item.added', { item: { ...item, content: [] } });
      send('response.content_part.added', { item_id: item.id, part: { type: 'output_text', text: '' } });
      for (const w of text.split(/(?<= )/)) send('response.output_text.delta', { item_id: item.id, delta: w });
      send('response.output_text.done', { item_id: item.id, text });
      send('response.content_part.done', { item_id: item.id, part: item.content[0] });
      send('response.output_item.done', { item });
    }
  }
  send('response.completed', { response });
  res.end();
}

/** Anthropic's Messages API: its headers, error shapes (529 overloaded), content blocks and events. */
async function messages(req: IncomingMessage, res: ServerResponse, body: any) {
  const anthropicError = (status: number, type: string, message: string, headers: Record<string, string> = {}) =>
    sendJson(res, status, { type: 'error', error: { type, message } }, headers);
  if (!req.headers['x-api-key']) return anthropicError(401, 'authentication_error', 'x-api-key header is required');
  if (!req.headers['anthropic-version']) return anthropicError(400, 'invalid_request_error', 'anthropic-version header is required');
  if (typeof body?.max_tokens !== 'number') return anthropicError(400, 'invalid_request_error', 'max_tokens: Field required');
  const model: string = String(body.model ?? '');
  if (model === 'overloaded') return anthropicError(529, 'overloaded_error', 'Overloaded');
  const retry = /^retry-after-(\d+)$/.exec(model);
  if (retry) return anthropicError(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', { 'retry-after': retry[1] });
  const last = body.messages?.at(-1);
  const lastBlock = Array.isArray(last?.content) ? last.content.at(-1) : undefined;
  const blocks: any[] = [];
  if (model === 'thinking') blocks.push({ type: 'thinking', thinking: 'Weighing it up.', signature: 'sig' });
  if (body.tool_choice?.type === 'tool') {
    // A forced tool is used at once, with no text before it (as Anthropic does).
    blocks.push({ type: 'tool_use', id: 'toolu_02', name: body.tool_choice.name, input: { city: 'Paris' } });
  } else if (model === 'tool' && body.tools?.length && lastBlock?.type !== 'tool_result') {
    blocks.push({ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_01', name: body.tools[0].name, input: { city: 'Paris' } });
  } else {
    const text = model === 'echo' ? JSON.stringify(body) : lastBlock?.type === 'tool_result' ? `Tool said: ${lastBlock.content}` : `Hello from anthropic ${model}`;
    blocks.push({ type: 'text', text });
  }
  const stop = blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
  const usage = { input_tokens: 11, output_tokens: 6, cache_read_input_tokens: 4, cache_creation_input_tokens: 2 };
  const message = { id: 'msg_mock', type: 'message', role: 'assistant', model, content: blocks, stop_reason: stop, stop_sequence: null, usage };
  if (!body.stream) return sendJson(res, 200, message);
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (type: string, data: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  send('message_start', { message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } });
  send('ping', {});
  blocks.forEach((b, index) => {
    if (b.type === 'text') {
      send('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const w of b.text.split(/(?<= )/)) send('content_block_delta', { index, delta: { type: 'text_delta', text: w } });
    } else if (b.type === 'thinking') {
      send('content_block_start', { index, content_block: { type: 'thinking', thinking: '' } });
      send('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: b.thinking } });
      send('content_block_delta', { index, delta: { type: 'signature_delta', signature: b.signature } });
    } else {
      send('content_block_start', { index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } });
      for (const part of ['{"city"', ': "Paris"}']) send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: part } });
    }
    send('content_block_stop', { index });
  });
  send('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 6 } });
  send('message_stop', {});
  res.end();
}

/** The vector of input `i`: its length, its index, two constants; as text, in a float-formatting style JSON.stringify never writes. */
function embeddingOf(input: unknown, i: number, base64: boolean): string {
  const size = typeof input === 'string' ? input.length : Array.isArray(input) ? input.length : 0;
  const values = [size, i, 0.5, -0.00125];
  if (base64) return JSON.stringify(Buffer.from(new Float32Array(values).buffer).toString('base64'));
  return `[${size}.0, ${i}.0, 0.50, -1.250e-3]`;
}

async function embeddings(res: ServerResponse, body: any) {
  const model: string = String(body?.model ?? '');
  const status = /^status-(\d+)$/.exec(model);
  if (status) return sendJson(res, Number(status[1]), errorBody(Number(status[1]), `mock ${dialect} failure ${status[1]}`));
  if (model === 'hang') return;
  if (model === 'badjson') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end('{"data": [ oops }');
  }
  const one = typeof body.input === 'string' || (Array.isArray(body.input) && typeof body.input[0] === 'number');
  const inputs: unknown[] = one ? [body.input] : body.input;
  const base64 = body.encoding_format === 'base64';
  const items = inputs.map((input, i) => `{"object": "embedding", "index": ${i}, "embedding": ${embeddingOf(input, i, base64)}}`);
  const tokens = inputs.reduce((n: number, input) => n + (typeof input === 'string' ? input.length : (input as unknown[]).length), 0);
  const text = `{"object": "list", "model": ${JSON.stringify(model)}, "data": [${items.join(', ')}], "usage": {"prompt_tokens": ${tokens}, "total_tokens": ${tokens}}}`;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Fails as the model id says (status-<code>, hang, slow-<ms>); true when the answer is already handled. */
async function failAsModel(res: ServerResponse, model: string): Promise<boolean> {
  const status = /^status-(\d+)$/.exec(model);
  if (status) {
    sendJson(res, Number(status[1]), errorBody(Number(status[1]), `mock ${dialect} failure ${status[1]}`));
    return true;
  }
  if (model === 'hang') return true;
  const slow = /^slow-(\d+)$/.exec(model);
  if (slow) await sleep(Number(slow[1]));
  return false;
}

async function textCompletions(res: ServerResponse, body: any) {
  const model: string = String(body?.model ?? '');
  if (await failAsModel(res, model)) return;
  if (model === 'badjson') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end('{"choices": [ oops }');
  }
  const prompts: unknown[] = Array.isArray(body.prompt) && typeof body.prompt[0] !== 'number' ? body.prompt : [body.prompt];
  const text = replyText(model) + (typeof body.suffix === 'string' && body.suffix ? ` [before ${body.suffix}]` : '');
  const base = { id: 'cmpl-mock', object: 'text_completion', created: 1700000000, model };
  const usage = { prompt_tokens: 5 * prompts.length, completion_tokens: 4 * prompts.length, total_tokens: 9 * prompts.length };
  if (!body.stream) {
    return sendJson(res, 200, { ...base, choices: prompts.map((_, index) => ({ index, text, logprobs: null, finish_reason: 'stop' })), usage });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const write = (json: unknown) => res.write(`data: ${JSON.stringify(json)}\n\n`);
  for (let index = 0; index < prompts.length; index++) {
    for (const word of text.split(/(?<= )/)) {
      write({ ...base, choices: [{ index, text: word, logprobs: null, finish_reason: null }] });
      if (chunkDelayMs) await sleep(chunkDelayMs);
    }
    write({ ...base, choices: [{ index, text: '', logprobs: null, finish_reason: 'stop' }] });
  }
  if (body.stream_options?.include_usage) write({ ...base, choices: [], usage });
  res.end('data: [DONE]\n\n');
}

async function infill(res: ServerResponse, body: any) {
  const model: string = String(body?.model ?? '');
  if (await failAsModel(res, model)) return;
  const content = `<infill ${body.input_prefix}|${body.input_suffix}>`;
  const limited = body.n_predict === 1;
  const last = { content: '', stop: true, model, stop_type: limited ? 'limit' : 'eos', tokens_predicted: 3, tokens_evaluated: 11, timings: {} };
  if (!body.stream) return sendJson(res, 200, { ...last, content, index: 0 });
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const piece of content.split(/(?<=\|)/)) res.write(`data: ${JSON.stringify({ index: 0, content: piece, stop: false })}\n\n`);
  res.end(`data: ${JSON.stringify(last)}\n\n`);
}

async function rerank(res: ServerResponse, body: any) {
  const model: string = String(body?.model ?? '');
  if (await failAsModel(res, model)) return;
  if (!Array.isArray(body?.documents) || body.documents.some((d: unknown) => typeof d !== 'string')) return sendJson(res, 400, errorBody(400, 'documents must be strings'));
  const words = String(body.query).toLowerCase().split(/\s+/);
  const results = body.documents.map((doc: string, index: number) => ({ index, relevance_score: words.filter((w) => doc.toLowerCase().includes(w)).length / words.length }));
  if (model === 'bad-index') results[0].index = 99;
  sendJson(res, 200, { id: 'rerank-mock', model, results, usage: { total_tokens: 13 } });
}

/** Anthropic's count_tokens: a fixed count, behind the same headers as /v1/messages. */
function countTokens(req: IncomingMessage, res: ServerResponse) {
  if (!req.headers['x-api-key'] || !req.headers['anthropic-version']) return sendJson(res, 401, { type: 'error', error: { type: 'authentication_error', message: 'x-api-key and anthropic-version are required' } });
  sendJson(res, 200, { input_tokens: 42 });
}

/** vLLM's /tokenize (at the server's root) in its chat form: a count of the templated prompt. */
function vllmTokenize(res: ServerResponse, body: any) {
  if (!Array.isArray(body?.messages)) return sendJson(res, 400, errorBody(400, 'messages or prompt required'));
  const count = body.messages.length * 10 + (body.tools?.length ?? 0) * 100;
  sendJson(res, 200, { count, max_model_len: 32768, tokens: Array.from({ length: count }, (_, i) => i) });
}

function models(res: ServerResponse) {
  if (Number(values['models-mb'])) return void hugeModelList(res, Number(values['models-mb']) * 1024 * 1024);
  const data = listedModels.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: dialect, ...(dialect === 'vllm' ? { max_model_len: 32768 } : {}), ...(values.context ? { meta: { n_ctx: Number(values.context) } } : {}) }));
  sendJson(res, 200, { object: 'list', data });
}

/** Writes `{"data":[{"id":"huge-0"},...]}` of about `bytes`, as fast as the reader takes it. */
async function hugeModelList(res: ServerResponse, bytes: number) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"object":"list","data":[{"id":"huge-0"}');
  let i = 1;
  for (let sent = 0; sent < bytes && !res.destroyed; ) {
    let piece = '';
    while (piece.length < 65536) piece += `,{"id":"huge-${i++}"}`;
    sent += piece.length;
    if (!res.write(piece)) await waitDrain(res);
  }
  res.end(']}');
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = req.url ?? '/';
    res.on('close', () => {
      if (!res.writableFinished && !url.startsWith('/__mock')) aborted++;
    });
    if (url === '/__mock/requests') return sendJson(res, 200, received);
    if (url === '/__mock/aborted') return sendJson(res, 200, { aborted });
    if (url === '/__mock/reset') {
      received.length = 0;
      aborted = 0;
      return sendJson(res, 200, { ok: true });
    }
    let body: any = undefined;
    const text = Buffer.concat(chunks).toString('utf8');
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        return sendJson(res, 400, errorBody(400, 'invalid JSON'));
      }
    }
    received.push({ method: req.method ?? '', path: url, headers: req.headers, body });
    if (req.method === 'GET' && url === '/v1/models') return models(res);
    if (req.method === 'POST' && url === '/v1/chat/completions' && values.only !== 'responses') return void chat(req, res, body);
    if (req.method === 'POST' && url === '/v1/responses' && values.only !== 'chat') return void responses(req, res, body);
    if (req.method === 'POST' && url === '/v1/responses/compact' && dialect === 'openai' && values.only !== 'chat') return compact(res, body);
    if (req.method === 'POST' && url === '/v1/messages' && !values.only) return void messages(req, res, body);
    if (req.method === 'POST' && url === '/v1/messages/count_tokens' && !values.only) return countTokens(req, res);
    if (req.method === 'POST' && url === '/tokenize' && dialect === 'vllm' && values.only !== 'responses') return vllmTokenize(res, body);
    if (req.method === 'POST' && url === '/v1/embeddings' && !values.only) return void embeddings(res, body);
    if (req.method === 'POST' && url === '/v1/completions' && !values.only) return void textCompletions(res, body);
    if (req.method === 'POST' && url === '/infill' && dialect === 'llamacpp' && !values.only) return void infill(res, body);
    if (req.method === 'POST' && url === '/v1/rerank' && !values.only) return void rerank(res, body);
    sendJson(res, 404, errorBody(404, `no route ${url}`));
  });
});

server.listen(Number(values.port), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
