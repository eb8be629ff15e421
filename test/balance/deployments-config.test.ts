/**
 * Models with deployments in the config: what a valid one resolves to (its name, alias, chain
 * with the deployments first), and each mistake named with its path and a "did you mean".
 */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfigText } from '../../src/config/load.js';
import { runCli } from '../helpers/cli.js';

const PROVIDERS = `providers: {
  boxa: { baseUrl: "http://127.0.0.1:1/v1", models: [{ id: "Qwen/Qwen3-32B" }, { id: "embed", kind: "embedding" }] },
  boxb: { baseUrl: "http://127.0.0.1:2/v1", models: [{ id: "Qwen/Qwen3-32B" }] },
  cloud: { baseUrl: "http://127.0.0.1:3/v1", models: [{ id: "big" }, { id: "chatty", kind: "chat" }] },
  open: { baseUrl: "http://127.0.0.1:4/v1" },
}`;

const configWith = (models: string, extra = '') => `{ models: { mode: "replace", ${PROVIDERS} }, agents: { defaults: { ${extra} models: { ${models} } } } }`;

const problemsOf = (text: string) => {
  try {
    parseConfigText(text, 'test', {});
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

t.test('a model with deployments answers to its name and alias, its chain starts with its deployments', async (t) => {
  const { catalog } = parseConfigText(
    configWith(
      `qwen: { alias: "Q", deployments: ["boxa/Qwen/Qwen3-32B", { model: "boxb/Qwen/Qwen3-32B", weight: 3 }, "open/qwen3"], fallbacks: ["cloud/big"] }`,
      `model: { primary: "qwen", fallbacks: ["boxa/Qwen/Qwen3-32B"] },`,
    ),
    'test',
    {},
  );
  const qwen = catalog.resolve('qwen')!;
  t.equal(catalog.resolve('Q'), qwen, 'its alias');
  t.equal(catalog.resolve(undefined), qwen, 'the primary');
  t.same(
    qwen.deployments!.map((d) => [d.target.ref, d.weight]),
    [
      ['boxa/Qwen/Qwen3-32B', 1],
      ['boxb/Qwen/Qwen3-32B', 3],
      ['open/qwen3', 1],
    ],
  );
  t.same(
    catalog.chainFor(qwen).map((m) => m.ref),
    ['boxa/Qwen/Qwen3-32B', 'boxb/Qwen/Qwen3-32B', 'open/qwen3', 'cloud/big'],
    'the deployments, then its own fallbacks',
  );
  t.same(
    catalog.chainFor(catalog.resolve('cloud/big')!).map((m) => m.ref),
    ['cloud/big', 'boxa/Qwen/Qwen3-32B'],
    'another model keeps its chain',
  );
  t.ok(
    catalog.list().some((m) => m.ref === 'open/qwen3'),
    'a deployment under a provider that accepts any id is a configured model',
  );
  t.equal(catalog.resolve('Qwen/Qwen3-32B'), undefined, 'the bare id of two servers stays ambiguous: the group is not one of its matches');
});

t.test('a fallback that names a model with deployments stands for its deployments', async (t) => {
  const { catalog } = parseConfigText(configWith(`qwen: { deployments: ["boxa/Qwen/Qwen3-32B", "boxb/Qwen/Qwen3-32B"] }, "cloud/big": { fallbacks: ["qwen"] }`), 'test', {});
  t.same(
    catalog.chainFor(catalog.resolve('cloud/big')!).map((m) => m.ref),
    ['cloud/big', 'boxa/Qwen/Qwen3-32B', 'boxb/Qwen/Qwen3-32B'],
  );
});

t.test('mistakes are named with their path', async (t) => {
  t.same(problemsOf(configWith(`qwen: { deployments: ["boxa/Qwen/Qwen3-23B", "boxb/Qwen/Qwen3-32B"] }`)), [
    'agents.defaults.models["qwen"].deployments[0]: "boxa/Qwen/Qwen3-23B" is not a configured provider/model ref (did you mean "boxa/Qwen/Qwen3-32B"?)',
  ]);
  t.same(problemsOf(configWith(`qwen: { deployments: ["boxc/Qwen/Qwen3-32B"] }`)), [
    'agents.defaults.models["qwen"].deployments[0]: "boxc/Qwen/Qwen3-32B" is not a configured provider/model ref (did you mean "boxa/Qwen/Qwen3-32B"?)',
  ]);
  t.same(problemsOf(configWith(`qwen: { deployments: ["cloudy/enormous-model"] }`)), [
    'agents.defaults.models["qwen"].deployments[0]: "cloudy/enormous-model" is not a configured provider/model ref (no provider "cloudy"; did you mean "cloud"?)',
  ]);
  t.same(problemsOf(configWith(`qwen: { deployments: ["cloud/enormous-model"] }`)), [
    'agents.defaults.models["qwen"].deployments[0]: "cloud/enormous-model" is not a configured provider/model ref (not among models.providers.cloud.models)',
  ]);
  t.same(problemsOf(configWith(`qwen: { deployments: ["qwen", "boxa/Qwen/Qwen3-32B"] }`)), [
    'agents.defaults.models["qwen"].deployments[0]: "qwen" is the model itself; list the provider/model refs that serve it',
  ]);
  t.same(problemsOf(configWith(`a: { deployments: ["b"] }, b: { deployments: ["a"] }`)), [
    'agents.defaults.models["a"].deployments[0]: "b" is itself a model with deployments; list provider/model refs (deployments do not nest)',
    'agents.defaults.models["b"].deployments[0]: "a" is itself a model with deployments; list provider/model refs (deployments do not nest)',
  ]);
  t.same(problemsOf(configWith(`qwen: { deployments: ["boxa/Qwen/Qwen3-32B", { model: "boxa/Qwen/Qwen3-32B", weight: 2 }] }`)), [
    'agents.defaults.models["qwen"].deployments[1]: "boxa/Qwen/Qwen3-32B" is listed twice',
  ]);
  t.same(problemsOf(configWith(`"boxa/Qwen/Qwen3-32B": { deployments: ["boxb/Qwen/Qwen3-32B"] }`)), [
    'agents.defaults.models["boxa/Qwen/Qwen3-32B"].deployments: "boxa/Qwen/Qwen3-32B" is a provider/model ref; a model with deployments takes a name of its own (e.g. "Qwen/Qwen3-32B") and lists boxa/Qwen/Qwen3-32B among its deployments',
  ]);
  t.same(problemsOf(configWith(`"open/qwen": { deployments: ["boxb/Qwen/Qwen3-32B"] }`)), [
    'agents.defaults.models["open/qwen"].deployments: "open/qwen" reads as a model of provider "open"; give the model with deployments a name that does not start with a provider id',
  ]);
  t.same(problemsOf(configWith(`"cloud/big": { alias: "qwen" }, qwen: { deployments: ["boxb/Qwen/Qwen3-32B"] }`)), [
    'agents.defaults.models["qwen"]: "qwen" is already an alias of cloud/big',
  ]);
  t.same(problemsOf(configWith(`qwen: { params: { temperature: 0.2 }, deployments: ["boxb/Qwen/Qwen3-32B"] }`)), [
    'agents.defaults.models["qwen"].params: a model with deployments takes no params; set it on each deployment\'s own entry (agents.defaults.models["provider/model"])',
  ]);
  t.same(problemsOf(configWith(`qwen: { deployments: ["cloud/chatty", "boxa/embed"] }`)), [
    'agents.defaults.models["qwen"].deployments: mixes models of kind "chat" and "embedding"; one model\'s deployments serve the same requests',
  ]);
  t.same(problemsOf(configWith(`qwen: { deployments: [{ model: "boxb/Qwen/Qwen3-32B", weight: 0 }] }`)), [
    'agents.defaults.models.qwen.deployments[0].weight: Too small: expected number to be >0',
  ]);
  t.same(problemsOf(configWith(`qwen: { deployments: [{ model: "boxb/Qwen/Qwen3-32B", weight: -2 }] }`)), [
    'agents.defaults.models.qwen.deployments[0].weight: Too small: expected number to be >0',
  ]);
  t.same(problemsOf(configWith(`qwen: { deployments: [{ model: "boxb/Qwen/Qwen3-32B", wieght: 2 }] }`)), [
    'agents.defaults.models.qwen.deployments[0]: unknown key "wieght" (did you mean "weight"?)',
  ]);
  t.same(problemsOf(configWith(`qwen: { deployments: [] }`)), ['agents.defaults.models.qwen.deployments: Too small: expected array to have >=1 items']);
  t.same(problemsOf(configWith(`qwen: { deploymnets: ["boxb/Qwen/Qwen3-32B"] }`)), ['agents.defaults.models.qwen: unknown key "deploymnets" (did you mean "deployments"?)']);
});

t.test('lmrelay check names the mistake; models list shows the deployments and their weights', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrelay-deployments-'));
  const bad = join(dir, 'bad.json5');
  writeFileSync(bad, configWith(`qwen: { deployments: ["boxa/Qwen/Qwen3-32B", "boxb/Qwen/Qwen3-23B"] }`));
  const refused = runCli(['check', '--config', bad], { cwd: dir });
  t.not(refused.status, 0);
  t.match(refused.stderr, 'agents.defaults.models["qwen"].deployments[1]: "boxb/Qwen/Qwen3-23B" is not a configured provider/model ref (did you mean "boxb/Qwen/Qwen3-32B"?)');
  const good = join(dir, 'good.json5');
  writeFileSync(good, configWith(`qwen: { alias: "Q", deployments: ["boxa/Qwen/Qwen3-32B", { model: "boxb/Qwen/Qwen3-32B", weight: 3 }] }`, `model: { primary: "qwen" },`));
  const listed = runCli(['models', 'list', '--config', good], { cwd: dir });
  t.equal(listed.status, 0, listed.stderr);
  t.match(listed.stdout, /^qwen\tprimary\talias=Q\tdeployments=boxa\/Qwen\/Qwen3-32B,boxb\/Qwen\/Qwen3-32B\*3$/m);
});
