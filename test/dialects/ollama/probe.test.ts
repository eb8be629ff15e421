/** Ollama's /api/tags and /api/show, read by dialects/ollama/probe.ts; its transport and errors. */
import t from 'tap';
import { parseShow, parseTags } from '../../../dialects/ollama/probe.js';
import { ollamaChatTransport } from '../../../dialects/ollama/transport.js';
import { ollamaErrorCode } from '../../../dialects/ollama/errors.js';
import { Frame } from '../../../core/frame.js';
import { fixtureJson } from '../fixtures.js';

t.test('/api/tags: names (and without ":latest"), digests as versions; entries without a name skipped', async (t) => {
  const models = parseTags(fixtureJson('ollama/tags.json'));
  t.same(models.map((m) => [m.id, m.aliases]), [['llama3.2:latest', ['llama3.2']], ['qwen3:8b', undefined], ['no-name:latest', ['no-name']]]);
  t.equal(models[0].version, 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72');
  t.same(parseTags({ data: [] }), []);
  t.same(parseTags(null), []);
});

t.test('/api/show: the architecture\'s context length, and the capabilities', async (t) => {
  t.same(parseShow(fixtureJson('ollama/show.json')), { contextWindow: 131072, capabilities: { tools: true, vision: false, thinking: false } });
  t.same(parseShow({ model_info: { 'gemma3.context_length': 8192 }, capabilities: ['completion', 'vision', 'thinking'] }), { contextWindow: 8192, capabilities: { tools: false, vision: true, thinking: true } });
  t.same(parseShow({ model_info: { 'general.architecture': 'x', 'x.context_length': 'big' } }), { contextWindow: undefined, capabilities: undefined }, 'nonsense is nothing');
  t.same(parseShow('garbage'), { contextWindow: undefined, capabilities: undefined });
});

t.test('the transport: /api/chat, NDJSON, done lines end a stream, error texts to codes', async (t) => {
  t.equal(ollamaChatTransport.path({ upstreamModel: 'm', reasoning: false }, true), '/api/chat');
  t.equal(ollamaChatTransport.framing, 'ndjson');
  t.ok(ollamaChatTransport.streamFinished([new Frame('{"done":false}'), new Frame('{"done":true}')]));
  t.notOk(ollamaChatTransport.streamFinished([new Frame('{"done":false}')]));
  t.equal(ollamaChatTransport.invalidAnswer({ message: { role: 'assistant', content: '' }, done: true }), undefined);
  t.match(ollamaChatTransport.invalidAnswer({ choices: [] }), /not an Ollama chat answer/);
  t.equal(ollamaErrorCode(404, 'model "llama3" not found, try pulling it first'), 'model_not_found');
  t.equal(ollamaErrorCode(404, "model 'llama3' not found"), 'model_not_found');
  t.equal(ollamaErrorCode(404, '404 page not found'), undefined, 'a missing route is no missing model');
  t.equal(ollamaErrorCode(400, 'registry.ollama.ai/library/gemma:2b does not support tools'), 'unsupported_tool');
  t.equal(ollamaErrorCode(400, '"llama3.2" does not support thinking'), 'unsupported_parameter');
  t.equal(ollamaErrorCode(500, 'llama runner process has terminated'), undefined);
});
