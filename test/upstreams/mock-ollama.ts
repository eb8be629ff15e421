/**
 * A mock Ollama server speaking its native API, as Ollama 0.12 writes it: POST /api/chat (one
 * JSON answer with `"stream": false`, else NDJSON lines, streaming by default), GET /api/tags,
 * POST /api/show, POST /v1/embeddings, errors as `{"error": "<text>"}`. Run as its own process;
 * it prints `{"port":N}` once listening. Its models (the name picks the behaviour):
 *
 *   llama3.2       answers "Hello from ollama llama3.2" (a word a line); calls the request's first
 *                  tool (arguments as an object, no id) when offered tools, and given the
 *                  result answers "Tool said: <result>"; context 131072; tools
 *   qwen3          the same, thinking first (`message.thinking`) when the request says `think`;
 *                  its calls carry ids; context 40960; tools, thinking
 *   llava          says how many images it got (`images`, base64); context 32768; vision
 *   gemma          context 32768; no tools (a request with tools gets Ollama's 400)
 *   needle         Ollama's truncation: the prompt is cut to num_ctx (2048 when the request sets
 *                  none) by dropping the oldest messages; answers "The code is <code>" when
 *                  the first user message ("... code <code> ...") is still in what it sees,
 *                  else "I do not know the code"; context 65536
 *   long           stops at num_predict with done_reason "length"
 *   error-after-2  streams two lines, then an error object line (and ends)
 *   status-<code>  answers that status with `{"error": ...}`
 *   echo           answers with the JSON of the request it received
 *   anything else  404 `model "<name>" not found, try pulling it first`, as Ollama does
 *
 * Control: GET /__mock/requests lists the requests received; GET /__mock/reset clears them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

interface ModelSpec {
  context: number;
  capabilities: string[];
  arch: string;
}

const MODELS: Record<string, ModelSpec> = {
  'llama3.2:latest': { context: 131072, capabilities: ['completion', 'tools'], arch: 'llama' },
  'qwen3:latest': { context: 40960, capabilities: ['completion', 'tools', 'thinking'], arch: 'qwen3' },
  'llava:latest': { context: 32768, capabilities: ['completion', 'vision'], arch: 'llama' },
  'gemma:latest': { context: 32768, capabilities: ['completion'], arch: 'gemma3' },
  'needle:latest': { context: 65536, capabilities: ['completion'], arch: 'llama' },
  'long:latest': { context: 32768, capabilities: ['completion'], arch: 'llama' },
  'error-after-2:latest': { context: 32768, capabilities: ['completion'], arch: 'llama' },
  'echo:latest': { context: 32768, capabilities: ['completion', 'tools'], arch: 'llama' },
};

/** Ollama's default context when a request sets no num_ctx (older servers: 2048). */
const DEFAULT_NUM_CTX = 2048;

const received: Array<{ method: string; path: string; headers: IncomingMessage['headers']; body: any }> = [];

const fullName = (name: string) => (name.includes(':') ? name : `${name}:latest`);
const specOf = (name: unknown) => (typeof name === 'string' ? MODELS[fullName(name)] : undefined);

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const notFound = (res: ServerResponse, name: unknown) => sendJson(res, 404, { error: `model "${String(name)}" not found, try pulling it first` });

