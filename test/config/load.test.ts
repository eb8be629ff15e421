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
  t.same(ports, ['lmstudio:1234:openai-responses', 'ollama:11434:openai-completions', 'vllm:8000:openai-completions', 'llamacpp:8080:openai-completions']);
});

t.test('unknown keys are refused at every level, with the nearest known key', async (t) => {
  t.same(problemsOf('{ modles: { providers: {} } }'), ['(root): unknown key "modles" (did you mean "models"?)']);
  t.same(problemsOf('{ sever: { port: 1 }, agent: {} }'), ['(root): unknown key "sever" (did you mean "server"?)', '(root): unknown key "agent" (did you mean "agents"?)']);
  t.same(problemsOf('{ models: { mdoe: "merge" } }'), ['models: unknown key "mdoe" (did you mean "mode"?)']);
  t.same(problemsOf('{ agents: { defaults: { model: { primary: "a/b", fallback: [] } } } }'), ['agents.defaults.model: unknown key "fallback" (did you mean "fallbacks"?)']);
  t.same(problemsOf('{ agents: { defaults: { workspace: "~/w" } } }'), ['agents.defaults: unknown key "workspace" (known keys here: model, models, contextGuard, experimental)']);
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
