import t from 'tap';
import { ConfigError, parseConfigText, loadConfigFile, BUILTIN_SOURCE } from '../../src/config/load.js';

const problemsOf = (text: string, env: NodeJS.ProcessEnv = {}) => {
  try {
    parseConfigText(text, 'test', env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

t.test('every error names its path', async (t) => {
  t.same(problemsOf(`{ models: { providers: { vllm: { baseUrl: "http://127.0.0.1:8000/v1", timeoutSeconds: "30" } } } }`), [
    'models.providers.vllm.timeoutSeconds: expected number, received string',
  ]);
  const typo = problemsOf(`{ models: { providers: { vllm: { baseUrl: "http://x:1/v1", timeoutSecond: 3 } } } }`);
  t.match(typo[0], /^models\.providers\.vllm: unknown key "timeoutSecond"/);
  const badUrl = problemsOf(`{ models: { providers: { vllm: { baseUrl: "ftp://x" } } } }`);
  t.match(badUrl[0], /^models\.providers\.vllm\.baseUrl:/);
  const badRef = problemsOf(`{ models: { providers: { a: { baseUrl: "http://127.0.0.1:1/v1" } } }, agents: { defaults: { model: { primary: "b/m" } } } }`);
  t.match(badRef[0], /^agents\.defaults\.model\.primary: "b\/m" names no configured provider/);
  const unlisted = problemsOf(`{ models: { providers: { a: { baseUrl: "http://127.0.0.1:1/v1", models: [{ id: "m" }] } } }, agents: { defaults: { models: { "a/other": { alias: "O" } } } } }`);
  t.match(unlisted[0], /^agents\.defaults\.models\["a\/other"\]: "a\/other" is not among models\.providers\.a\.models/);
  t.match(problemsOf('{ not json5')[0], /not valid JSON5/);
});

t.test('${ENV} is read from the environment; a missing one is named', async (t) => {
  const text = `{ models: { providers: { oa: { baseUrl: "https://api.example.com/v1", apiKey: "\${OA_KEY}", models: [{ id: "m" }] } } } }`;
  const loaded = parseConfigText(text, 'test', { OA_KEY: 'sk-test' });
  t.equal(loaded.catalog.providers.get('oa')!.headers.authorization, 'Bearer sk-test');
  t.same(problemsOf(text), ['models.providers.oa.apiKey: environment variable OA_KEY is not set']);
});

t.test('refs: ids with slashes, aliases, default, bare ids, chains', async (t) => {
  const { catalog, config } = parseConfigText(
    `{
      models: { mode: "merge", providers: {
        mlx: { baseUrl: "http://127.0.0.1:8080/v1", api: "openai-completions", models: [{ id: "mlx-community/Qwen3-30B-A3B-6bit", contextWindow: 40960 }] },
        lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-responses", models: [] },
      } },
      agents: { defaults: {
        model: { primary: "mlx/mlx-community/Qwen3-30B-A3B-6bit", fallbacks: ["lmstudio/openai/gpt-oss-20b", "mlx/mlx-community/Qwen3-30B-A3B-6bit"] },
        models: { "lmstudio/openai/gpt-oss-20b": { alias: "Local", fallbacks: [] } },
      } },
    }`,
    'test',
    {},
  );
  t.equal(config.server.port, 4000, 'defaults filled');
  t.ok(Object.isFrozen(config.models.providers), 'frozen');
  const mlx = catalog.resolve('mlx/mlx-community/Qwen3-30B-A3B-6bit')!;
  t.equal(mlx.provider.id, 'mlx');
  t.equal(mlx.upstreamModel, 'mlx-community/Qwen3-30B-A3B-6bit');
  t.equal(catalog.resolve('default')?.ref, mlx.ref);
  t.equal(catalog.resolve(undefined)?.ref, mlx.ref);
  t.equal(catalog.resolve('Local')?.upstreamModel, 'openai/gpt-oss-20b');
  t.equal(catalog.resolve('mlx-community/Qwen3-30B-A3B-6bit')?.ref, mlx.ref, 'bare id listed by one provider');
  t.equal(catalog.resolve('lmstudio/anything/else')?.upstreamModel, 'anything/else', 'open provider takes any id');
  t.equal(catalog.resolve('mlx/unknown'), undefined, 'a provider with a list serves only its list');
  t.same(catalog.chainFor(mlx).map((x) => x.ref), [mlx.ref, 'lmstudio/openai/gpt-oss-20b'], 'duplicates dropped');
  t.same(catalog.chainFor(catalog.resolve('Local')!).map((x) => x.ref), ['lmstudio/openai/gpt-oss-20b'], 'own fallbacks win');
});

t.test('embedding chains: agents.defaults.embeddingModel, else the models of kind "embedding"', async (t) => {
  const providers = `models: { mode: "replace", providers: {
    llamacpp: { baseUrl: "http://127.0.0.1:8081/v1", models: [{ id: "nomic", kind: "embedding", contextWindow: 512 }, { id: "qwen", kind: "chat" }] },
    ollama: { baseUrl: "http://127.0.0.1:11434/v1", models: [] },
    vllm: { baseUrl: "http://127.0.0.1:8000/v1", models: [{ id: "bge", kind: "embedding" }] },
  } }`;
  const explicit = parseConfigText(
    `{ ${providers}, agents: { defaults: {
      model: { primary: "llamacpp/qwen", fallbacks: ["ollama/llama3"] },
      embeddingModel: { primary: "ollama/nomic-embed-text", fallbacks: ["llamacpp/nomic"] },
    } } }`,
    'test',
    {},
  ).catalog;
  t.same(explicit.warnings, [], 'a small window on an embedding model is no chat context problem');
  t.same(explicit.errors, []);
  t.equal(explicit.resolve('default')?.ref, 'llamacpp/qwen');
  const primary = explicit.resolve('default', 'embedding')!;
  t.equal(primary.ref, 'ollama/nomic-embed-text');
  t.same(explicit.chainFor(primary, 'embedding').map((x) => x.ref), ['ollama/nomic-embed-text', 'llamacpp/nomic']);
  t.same(explicit.chainFor(explicit.resolve('vllm/bge')!, 'embedding').map((x) => x.ref), ['vllm/bge', 'llamacpp/nomic'], 'any model takes the embedding fallbacks');
  t.same(explicit.chainFor(explicit.resolve('vllm/bge')!).map((x) => x.ref), ['vllm/bge', 'ollama/llama3'], 'and the chat ones on chat routes');

  const implicit = parseConfigText(`{ ${providers} }`, 'test', {}).catalog;
  const first = implicit.resolve(undefined, 'embedding')!;
  t.equal(first.ref, 'llamacpp/nomic', 'the first model of kind "embedding"');
  t.same(implicit.chainFor(first, 'embedding').map((x) => x.ref), ['llamacpp/nomic', 'vllm/bge']);
  t.equal(implicit.resolve(undefined), undefined, 'no chat primary made up');

  const crossed = parseConfigText(
    `{ ${providers}, agents: { defaults: { model: { primary: "llamacpp/nomic" }, embeddingModel: { primary: "vllm/bge", fallbacks: ["llamacpp/qwen"] } } } }`,
    'test',
    {},
  ).catalog;
  t.same(crossed.warnings, [
    'agents.defaults.model: llamacpp/nomic is of kind "embedding", so it cannot serve chat requests',
    'agents.defaults.embeddingModel: llamacpp/qwen is of kind "chat", so it cannot serve embedding requests',
  ]);
  t.same(problemsOf(`{ ${providers}, agents: { defaults: { embeddingModel: { primary: "nope/x", fallbacks: ["vllm/other"] } } } }`), [
    'agents.defaults.embeddingModel.primary: "nope/x" names no configured provider (write provider/model-id)',
    'agents.defaults.embeddingModel.fallbacks[0]: "vllm/other" is not among models.providers.vllm.models',
  ]);
  t.match(problemsOf(`{ ${providers.replace('kind: "chat"', 'kind: "vision"')} }`)[0], /^models\.providers\.llamacpp\.models\[1\]\.kind:/);
});

t.test('rerank chains: agents.defaults.rerankModel, else the models of kind "rerank"; a model may set its own first-token timeout', async (t) => {
  const providers = `models: { mode: "replace", providers: {
    llamacpp: { baseUrl: "http://127.0.0.1:8083/v1", firstTokenTimeoutSeconds: 30, models: [{ id: "bge-reranker", kind: "rerank", contextWindow: 512 }, { id: "coder", firstTokenTimeoutSeconds: 0.25 }] },
    vllm: { baseUrl: "http://127.0.0.1:8000/v1", models: [{ id: "jina-reranker", kind: "rerank" }] },
  } }`;
  const implicit = parseConfigText(`{ ${providers} }`, 'test', {}).catalog;
  t.same(implicit.warnings, [], 'a small window on a rerank model is no chat context problem');
  const first = implicit.resolve(undefined, 'rerank')!;
  t.equal(first.ref, 'llamacpp/bge-reranker');
  t.same(implicit.chainFor(first, 'rerank').map((x) => x.ref), ['llamacpp/bge-reranker', 'vllm/jina-reranker']);
  t.equal(implicit.resolve(undefined, 'embedding'), undefined, 'rerank models are not embedding defaults');
  t.equal(implicit.resolve('llamacpp/coder')!.timeouts.firstTokenMs, 250, 'the model own, in milliseconds');
  t.equal(first.timeouts.firstTokenMs, 30_000, 'else the provider one');

  const explicit = parseConfigText(`{ ${providers}, agents: { defaults: { rerankModel: { primary: "vllm/jina-reranker", fallbacks: ["llamacpp/coder"] } } } }`, 'test', {}).catalog;
  t.same(explicit.chainFor(explicit.resolve('default', 'rerank')!, 'rerank').map((x) => x.ref), ['vllm/jina-reranker', 'llamacpp/coder']);
  t.same(explicit.warnings, []);
  t.same(problemsOf(`{ ${providers}, agents: { defaults: { rerankModel: { fallbacks: ["llamacpp/nope"] } } } }`), [
    'agents.defaults.rerankModel.fallbacks[0]: "llamacpp/nope" is not among models.providers.llamacpp.models',
  ]);
  const crossed = parseConfigText(`{ ${providers}, agents: { defaults: { model: { primary: "vllm/jina-reranker" } } } }`, 'test', {});
  t.same(crossed.catalog.warnings, ['agents.defaults.model: vllm/jina-reranker is of kind "rerank", so it cannot serve chat requests']);
  t.match(problemsOf(`{ ${providers.replace('0.25', '0')} }`)[0], /^models\.providers\.llamacpp\.models\[1\]\.firstTokenTimeoutSeconds:/);
});

t.test('an alias may be a list: several names for one model (Claude Code main and small model names)', async (t) => {
  const { catalog } = parseConfigText(
    `{ models: { providers: { local: { baseUrl: "http://127.0.0.1:8080/v1", models: [{ id: "qwen" }, { id: "small" }] } } },
       agents: { defaults: { models: { "local/qwen": { alias: ["claude-sonnet-4-6", "claude-opus-4-7"] }, "local/small": { alias: "claude-haiku-4-5-20251001" } } } } }`,
    'test',
    {},
  );
  t.equal(catalog.resolve('claude-sonnet-4-6')?.ref, 'local/qwen');
  t.equal(catalog.resolve('claude-opus-4-7')?.ref, 'local/qwen');
  t.equal(catalog.resolve('claude-haiku-4-5-20251001')?.ref, 'local/small');
  t.same(catalog.aliasEntries(), [['claude-sonnet-4-6', 'local/qwen'], ['claude-opus-4-7', 'local/qwen'], ['claude-haiku-4-5-20251001', 'local/small']]);
  const taken = problemsOf(
    `{ models: { providers: { local: { baseUrl: "http://127.0.0.1:8080/v1", models: [{ id: "a" }, { id: "b" }] } } },
       agents: { defaults: { models: { "local/a": { alias: ["x", "y"] }, "local/b": { alias: ["y"] } } } } }`,
  );
  t.same(taken, ['agents.defaults.models["local/b"].alias: "y" is already the alias of local/a']);
  t.match(problemsOf(`{ agents: { defaults: { models: { "a/b": { alias: [] } } } } }`)[0], /^agents\.defaults\.models\["a\/b"\]\.alias/);
});

t.test('the built-in default targets the usual local ports', async (t) => {
  const { catalog } = loadConfigFile(BUILTIN_SOURCE, {});
  const ports = [...catalog.providers.values()].map((p) => `${p.id}:${new URL(p.origin).port}:${p.api}`);
  t.same(ports, ['lmstudio:1234:openai-responses', 'ollama:11434:ollama', 'vllm:8000:openai-completions', 'llamacpp:8080:openai-completions']);
});

t.test('unknown keys are refused at every level, with the nearest known key', async (t) => {
  t.same(problemsOf('{ modles: { providers: {} } }'), ['(root): unknown key "modles" (did you mean "models"?)']);
  t.same(problemsOf('{ sever: { port: 1 }, agent: {} }'), ['(root): unknown key "sever" (did you mean "server"?)', '(root): unknown key "agent" (did you mean "agents"?)']);
  t.same(problemsOf('{ models: { mdoe: "merge" } }'), ['models: unknown key "mdoe" (did you mean "mode"?)']);
  t.same(problemsOf('{ agents: { defaults: { model: { primary: "a/b", fallback: [] } } } }'), ['agents.defaults.model: unknown key "fallback" (did you mean "fallbacks"?)']);
  t.same(problemsOf('{ agents: { defaults: { workspace: "~/w" } } }'), ['agents.defaults: unknown key "workspace" (known keys here: model, embeddingModel, rerankModel, models, contextGuard, experimental)']);
  t.same(problemsOf('{ agents: { defualts: {} } }'), ['agents: unknown key "defualts" (did you mean "defaults"?)']);
  t.same(problemsOf('{ agents: { defaults: { experimental: { localModelLeen: true } } } }'), ['agents.defaults.experimental: unknown key "localModelLeen" (did you mean "localModelLean"?)']);
  t.same(problemsOf('{ server: { apiKeys: [{ key: "k-0123456789abc", nmae: "team" }] } }'), ['server.apiKeys[0]: unknown key "nmae" (did you mean "name"?)']);
  t.same(
    problemsOf('{ models: { providers: { a: { baseUrl: "http://127.0.0.1:1/v1", models: [{ id: "m", compat: { requireStringContent: true } }] } } } }'),
    ['models.providers.a.models[0].compat: unknown key "requireStringContent" (did you mean "requiresStringContent"?)'],
  );
  t.same(problemsOf('{ Server: {} }'), ['(root): unknown key "Server" (did you mean "server"?)'], 'case');
});

t.test('LMRELAY_HOST is the address only when the file sets none', async (t) => {
  const host = (text: string, env: NodeJS.ProcessEnv) => parseConfigText(text, 'test', env).config.server.host;
  t.equal(host('{}', { LMRELAY_HOST: '0.0.0.0' }), '0.0.0.0');
  t.equal(host('{ server: { port: 4001 } }', { LMRELAY_HOST: '::' }), '::');
  t.equal(host('{ server: { host: "127.0.0.1" } }', { LMRELAY_HOST: '0.0.0.0' }), '127.0.0.1', 'the file wins');
  t.equal(host('{}', {}), '127.0.0.1', 'loopback by default');
});

t.test('the parsed config carries every default, and the catalog goes by it', async (t) => {
  const { config, catalog } = parseConfigText('{ models: { mode: "replace", providers: { v: { baseUrl: "http://127.0.0.1:8000/v1", models: [{ id: "m" }] } } } }', 'test', {});
  t.match(config.models.providers.v, { timeoutSeconds: 300, connectTimeoutSeconds: 10, api: 'openai-completions' });
  t.same(config.agents.defaults.contextGuard, { refuseBelow: 16_000, warnBelow: 32_000 });
  t.same(config.agents.defaults.experimental, { localModelLean: false, leanDropTools: ['browser', 'cron', 'message'] });
  t.match(config.server, { bodyLimitBytes: 16 * 1024 * 1024, requestTimeoutSeconds: 60, readinessProbeSeconds: 15 });
  t.match(catalog.providers.get('v')!.timeouts, { totalMs: 300_000, connectMs: 10_000 });
  t.equal(catalog.contextGuard, config.agents.defaults.contextGuard, 'the guard is the config\'s own');

  const set = parseConfigText(
    `{ state: { redis: { url: "redis://127.0.0.1:1" } }, agents: { defaults: { contextGuard: { refuseBelow: 0 }, experimental: { localModelLean: true } } },
       models: { mode: "replace", providers: { v: { baseUrl: "http://127.0.0.1:8000/v1", timeoutSeconds: 5, models: [{ id: "m" }] } } } }`,
    'test',
    {},
  );
  t.same(set.config.state.redis, { url: 'redis://127.0.0.1:1', keyPrefix: 'lmrelay:', commandTimeoutMs: 150 });
  t.same(set.config.agents.defaults.contextGuard, { refuseBelow: 0, warnBelow: 32_000 }, 'a field left out keeps its default');
  t.match(set.catalog.providers.get('v')!.timeouts, { totalMs: 5000, connectMs: 5000 }, 'connect is capped by the whole call');
  t.same(set.catalog.resolve('v/m')!.leanDropTools, ['browser', 'cron', 'message']);
});

t.test('the catalog is frozen once built: itself, its providers, targets, chains and findings', async (t) => {
  const { catalog } = parseConfigText(
    `{ models: { mode: "replace", providers: {
         v: { baseUrl: "http://127.0.0.1:8000/v1", apiKey: "k", models: [{ id: "m", contextWindow: 20000 }] },
         hosted: { baseUrl: "https://api.example.com/v1", models: [{ id: "g" }] } } },
       agents: { defaults: { model: { primary: "v/m", fallbacks: ["hosted/g"] } } } }`,
    'test',
    {},
  );
  const provider = catalog.providers.get('v')!;
  const target = catalog.resolve('v/m')!;
  t.ok(Object.isFrozen(catalog), 'the catalog');
  for (const [what, value] of Object.entries({ provider, headers: provider.headers, callHeaders: provider.callHeaders.stream, timeouts: provider.timeouts, target, compat: target.compat, chain: catalog.chainFor(target), warnings: catalog.warnings, errors: catalog.errors })) {
    t.ok(Object.isFrozen(value), what);
  }
  t.equal(catalog.warnings.length, 1, 'the small window was warned about before the freeze');
  t.throws(() => ((catalog as any).primary = 'hosted/g'), TypeError);
  t.throws(() => ((provider as any).refusal = 'refused'), TypeError);
  t.throws(() => ((provider.timeouts as any).totalMs = 1), TypeError);
  t.throws(() => ((target as any).upstreamModel = 'other'), TypeError);
  t.throws(() => (catalog.warnings as string[]).push('late'), TypeError);
  t.match(catalog.providers.get('hosted')!.refusal, /models\.providers\.hosted\.apiKey: api\.example\.com is a public host and needs a real API key/, 'a refusal is part of the provider as built');
  t.equal(provider.refusal, undefined);
});
