/**
 * One turn of a coding agent, as the Chat Completions body it sends: a long system prompt, 24
 * function tools with the JSON-schema parameters such agents declare, and ~60 messages of
 * assistant tool calls (reads, greps, edits, test runs) and their results (numbered file
 * listings, diffs, test output), ~400 KB in all. Built from a seeded generator, so every run and
 * every target gets the same bytes.
 */

/** mulberry32: a small seeded generator, enough to vary text deterministically. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));

const NOUNS = ['pool', 'request', 'stream', 'chunk', 'config', 'provider', 'model', 'upstream', 'frame', 'deadline', 'budget', 'session', 'token', 'route', 'adapter', 'cooldown', 'limit', 'header', 'signal', 'record'] as const;
const VERBS = ['resolve', 'parse', 'send', 'read', 'write', 'close', 'open', 'check', 'build', 'load', 'apply', 'merge', 'count', 'flush', 'drain', 'retry', 'record', 'format', 'validate', 'translate'] as const;
const TYPES = ['string', 'number', 'boolean', 'Buffer', 'Request', 'Response', 'Pool', 'Config', 'Frame[]', 'Map<string, Pool>', 'AbortSignal', 'unknown'] as const;
const FOLDERS = ['src', 'src/upstream', 'src/stream', 'src/requests', 'src/config', 'routes', 'adapters', 'test/upstream', 'test/stream'] as const;
const WORDS =
  'the a of to and in that is for it as with on be by this are or from at which an not but have has can will if more when so than into only each one all other its same then also where because before after while every most some such these those what how use used make made need keep call read write time first last next'.split(
    ' ',
  );

const camel = (rng: Rng) => `${pick(rng, VERBS)}${pick(rng, NOUNS).replace(/^./, (c) => c.toUpperCase())}`;
const filePath = (rng: Rng) => `${pick(rng, FOLDERS)}/${pick(rng, NOUNS)}-${pick(rng, NOUNS)}.ts`;

function sentence(rng: Rng, words = int(rng, 8, 22)): string {
  const out = Array.from({ length: words }, () => (rng() < 0.12 ? `\`${camel(rng)}\`` : pick(rng, WORDS)));
  out[0] = out[0].replace(/^./, (c) => c.toUpperCase());
  return `${out.join(' ')}${rng() < 0.1 ? ' (see the note above — it matters)' : ''}.`;
}

/** One line of TypeScript-looking source: quotes, regexes, template strings and all. */
function codeLine(rng: Rng, indent: number): string {
  const pad = '  '.repeat(indent);
  const a = camel(rng);
  const b = pick(rng, NOUNS);
  switch (int(rng, 0, 11)) {
    case 0:
      return `${pad}const ${b} = await ${a}(request, { timeoutMs: ${int(rng, 100, 60000)}, signal });`;
    case 1:
      return `${pad}if (!${b}) throw new RelayError("no ${b} for \\"${a}\\"", { status: ${pick(rng, [400, 404, 502, 503])}, code: '${b}_missing' });`;
    case 2:
      return `${pad}// ${sentence(rng, int(rng, 6, 14))}`;
    case 3:
      return `${pad}export function ${a}(${b}: ${pick(rng, TYPES)}, options: { ${pick(rng, NOUNS)}?: ${pick(rng, TYPES)} } = {}): ${pick(rng, TYPES)} {`;
    case 4:
      return `${pad}const match = /^(\\w+)\\/(\\d+)\\s*:\\s*"([^"]*)"$/.exec(${b}.${pick(rng, NOUNS)});`;
    case 5:
      return `${pad}log.info({ ${b}, ms: Date.now() - started }, \`${pick(rng, VERBS)} \${${b}.id} took \${ms} ms\`);`;
    case 6:
      return `${pad}for (const ${b} of ${pick(rng, NOUNS)}s.values()) ${a}(${b});`;
    case 7:
      return `${pad}return { ...${b}, ${pick(rng, NOUNS)}: ${pick(rng, ['null', 'undefined', 'true', 'false', `'${pick(rng, WORDS)}'`, String(int(rng, 0, 999))])} };`;
    case 8:
      return `${pad}import { ${a}, type ${pick(rng, NOUNS).replace(/^./, (c) => c.toUpperCase())} } from '../${pick(rng, NOUNS)}/${pick(rng, NOUNS)}.js';`;
    case 9:
      return `${pad}t.equal(res.statusCode, ${pick(rng, [200, 400, 429, 502])}, '${sentence(rng, int(rng, 4, 9)).replace(/'/g, "\\'")}');`;
    case 10:
      return `${pad}const text = '${pick(rng, WORDS)}\\t${pick(rng, WORDS)}\\n' + JSON.stringify({ "${b}": ${int(rng, 0, 99)} });`;
    default:
      return `${pad}}`;
  }
}