function tags(res: ServerResponse) {
  const models = Object.entries(MODELS).map(([name, spec]) => ({
    name,
    model: name,
    modified_at: '2025-09-01T10:00:00.000000000Z',
    size: 2019393189,
    digest: `${Buffer.from(name).toString('hex').padEnd(64, '0').slice(0, 64)}`,
    details: { parent_model: '', format: 'gguf', family: spec.arch, families: [spec.arch], parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
  }));
  sendJson(res, 200, { models });
}

function show(res: ServerResponse, body: any) {
  const name = body?.model ?? body?.name;
  const spec = specOf(name);
  if (!spec) return notFound(res, name);
  sendJson(res, 200, {
    license: 'mock',
    modelfile: `FROM ${name}`,
    parameters: 'stop "<|eot_id|>"',
    template: '{{ .Prompt }}',
    details: { parent_model: '', format: 'gguf', family: spec.arch, families: [spec.arch], parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
    model_info: { 'general.architecture': spec.arch, 'general.parameter_count': 3212749888, [`${spec.arch}.context_length`]: spec.context, [`${spec.arch}.embedding_length`]: 3072 },
    capabilities: spec.capabilities,
    modified_at: '2025-09-01T10:00:00.000000000Z',
  });
}

/** A line of the answer: what Ollama writes for each piece, `done: false`. */
const piece = (model: string, message: Record<string, unknown>) => ({ model, created_at: '2025-09-01T10:00:01.000000000Z', message: { role: 'assistant', content: '', ...message }, done: false });

/** The messages the model sees once the prompt is cut to num_ctx (chars / 4 tokens), oldest first to go, the system prompt kept. */
function truncated(messages: any[], numCtx: number): any[] {
  const tokens = (m: any) => Math.ceil(String(m.content ?? '').length / 4) + 4;
  const kept = [...messages];
  let total = kept.reduce((n, m) => n + tokens(m), 0);
  while (total > numCtx && kept.length > 1) {
    const at = kept.findIndex((m) => m.role !== 'system');
    if (at < 0 || at === kept.length - 1) break;
    total -= tokens(kept[at]);
    kept.splice(at, 1);
  }
  return kept;
}

interface Turn {
  thinking: string[];
  content: string[];
  toolCalls: any[];
  doneReason: string;
}

/** What the model says to this request, in pieces. */
function turnFor(body: any, model: string): Turn {
  const turn: Turn = { thinking: [], content: [], toolCalls: [], doneReason: 'stop' };
  const messages: any[] = Array.isArray(body.messages) ? body.messages : [];
  const last = messages.at(-1);
  const base = fullName(model);
  const words = (text: string) => text.split(/(?<= )/);
  if (base === 'echo:latest') {
    turn.content = [JSON.stringify(body)];
    return turn;
  }
  if (base === 'qwen3:latest' && body.think !== undefined && body.think !== false) turn.thinking = ['Let me ', 'think.'];
  if (base === 'needle:latest') {
    const seen = truncated(messages, body.options?.num_ctx ?? DEFAULT_NUM_CTX);
    const first = seen.find((m) => m.role === 'user');
    const code = /code (\S+)/.exec(String(first?.content ?? ''))?.[1];
    turn.content = words(code ? `The code is ${code}` : 'I do not know the code');
    return turn;
  }
  if (base === 'llava:latest') {
    const images = messages.reduce((n, m) => n + (Array.isArray(m.images) ? m.images.length : 0), 0);
    turn.content = words(`I see ${images} image${images === 1 ? '' : 's'}`);
    return turn;
  }
  if (base === 'long:latest') {
    const n = body.options?.num_predict ?? 8;
    turn.content = Array.from({ length: n }, (_, i) => `w${i} `);
    turn.doneReason = 'length';
    return turn;
  }
  const tool = Array.isArray(body.tools) ? body.tools[0]?.function : undefined;
  if (tool && last?.role === 'tool') {
    turn.content = words(`Tool said: ${last.content}`);
    return turn;
  }
  if (tool) {
    const call: any = { function: { index: 0, name: tool.name, arguments: { city: 'Paris', days: 2 } } };
    if (base === 'qwen3:latest') call.id = 'call_qwen_1';
    turn.toolCalls = [call];
    return turn;
  }
  turn.content = words(`Hello from ollama ${model}`);
  return turn;
}

function chat(res: ServerResponse, body: any) {
  const model = String(body?.model ?? '');
  const status = /^status-(\d+)$/.exec(model);
  if (status) return sendJson(res, Number(status[1]), { error: `mock ollama failure ${status[1]}` });
  const spec = specOf(model);
  if (!spec) return notFound(res, model);
  if (Array.isArray(body.tools) && body.tools.length && !spec.capabilities.includes('tools')) return sendJson(res, 400, { error: `registry.ollama.ai/library/${fullName(model)} does not support tools` });
  if (body.think === true && !spec.capabilities.includes('thinking')) return sendJson(res, 400, { error: `"${model}" does not support thinking` });
  const turn = turnFor(body, model);
  const promptTokens = Math.ceil(JSON.stringify(body.messages ?? []).length / 4);
  const counts = { total_duration: 1000000, load_duration: 1000, prompt_eval_count: promptTokens, prompt_eval_duration: 1000, eval_count: turn.content.length + turn.thinking.length + turn.toolCalls.length, eval_duration: 1000 };
  if (body.stream === false) {
    const message: Record<string, unknown> = { role: 'assistant', content: turn.content.join('') };
    if (turn.thinking.length) message.thinking = turn.thinking.join('');
    if (turn.toolCalls.length) message.tool_calls = turn.toolCalls;
    return sendJson(res, 200, { model, created_at: '2025-09-01T10:00:01.000000000Z', message, done_reason: turn.doneReason, done: true, ...counts });
  }
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const lines: unknown[] = [
    ...turn.thinking.map((t) => piece(model, { thinking: t })),
    ...turn.content.map((c) => piece(model, { content: c })),
    ...turn.toolCalls.map((call) => piece(model, { tool_calls: [call] })),
  ];
  if (fullName(model) === 'error-after-2:latest') {
    for (const line of [piece(model, { content: 'Hello ' }), piece(model, { content: 'from ' })]) res.write(`${JSON.stringify(line)}\n`);
    res.end(`${JSON.stringify({ error: 'an error was encountered while running the model: unexpected EOF' })}\n`);
    return;
  }
  for (const line of lines) res.write(`${JSON.stringify(line)}\n`);
  res.end(`${JSON.stringify({ model, created_at: '2025-09-01T10:00:02.000000000Z', message: { role: 'assistant', content: '' }, done_reason: turn.doneReason, done: true, ...counts })}\n`);
}

/** Ollama's OpenAI-compatible embeddings: one 3-float vector per input. */
function embeddings(res: ServerResponse, body: any) {
  if (!specOf(body?.model) && body?.model !== 'nomic-embed-text') return notFound(res, body?.model);
  const inputs: unknown[] = Array.isArray(body.input) ? body.input : [body.input];
  sendJson(res, 200, { object: 'list', model: body.model, data: inputs.map((input, i) => ({ object: 'embedding', index: i, embedding: [String(input).length, i, 0.5] })), usage: { prompt_tokens: 3, total_tokens: 3 } });
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = req.url ?? '/';
    if (url === '/__mock/requests') return sendJson(res, 200, received);
    if (url === '/__mock/reset') {
      received.length = 0;
      return sendJson(res, 200, { ok: true });
    }
    let body: any;
    const text = Buffer.concat(chunks).toString('utf8');
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        return sendJson(res, 400, { error: 'invalid character looking for beginning of value' });
      }
    }
    received.push({ method: req.method ?? '', path: url, headers: req.headers, body });
    if (req.method === 'GET' && url === '/api/tags') return tags(res);
    if (req.method === 'POST' && url === '/api/show') return show(res, body);
    if (req.method === 'POST' && url === '/api/chat') return chat(res, body);
    if (req.method === 'POST' && url === '/v1/embeddings') return embeddings(res, body);
    // Ollama's router answers an unknown route with a plain-text 404.
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('404 page not found');
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
