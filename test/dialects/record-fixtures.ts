/**
 * Records the fixtures of the dialect unit tests: real answers of llama.cpp (../shared/llama)
 * and of the mock upstream (tool calls, thinking, reasoning: what the tiny model cannot do),
 * plain and streamed, byte for byte as the servers wrote them.
 *
 *   node --import tsx test/dialects/record-fixtures.ts
 *
 * Writes test/dialects/<api>/<source>-<what>.{json,sse}. Run again after changing the mock or
 * the pinned llama.cpp; the tests read the files, not the servers.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startLlama } from '../helpers/llama.js';
import { startMock } from '../helpers/mock.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

async function record(file: string, url: string, method: 'GET' | 'POST', body?: unknown, headers: Record<string, string> = {}): Promise<void> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  if (res.status !== 200) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  writeFileSync(here(file), await res.text());
  console.log(`wrote ${file}`);
}

const llama = await startLlama();
if (typeof llama === 'string') throw new Error(llama);
const mock = await startMock('openai');
try {
  const anthropic = { 'x-api-key': 'recording', 'anthropic-version': '2023-06-01' };
  const hi = [{ role: 'user', content: 'Write a line.' }];
  const weather = { name: 'weather', description: 'Weather in a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };

  // anthropic-messages
  const messages = { model: 'tiny', max_tokens: 12, temperature: 0, messages: hi };
  await record('anthropic-messages/llama-message.json', `${llama.baseUrl}/messages`, 'POST', messages, anthropic);
  await record('anthropic-messages/llama-stream.sse', `${llama.baseUrl}/messages`, 'POST', { ...messages, stream: true }, anthropic);
  const tool = { model: 'tool', max_tokens: 64, messages: hi, tools: [weather] };
  await record('anthropic-messages/mock-tool-message.json', `${mock.baseUrl}/messages`, 'POST', tool, anthropic);
  await record('anthropic-messages/mock-tool-stream.sse', `${mock.baseUrl}/messages`, 'POST', { ...tool, stream: true }, anthropic);
  await record('anthropic-messages/mock-thinking-stream.sse', `${mock.baseUrl}/messages`, 'POST', { model: 'thinking', max_tokens: 64, messages: hi, stream: true }, anthropic);
  await record('anthropic-messages/llama-models.json', `${llama.baseUrl}/models`, 'GET', undefined, anthropic);

  // openai-responses
  const responses = { model: 'tiny', input: 'Write a line.', max_output_tokens: 16, temperature: 0 };
  await record('openai-responses/llama-response.json', `${llama.baseUrl}/responses`, 'POST', responses);
  await record('openai-responses/llama-stream.sse', `${llama.baseUrl}/responses`, 'POST', { ...responses, stream: true });
  const fn = { type: 'function', name: 'weather', parameters: weather.input_schema };
  await record('openai-responses/mock-tool-response.json', `${mock.baseUrl}/responses`, 'POST', { model: 'tool', input: 'Weather in Paris?', tools: [fn] });
  await record('openai-responses/mock-tool-stream.sse', `${mock.baseUrl}/responses`, 'POST', { model: 'tool', input: 'Weather in Paris?', tools: [fn], stream: true });
  await record('openai-responses/mock-reasoning-stream.sse', `${mock.baseUrl}/responses`, 'POST', { model: 'reasoning', input: 'Think.', stream: true });

  // openai-completions
  const chat = { model: 'tiny', max_tokens: 12, temperature: 0, messages: hi };
  await record('openai-completions/llama-completion.json', `${llama.baseUrl}/chat/completions`, 'POST', chat);
  await record('openai-completions/llama-stream.sse', `${llama.baseUrl}/chat/completions`, 'POST', { ...chat, stream: true });
  await record('openai-completions/llama-models.json', `${llama.baseUrl}/models`, 'GET');
} finally {
  await Promise.all([llama.close(), mock.close()]);
}