function code(rng: Rng, bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  let indent = 0;
  while (size < bytes) {
    const line = codeLine(rng, indent);
    if (line.endsWith('{')) indent = Math.min(indent + 1, 4);
    else if (line.trim() === '}') indent = Math.max(indent - 1, 0);
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

/** What a read tool answers: the file's lines, numbered. */
function numberedFile(rng: Rng, bytes: number): string {
  const start = int(rng, 1, 200);
  return code(rng, bytes)
    .split('\n')
    .map((line, i) => `${String(start + i).padStart(6)}\t${line}`)
    .join('\n');
}

function grepOutput(rng: Rng, bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const line = `${filePath(rng)}:${int(rng, 1, 900)}:${codeLine(rng, int(rng, 0, 3))}`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

function testOutput(rng: Rng, bytes: number): string {
  const lines = [`> lmrelay@0.1.0 test`, `> tap ${filePath(rng).replace(/^src/, 'test').replace(/\.ts$/, '.test.ts')}`, ''];
  let size = 0;
  let n = 0;
  while (size < bytes) {
    n++;
    const failed = rng() < 0.08;
    const block = failed
      ? [
          `not ok ${n} - ${sentence(rng, int(rng, 4, 10))}`,
          '  ---',
          `  found: ${JSON.stringify({ status: 502, error: { message: `upstream ${pick(rng, NOUNS)} closed`, code: 'upstream_error' } })}`,
          `  wanted: ${JSON.stringify({ status: 200 })}`,
          `  at:`,
          `    fileName: ${filePath(rng)}`,
          `    lineNumber: ${int(rng, 1, 400)}`,
          `  stack: |`,
          `    Test.<anonymous> (${filePath(rng)}:${int(rng, 1, 400)}:${int(rng, 1, 80)})`,
          `  ...`,
        ]
      : [`ok ${n} - ${sentence(rng, int(rng, 4, 10))} # time=${(rng() * 90).toFixed(3)}ms`];
    lines.push(...block);
    size += block.reduce((s, l) => s + l.length + 1, 0);
  }
  lines.push('', `# { total: ${n}, pass: ${n - 1}, fail: 1 }`, '✖ 1 failing test');
  return lines.join('\n');
}

function unifiedDiff(rng: Rng, bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const path = filePath(rng);
    const at = int(rng, 1, 300);
    const hunk = [`diff --git a/${path} b/${path}`, `index ${int(rng, 1e6, 9e6).toString(16)}..${int(rng, 1e6, 9e6).toString(16)} 100644`, `--- a/${path}`, `+++ b/${path}`, `@@ -${at},12 +${at},14 @@`];
    for (let i = 0; i < 14; i++) hunk.push(`${pick(rng, [' ', ' ', ' ', '-', '+', '+'])}${codeLine(rng, int(rng, 0, 3))}`);
    lines.push(...hunk);
    size += hunk.reduce((s, l) => s + l.length + 1, 0);
  }
  return lines.join('\n');
}

function shellOutput(rng: Rng, bytes: number): string {
  const lines = [`$ npx tsc -p tsconfig.json --noEmit`];
  let size = 0;
  while (size < bytes) {
    const line = `${filePath(rng)}(${int(rng, 1, 400)},${int(rng, 1, 80)}): error TS${int(rng, 2300, 2800)}: Property '${pick(rng, NOUNS)}' does not exist on type '${pick(rng, TYPES)}'.`;
    lines.push(line);
    size += line.length + 1;
  }
  lines.push(`Found ${lines.length - 1} errors in ${int(rng, 2, 9)} files.`);
  return lines.join('\n');
}

const str = (description: string, extra: Record<string, unknown> = {}) => ({ type: 'string', description, ...extra });
const num = (description: string, extra: Record<string, unknown> = {}) => ({ type: 'integer', description, ...extra });
const bool = (description: string) => ({ type: 'boolean', description });
const object = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', properties, required, additionalProperties: false, $schema: 'http://json-schema.org/draft-07/schema#' });

/** The 24 tools a coding agent declares, with the kind of parameters and descriptions real ones carry. */
function tools(rng: Rng) {
  const notes = (n: number) => Array.from({ length: n }, () => `- ${sentence(rng)}`).join('\n');
  const tool = (name: string, summary: string, parameters: Record<string, unknown>) => ({
    type: 'function',
    function: { name, description: `${summary}\n\nUsage notes:\n${notes(int(rng, 3, 8))}`, parameters },
  });
  const path = str('The absolute path to the file (must be inside the workspace, not relative)');
  return [
    tool('read_file', 'Reads a file from the local filesystem and returns its lines, numbered from 1.', object({ file_path: path, offset: num('The line number to start reading from', { minimum: 1 }), limit: num('The number of lines to read', { minimum: 1, maximum: 2000 }) }, ['file_path'])),
    tool('write_file', 'Writes a file to the local filesystem, replacing it if it exists.', object({ file_path: path, content: str('The content to write to the file') }, ['file_path', 'content'])),
    tool('edit_file', 'Performs an exact string replacement in a file. The edit fails if old_string is not unique unless replace_all is set.', object({ file_path: path, old_string: str('The text to replace'), new_string: str('The text to replace it with (must differ from old_string)'), replace_all: bool('Replace every occurrence of old_string (default false)') }, ['file_path', 'old_string', 'new_string'])),
    tool('multi_edit', 'Makes several edits to one file in one operation; edits are applied in order, each on the result of the previous one.', object({ file_path: path, edits: { type: 'array', minItems: 1, description: 'Array of edit operations to perform sequentially on the file', items: object({ old_string: str('The text to replace'), new_string: str('The text to replace it with'), replace_all: bool('Replace all occurrences') }, ['old_string', 'new_string']) } }, ['file_path', 'edits'])),
    tool('list_directory', 'Lists files and directories in a given path, optionally recursing.', object({ path, depth: num('How many levels to descend', { minimum: 1, maximum: 5 }), ignore: { type: 'array', items: { type: 'string' }, description: 'List of glob patterns to ignore' } }, ['path'])),
    tool('glob', 'Fast file pattern matching that works with any codebase size; returns matching paths sorted by modification time.', object({ pattern: str('The glob pattern to match files against, e.g. "src/**/*.ts"'), path: str('The directory to search in; defaults to the workspace root') }, ['pattern'])),
    tool('grep', 'A powerful search tool built on ripgrep: full regex syntax, file type and glob filters, several output modes.', object({ pattern: str('The regular expression pattern to search for in file contents'), path: str('File or directory to search in'), glob: str('Glob pattern to filter files (e.g. "*.js", "*.{ts,tsx}")'), type: str('File type to search (js, py, rust, go, java, ...)'), output_mode: str('Output mode', { enum: ['content', 'files_with_matches', 'count'] }), '-i': bool('Case insensitive search'), '-n': bool('Show line numbers in output'), '-A': num('Number of lines to show after each match'), '-B': num('Number of lines to show before each match'), '-C': num('Number of lines to show before and after each match'), multiline: bool('Enable multiline mode where . matches newlines'), head_limit: num('Limit output to the first N lines or entries') }, ['pattern'])),
    tool('bash', 'Executes a bash command in a persistent shell session with an optional timeout, with proper handling and security measures.', object({ command: str('The command to execute'), timeout: num('Optional timeout in milliseconds (max 600000)', { maximum: 600000 }), description: str('Clear, concise description of what this command does in 5-10 words'), run_in_background: bool('Run this command in the background; read its output with bash_output') }, ['command'])),
    tool('bash_output', 'Retrieves output from a running or completed background bash shell.', object({ shell_id: str('The ID of the background shell to retrieve output from'), filter: str('Optional regular expression to filter the output lines') }, ['shell_id'])),
    tool('kill_shell', 'Kills a running background bash shell by its ID.', object({ shell_id: str('The ID of the background shell to kill') }, ['shell_id'])),
    tool('git_status', 'Shows the working tree status: staged, unstaged and untracked files.', object({ porcelain: bool('Machine-readable output') })),
    tool('git_diff', 'Shows changes between the working tree, the index and commits.', object({ staged: bool('Show staged changes instead of unstaged ones'), paths: { type: 'array', items: { type: 'string' }, description: 'Limit the diff to these paths' }, context_lines: num('Lines of context around each change', { minimum: 0, maximum: 20 }) })),
    tool('git_log', 'Shows commit logs.', object({ max_count: num('Limit the number of commits', { minimum: 1, maximum: 200 }), path: str('Only commits that touch this path'), format: str('Pretty format', { enum: ['oneline', 'short', 'full'] }) })),
    tool('git_commit', 'Records changes to the repository with a message; stages the given paths first.', object({ message: str('The commit message (what changed and why)'), paths: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Paths to stage' }, amend: bool('Amend the previous commit instead') }, ['message'])),
    tool('run_tests', 'Runs the project\'s test files and returns the TAP output, failing assertions first.', object({ files: { type: 'array', items: { type: 'string' }, description: 'Test files to run; all when empty' }, grep: { type: 'array', items: { type: 'string' }, description: 'Only tests whose name matches' }, timeout_seconds: num('Per-file timeout', { minimum: 1, maximum: 600 }), update_snapshots: bool('Write new snapshots instead of comparing') })),
    tool('typecheck', 'Runs the TypeScript compiler without emitting and returns its diagnostics.', object({ project: str('Path to the tsconfig.json to use'), files: { type: 'array', items: { type: 'string' } } })),
    tool('lint', 'Runs the linter on the given paths and returns its findings.', object({ paths: { type: 'array', items: { type: 'string' }, minItems: 1 }, fix: bool('Apply automatic fixes'), rules: { type: 'object', additionalProperties: { type: 'string', enum: ['off', 'warn', 'error'] }, description: 'Rule overrides' } }, ['paths'])),
    tool('web_fetch', 'Fetches content from a URL and processes it with a prompt; HTML is converted to markdown.', object({ url: str('The URL to fetch content from', { format: 'uri' }), prompt: str('The prompt to run on the fetched content') }, ['url', 'prompt'])),
    tool('web_search', 'Searches the web and returns results with titles, links and snippets.', object({ query: str('The search query to use', { minLength: 2 }), allowed_domains: { type: 'array', items: { type: 'string' }, description: 'Only include results from these domains' }, blocked_domains: { type: 'array', items: { type: 'string' }, description: 'Never include results from these domains' } }, ['query'])),
    tool('todo_write', 'Creates and manages a structured task list for the current session; mark tasks completed as soon as they are done.', object({ todos: { type: 'array', description: 'The updated todo list', items: object({ content: str('What is to be done', { minLength: 1 }), status: str('Task state', { enum: ['pending', 'in_progress', 'completed'] }), activeForm: str('The task in present continuous form', { minLength: 1 }) }, ['content', 'status', 'activeForm']) } }, ['todos'])),
    tool('ask_user', 'Asks the user a question when a decision cannot be made from the code and the task alone.', object({ question: str('The question, with the options and their trade-offs'), options: { type: 'array', items: object({ label: str('Short label'), description: str('What choosing it means') }, ['label']), maxItems: 4 } }, ['question'])),
    tool('notebook_edit', 'Replaces, inserts or deletes a cell of a Jupyter notebook.', object({ notebook_path: path, cell_id: str('The ID of the cell to edit'), new_source: str('The new source for the cell'), cell_type: str('The type of the cell', { enum: ['code', 'markdown'] }), edit_mode: str('The type of edit to make', { enum: ['replace', 'insert', 'delete'] }) }, ['notebook_path', 'new_source'])),
    tool('task', 'Launches a sub-agent to handle a complex, multi-step task on its own and report back once.', object({ description: str('A short (3-5 word) description of the task'), prompt: str('The task for the agent to perform'), subagent_type: str('The type of specialised agent to use', { enum: ['general-purpose', 'explore', 'review'] }) }, ['description', 'prompt', 'subagent_type'])),
    tool('exit_plan_mode', 'Presents the plan to the user for approval before any file is changed.', object({ plan: str('The plan, as concise markdown') }, ['plan'])),
  ];
}

interface Step {
  /** The assistant's calls in this step (parallel calls when more than one). */
  calls: Array<{ name: string; args: (rng: Rng) => Record<string, unknown>; result: (rng: Rng, bytes: number) => string; weight: number }>;
}

const read = { name: 'read_file', args: (rng: Rng) => ({ file_path: `/work/lmrelay/${filePath(rng)}`, offset: 1, limit: 400 }), result: numberedFile, weight: 10 };
const search = { name: 'grep', args: (rng: Rng) => ({ pattern: `${pick(rng, VERBS)}\\w*\\(`, path: 'src', output_mode: 'content', '-n': true, head_limit: 200 }), result: grepOutput, weight: 4 };
const test = { name: 'run_tests', args: (rng: Rng) => ({ files: [filePath(rng).replace(/^src/, 'test').replace(/\.ts$/, '.test.ts')] }), result: testOutput, weight: 5 };
const edit = { name: 'edit_file', args: (rng: Rng) => ({ file_path: `/work/lmrelay/${filePath(rng)}`, old_string: code(rng, int(rng, 300, 1500)), new_string: code(rng, int(rng, 400, 2000)) }), result: (rng: Rng) => `The file ${filePath(rng)} has been updated.`, weight: 0 };
const write = { name: 'write_file', args: (rng: Rng) => ({ file_path: `/work/lmrelay/${filePath(rng)}`, content: code(rng, int(rng, 2500, 6000)) }), result: (rng: Rng) => `File created successfully at: /work/lmrelay/${filePath(rng)}`, weight: 0 };
const diff = { name: 'git_diff', args: () => ({ staged: false }), result: unifiedDiff, weight: 4 };
const check = { name: 'typecheck', args: () => ({ project: 'tsconfig.json' }), result: shellOutput, weight: 2 };
const todos = { name: 'todo_write', args: (rng: Rng) => ({ todos: Array.from({ length: 5 }, (_, i) => ({ content: sentence(rng, 8), status: i < 2 ? 'completed' : i === 2 ? 'in_progress' : 'pending', activeForm: sentence(rng, 6) })) }), result: () => 'Todos have been modified successfully.', weight: 0 };

/** The turn's script: which tools the assistant calls, step by step (some steps in parallel). */
const SCRIPT: Step[] = [
  { calls: [todos] },
  { calls: [search, search] },
  { calls: [read] },
  { calls: [read, read] },
  { calls: [search] },
  { calls: [read] },
  { calls: [test] },
  { calls: [read] },
  { calls: [edit] },
  { calls: [test] },
  { calls: [read, search] },
  { calls: [edit] },
  { calls: [check] },
  { calls: [edit] },
  { calls: [todos] },
  { calls: [write] },
  { calls: [test] },
  { calls: [read] },
  { calls: [edit, edit] },
  { calls: [test, check] },
  { calls: [read] },
  { calls: [diff] },
  { calls: [search] },
  { calls: [edit] },
  { calls: [test] },
  { calls: [diff] },
];

/** Builds the body once; `stream` only adds `"stream":true`. Size within a few % of `targetBytes`. */
export function agentTurnBody(options: { model: string; stream: boolean; targetBytes?: number }): string {
  const target = options.targetBytes ?? 400 * 1024;
  // Two passes: the first learns how much the fixed parts and JSON escaping take.
  let budget = target;
  let body = '';
  for (let pass = 0; pass < 2; pass++) {
    body = build(options.model, options.stream, budget);
    budget = Math.max(1024, budget + (target - body.length));
  }
  return body;
}

function build(model: string, stream: boolean, budget: number): string {
  const rng = seeded(0x5eed);
  const system = [
    'You are an expert software engineer working in the user\'s repository through the tools below.',
    ...Array.from({ length: 90 }, () => sentence(rng)),
    `# Environment\nWorking directory: /work/lmrelay\nPlatform: linux\nToday's date: 2026-11-25\nIs a git repository: true`,
  ].join('\n');
  const toolList = tools(rng);
  const weights = SCRIPT.flatMap((s) => s.calls.map((c) => c.weight));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  // The results share whatever the budget leaves after the fixed parts (~100 KB).
  const fixed = 100 * 1024;
  const perWeight = Math.max(0, budget - fixed) / totalWeight;
  const messages: unknown[] = [
    { role: 'system', content: system },
    { role: 'user', content: `The 502s under load come back: ${sentence(rng, 30)} Find where streams queue, fix it, and add a test that fails before the fix.` },
  ];
  let callId = 0;
  for (const step of SCRIPT) {
    const calls = step.calls.map((c) => ({ id: `call_${(++callId).toString(36).padStart(8, '0')}${int(rng, 1e5, 9e5)}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args(rng)) } }));
    messages.push({ role: 'assistant', content: rng() < 0.6 ? sentence(rng, int(rng, 10, 40)) : null, tool_calls: calls });
    step.calls.forEach((c, i) => messages.push({ role: 'tool', tool_call_id: calls[i].id, content: c.result(rng, Math.round(c.weight * perWeight)) }));
  }
  messages.push({ role: 'user', content: 'Also keep the README in step with what you changed.' });
  return JSON.stringify({ model, messages, tools: toolList, tool_choice: 'auto', temperature: 0.2, max_tokens: 4096, ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) });
}

/** `node --import tsx bench/agent-turn.ts`: what the body holds. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const body = agentTurnBody({ model: 'bench/bench', stream: false });
  const parsed = JSON.parse(body);
  console.log({ bytes: body.length, utf8Bytes: Buffer.byteLength(body), messages: parsed.messages.length, tools: parsed.tools.length, toolCalls: parsed.messages.reduce((n: number, m: { tool_calls?: unknown[] }) => n + (m.tool_calls?.length ?? 0), 0) });
}
