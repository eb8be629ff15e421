/**
 * `lmrelay doctor`: probes every provider the way a user would with curl (GET /models, then a
 * one-token call in the provider's own API), all providers at once, and says for each what it
 * tried (method and URL), what works, and the usual fix for what does not.
 */
import { unpricedHostedModels } from './spend/unpriced.js';
import type { LookupFunction } from 'node:net';
import type { LoadedConfig } from './config/load.js';
import type { ResolvedProvider } from './catalog.js';
import { RelayState } from './relay-state.js';
import { findDiscovered, guardedWindow, type DiscoveredModel } from './discovery.js';
import { contextVerdict, contextVerdictText } from '../adapters/context-preflight.js';
import { classifyError } from './upstream/classify.js';
import { upstreamErrorMessage } from './upstream/error-body.js';
import { BodyTooLargeError } from './upstream/exchange.js';
import { PROBE_BODY_LIMIT, readBounded } from './upstream/read-bounded.js';
import { requestLine } from './upstream/failure-text.js';
import { DIALECTS, type ApiName, type Dialect } from '../dialects/index.js';
import type { ModelDescription } from '../dialects/types.js';

/** One request doctor made: `GET http://…/v1/models` and what came of it. */
export interface Probe {
  request: string;
  outcome: string;
  ok: boolean;
}

export interface ProviderDiagnosis {
  provider: string;
  api: ApiName;
  baseUrl: string;
  /** One of the local servers lmrelay looks for by itself (models.mode "merge"). */
  builtin: boolean;
  reachable: boolean;
  latencyMs?: number;
  reported: string[];
  configured: string[];
  contextWindow?: number;
  /** What the server says the tried model can do, where it describes its models (Ollama: tools, vision, thinking). */
  capabilities?: string[];
  apiWorks?: ApiName;
  chatOk: boolean;
  /** Requests to its model are refused (context window below agents.defaults.contextGuard.refuseBelow). */
  refused?: boolean;
  probes: Probe[];
  problems: string[];
  fixes: string[];
}

export interface DoctorReport {
  providers: ProviderDiagnosis[];
  primary?: string;
  primaryUsable: boolean;
  /** About the config rather than one provider's answers (hosted models with no cost). */
  warnings: string[];
}

export const PROBE_TIMEOUT_MS = 10_000;

export interface DoctorOptions {
  lookup?: LookupFunction;
  /** Called with each provider's diagnosis as soon as it is done (providers are probed at once). */
  onResult?: (d: ProviderDiagnosis) => void;
}

export async function runDoctor(loaded: LoadedConfig, options: DoctorOptions = {}): Promise<DoctorReport> {
  const state = new RelayState(loaded, options.lookup);
  try {
    const providers = await Promise.all(
      [...loaded.catalog.providers.values()].map(async (p) => {
        const d = await diagnose(state, p);
        options.onResult?.(d);
        return d;
      }),
    );
    const primary = loaded.catalog.primary;
    const primaryTarget = primary ? loaded.catalog.resolve(primary) : undefined;
    // A primary with deployments is usable when one of its servers is.
    const primaryProviders = primaryTarget && (primaryTarget.deployments?.map((d) => d.target.provider.id) ?? [primaryTarget.provider.id]);
    const primaryUsable = primaryProviders ? providers.some((d) => primaryProviders.includes(d.provider) && d.chatOk) : providers.some((d) => d.chatOk);
    return { providers, primary, primaryUsable, warnings: unpricedHostedModels(loaded.catalog) };
  } finally {
    await state.close();
  }
}

async function diagnose(state: RelayState, p: ResolvedProvider): Promise<ProviderDiagnosis> {
  const d: ProviderDiagnosis = {
    provider: p.id,
    api: p.api,
    baseUrl: `${p.origin}${p.basePath}`,
    builtin: p.builtin,
    reachable: false,
    reported: [],
    configured: p.config.models.map((m) => m.id),
    chatOk: false,
    probes: [],
    problems: [],
    fixes: [],
  };
  if (p.refusal) {
    d.problems.push(p.refusal);
    d.fixes.push('set a real apiKey ("${ENV_NAME}") for this hosted provider');
    return d;
  }
  const started = performance.now();
  const { probe } = p.dialect;
  const models = await call(state, p, 'GET', probe.modelsPath);
  d.latencyMs = Math.round(performance.now() - started);
  let list: DiscoveredModel[] = [];
  if (models.status === 200 && models.json) list = probe.parseModels(models.json);
  d.probes.push({ request: requestLine(p, probe.modelsPath, 'GET'), outcome: models.error ?? `${models.status}, ${list.length} model${list.length === 1 ? '' : 's'}`, ok: !models.error });
  if (models.status === undefined) {
    if (!p.builtin) d.fixes.push(fixFor(models.error ?? '', models.kind));
    return d;
  }
  d.reachable = true;
  d.reported = list.map((m) => m.id);
  d.contextWindow = list.find((m) => m.contextWindow)?.contextWindow;
  const configuredModel = p.config.models[0];
  const model = configuredModel?.id ?? d.reported[0];
  if (!model) {
    d.problems.push('no model to try: the server reports none and none is configured');
    d.fixes.push('load a model in the server');
    return d;
  }
  const described = probe.describe ? await describeModel(state, p, model, d) : undefined;
  // The verdict requests will get (agents.defaults.contextGuard), from the same window they go by.
  const window = guardedWindow(p, configuredModel?.contextWindow, model, list) ?? described?.contextWindow;
  const verdict = contextVerdict(window, state.catalog.contextGuard);
  if (verdict !== 'ok') {
    d.problems.push(contextVerdictText(`${p.id}/${model}`, window!, state.catalog.contextGuard));
    if (verdict === 'refuse') {
      d.refused = true;
      d.fixes.push("raise the server's context length (llama.cpp -c, vLLM --max-model-len) or lower agents.defaults.contextGuard.refuseBelow");
    }
  }
  if (configuredModel?.contextWindow && d.contextWindow && d.contextWindow < configuredModel.contextWindow) {
    d.problems.push(`the server's context window (${d.contextWindow}) is smaller than the configured contextWindow (${configuredModel.contextWindow})`);
    d.fixes.push("raise the server's context length (e.g. -c / --max-model-len) or lower contextWindow");
  }
  const stringOnly = configuredModel?.compat?.requiresStringContent === true;
  const own = await chatProbe(state, p, p.dialect, model, stringOnly);
  d.probes.push(own.probe);
  if (own.ok) {
    d.apiWorks = p.api;
    d.chatOk = !d.refused;
    if (own.needsStringContent && !stringOnly) d.fixes.push('add compat.requiresStringContent: true (the server rejects content arrays)');
  } else {
    if (own.kind === 'http_4xx' && /model/i.test(own.error ?? '') && /not found|does not exist|unknown/i.test(own.error ?? '')) d.fixes.push(probe.missingModelFix?.(model) ?? 'model unloaded? cold start: load it in the server');
    else if (own.kind?.endsWith('timeout')) d.fixes.push(fixFor(own.error ?? '', own.kind));
    else if (/\b401\b|\b403\b/.test(own.error ?? '')) d.fixes.push('check apiKey');
    // The endpoint is missing: maybe the server speaks another API (the other OpenAI one).
    const other = probe.alternative;
    if (other && (own.status === 404 || own.status === 405)) {
      const alt = await chatProbe(state, p, DIALECTS[other], model, stringOnly);
      d.probes.push(alt.probe);
      if (alt.ok) {
        d.apiWorks = other;
        d.fixes.push(`set api: "${other}" (the configured "${p.api}" failed)`);
      }
    }
  }
  // A server that serves one model and answered under the configured name (llama.cpp, MLX)
  // answers to any name: its own id for the model is no reason to complain.
  const answersAnyName = own.ok && d.reported.length === 1;
  // A model the list holds under another name it answers to (Ollama's `qwen3` for `qwen3:latest`) is there.
  const missing = answersAnyName ? [] : d.configured.filter((id) => d.reported.length && !findDiscovered(list, id));
  if (missing.length) {
    d.problems.push(`configured but not reported by the server: ${missing.join(', ')}`);
    if (probe.missingModelFix) for (const id of missing) d.fixes.push(probe.missingModelFix(id));
    else d.fixes.push('model unloaded? cold start: load it in the server, or fix the model id');
  }
  return d;
}

/** Asks the server about the model it will try (Ollama's /api/show): its window and what it can do. */
async function describeModel(state: RelayState, p: ResolvedProvider, model: string, d: ProviderDiagnosis): Promise<ModelDescription | undefined> {
  const how = p.dialect.probe.describe!;
  const res = await call(state, p, 'POST', how.path, how.body(model));
  let found: ModelDescription | undefined;
  try {
    found = res.json === undefined ? undefined : how.parse(res.json);
  } catch {
    found = undefined;
  }
  const can = found?.capabilities ? Object.entries(found.capabilities).filter(([, yes]) => yes).map(([what]) => what) : undefined;
  const said = [found?.contextWindow ? `context ${found.contextWindow}` : 'no context length', can ? (can.length ? can.join(', ') : 'no tools, vision or thinking') : ''].filter(Boolean).join('; ');
  d.probes.push({ request: `${requestLine(p, how.path)} (model ${model})`, outcome: res.error ?? `${res.status}, ${said}`, ok: !res.error });
  if (found?.contextWindow) d.contextWindow = found.contextWindow;
  if (can) d.capabilities = can;
  return found;
}

interface ChatProbe {
  ok: boolean;
  status?: number;
  error?: string;
  kind?: string;
  needsStringContent: boolean;
  probe: Probe;
}

/** A one-token call in `dialect`'s API (the provider's own, or the one doctor suggests instead). */
async function chatProbe(state: RelayState, p: ResolvedProvider, dialect: Dialect, model: string, stringOnly: boolean): Promise<ChatProbe> {
  const api = dialect.name;
  const path = dialect.transport.path({ upstreamModel: model, reasoning: false }, false);
  let res = await call(state, p, 'POST', path, dialect.probe.probeBody(model, stringOnly));
  let needsStringContent = false;
  if (!stringOnly && res.status === 400 && /string|content/i.test(res.error ?? '')) {
    const retry = await call(state, p, 'POST', path, dialect.probe.probeBody(model, true));
    if (retry.status === 200) {
      needsStringContent = true;
      res = retry;
    }
  }
  const ok = res.status === 200 && !res.error;
  const probe = { request: `${requestLine(p, path)} (${api}, model ${model})`, outcome: res.error ?? `${res.status}${needsStringContent ? ' with string content only' : ''}`, ok };
  return { ok, status: res.status, error: res.error, kind: res.kind, needsStringContent, probe };
}

interface CallResult {
  status?: number;
  json?: unknown;
  error?: string;
  kind?: string;
}

async function call(state: RelayState, p: ResolvedProvider, method: 'GET' | 'POST', path: string, body?: unknown): Promise<CallResult> {
  const limitMs = Math.min(PROBE_TIMEOUT_MS, p.timeouts.totalMs);
  try {
    const res = await state.pools.forProvider(p).request({
      method,
      path: p.basePath + path,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...p.headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(limitMs),
    });
    const text = await readBounded(res, PROBE_BODY_LIMIT);
    if (res.statusCode >= 400) {
      return { status: res.statusCode, error: `answered ${res.statusCode} ${upstreamErrorMessage(text, res.statusCode).replace(/^upstream answered HTTP \d+ /, '')}`, kind: res.statusCode >= 500 ? 'http_5xx' : 'http_4xx' };
    }
    try {
      return { status: res.statusCode, json: JSON.parse(text) };
    } catch {
      return { status: res.statusCode, error: `answered ${res.statusCode} with something that is not JSON`, kind: 'bad_response' };
    }
  } catch (err) {
    if (err instanceof BodyTooLargeError) return { error: `${method} ${path} answered more than ${PROBE_BODY_LIMIT / 1048576} MiB`, kind: 'bad_response' };
    if ((err as Error)?.name === 'TimeoutError') {
      const why = limitMs < PROBE_TIMEOUT_MS ? `timeoutSeconds: ${limitMs / 1000}` : `doctor waits at most ${PROBE_TIMEOUT_MS / 1000}s`;
      return { error: `no answer in ${limitMs / 1000}s (${why})`, kind: 'total_timeout' };
    }
    const e = classifyError(err, p.id);
    // Said under the provider's name already: drop the classifier's and the policy's own prefixes.
    return { error: e.message.replace(`${p.id}: `, '').replace(`provider ${p.id}: `, ''), kind: e.failureKind };
  }
}

function fixFor(error: string, kind?: string): string {
  if (kind === 'policy') return 'needs allowPrivateNetwork: set request.allowPrivateNetwork: true for a LAN/tailnet server';
  if (kind === 'connect_refused') return 'is the server running, on this port? (start it, or fix baseUrl)';
  if (kind === 'dns') return 'the host name does not resolve: fix baseUrl';
  if (kind?.endsWith('timeout')) return 'model loading? cold start can take minutes: raise timeoutSeconds / firstTokenTimeoutSeconds';
  if (/\b401\b|\b403\b/.test(error)) return 'check apiKey';
  return 'see the error above';
}

/** The word in front of a provider's lines. */
function verdictOf(d: ProviderDiagnosis): string {
  if (d.chatOk) return 'ok';
  if (d.builtin && !d.reachable) return 'absent';
  return d.refused ? 'REFUSED' : 'FAIL';
}

/** One provider's block, printed as soon as it is done: what was tried, what came of it, the fixes. */
export function formatDiagnosis(d: ProviderDiagnosis): string {
  const verdict = verdictOf(d);
  const where = `${d.provider} (${d.builtin ? 'built-in, ' : ''}${d.api}, ${d.baseUrl})`;
  if (verdict === 'absent') return `${verdict.padEnd(8)}${where}: not running`;
  const facts = d.reachable
    ? [`${d.reported.length} model${d.reported.length === 1 ? '' : 's'} reported`, d.contextWindow ? `context ${d.contextWindow}` : '', d.latencyMs !== undefined ? `${d.latencyMs} ms` : ''].filter(Boolean).join(', ')
    : d.probes.length
      ? 'not reachable'
      : 'not probed';
  const lines = [`${verdict.padEnd(8)}${where}: ${facts}`];
  for (const probe of d.probes) lines.push(`          ${probe.request}: ${probe.outcome}`);
  for (const problem of d.problems) lines.push(`          problem: ${problem}`);
  for (const fix of [...new Set(d.fixes)]) lines.push(`          fix: ${fix}`);
  return lines.join('\n');
}

/** The summary after every provider's block: a table, then the verdict on the primary. */
export function formatDoctorReport(report: DoctorReport): string {
  const rows = [['provider', 'reachable', 'latency', 'models (server/config)', 'api that works', 'context', 'status']];
  for (const d of report.providers) {
    if (d.builtin && !d.reachable) continue;
    rows.push([
      d.provider,
      d.reachable ? 'yes' : 'no',
      d.latencyMs !== undefined ? `${d.latencyMs} ms` : '-',
      `${d.reported.length}/${d.configured.length}`,
      d.apiWorks ?? '-',
      d.contextWindow ? String(d.contextWindow) : '-',
      verdictOf(d),
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  lines.push(report.primary ? `primary ${report.primary}: ${report.primaryUsable ? 'usable' : 'UNUSABLE'}` : `no primary configured: ${report.primaryUsable ? 'some provider works' : 'no provider works'}`);
  return lines.join('\n');
}
