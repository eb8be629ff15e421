/**
 * `lmrelay doctor`: probes every provider the way a user would with curl (GET /models, then a
 * one-token chat), and says what works and the usual fix for what does not.
 */
import type { LookupFunction } from 'node:net';
import type { LoadedConfig } from './config/load.js';
import type { ResolvedProvider } from './catalog.js';
import { RelayState } from './relay-state.js';
import { guardedWindow, parseModelList, type DiscoveredModel } from './discovery.js';
import { contextVerdict, contextVerdictText } from '../adapters/context-preflight.js';
import { classifyError } from './upstream/classify.js';
import { upstreamErrorMessage } from './upstream/error-body.js';
import type { Api } from './config/schema.js';

export interface ProviderDiagnosis {
  provider: string;
  reachable: boolean;
  latencyMs?: number;
  reported: string[];
  configured: string[];
  contextWindow?: number;
  apiWorks?: Api;
  chatOk: boolean;
  /** Requests to its model are refused (context window below agents.defaults.contextGuard.refuseBelow). */
  refused?: boolean;
  problems: string[];
  fixes: string[];
}

export interface DoctorReport {
  providers: ProviderDiagnosis[];
  primary?: string;
  primaryUsable: boolean;
}

const PROBE_TIMEOUT_MS = 10_000;

export async function runDoctor(loaded: LoadedConfig, options: { lookup?: LookupFunction } = {}): Promise<DoctorReport> {
  const state = new RelayState(loaded, options.lookup);
  try {
    const providers = await Promise.all([...loaded.catalog.providers.values()].map((p) => diagnose(state, p)));
    const primary = loaded.catalog.primary;
    const primaryProvider = primary ? loaded.catalog.resolve(primary)?.provider.id : undefined;
    const primaryUsable = primaryProvider ? providers.some((d) => d.provider === primaryProvider && d.chatOk) : providers.some((d) => d.chatOk);
    return { providers, primary, primaryUsable };
  } finally {
    await state.close();
  }
}

async function diagnose(state: RelayState, p: ResolvedProvider): Promise<ProviderDiagnosis> {
  const d: ProviderDiagnosis = { provider: p.id, reachable: false, reported: [], configured: p.config.models.map((m) => m.id), chatOk: false, problems: [], fixes: [] };
  if (p.refusal) {
    d.problems.push(p.refusal);
    d.fixes.push('set a real apiKey ("${ENV_NAME}") for this hosted provider');
    return d;
  }
  const started = performance.now();
  const models = await call(state, p, 'GET', '/models');
  d.latencyMs = Math.round(performance.now() - started);
  if (models.error) {
    d.problems.push(models.error);
    d.fixes.push(fixFor(models.error, models.kind));
    return d;
  }
  d.reachable = true;
  let list: DiscoveredModel[] = [];
  if (models.status === 200 && models.json) {
    list = parseModelList(models.json);
    d.reported = list.map((m) => m.id);
    d.contextWindow = list.find((m) => m.contextWindow)?.contextWindow;
  } else d.problems.push(`GET /models answered HTTP ${models.status}`);
  const missing = d.configured.filter((id) => d.reported.length && !d.reported.includes(id));
  if (missing.length) {
    d.problems.push(`configured but not reported by the server: ${missing.join(', ')}`);
    d.fixes.push('model unloaded? cold start: load it in the server, or fix the model id');
  }
  const configuredModel = p.config.models[0];
  const model = configuredModel?.id ?? d.reported[0];
  if (!model) {
    d.problems.push('no model to try: the server reports none and none is configured');
    d.fixes.push('load a model in the server');
    return d;
  }
  // The verdict requests will get (agents.defaults.contextGuard), from the same window they go by.
  const window = guardedWindow(p, configuredModel?.contextWindow, model, list);
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
  for (const api of p.api === 'openai-responses' ? (['openai-responses', 'openai-completions'] as const) : (['openai-completions', 'openai-responses'] as const)) {
    const result = await chatProbe(state, p, api, model, configuredModel?.compat?.requiresStringContent === true);
    if (result.ok) {
      d.apiWorks = api;
      d.chatOk = api === p.api && !d.refused;
      if (api !== p.api) d.fixes.push(`set api: "${api}" (the configured "${p.api}" failed)`);
      if (result.needsStringContent && !configuredModel?.compat?.requiresStringContent) d.fixes.push('add compat.requiresStringContent: true (the server rejects content arrays)');
      break;
    }
    d.problems.push(`${api}: ${result.error}`);
    if (result.kind === 'http_4xx' && /model/i.test(result.error ?? '') && /not found|does not exist|unknown/i.test(result.error ?? '')) d.fixes.push('model unloaded? cold start: load it in the server');
  }
  return d;
}

async function chatProbe(state: RelayState, p: ResolvedProvider, api: Api, model: string, stringOnly: boolean) {
  const parts = [{ type: 'text', text: 'Say OK.' }];
  const body = (content: unknown) =>
    api === 'openai-completions'
      ? { model, messages: [{ role: 'user', content }], max_tokens: 1, stream: false }
      : { model, input: [{ role: 'user', content: typeof content === 'string' ? content : [{ type: 'input_text', text: 'Say OK.' }] }], max_output_tokens: 16 };
  const path = api === 'openai-completions' ? '/chat/completions' : '/responses';
  let res = await call(state, p, 'POST', path, body(stringOnly ? 'Say OK.' : parts));
  let needsStringContent = false;
  if (!stringOnly && res.status === 400 && /string|content/i.test(res.error ?? '')) {
    const retry = await call(state, p, 'POST', path, body('Say OK.'));
    if (retry.status === 200) {
      needsStringContent = true;
      res = retry;
    }
  }
  return { ok: res.status === 200 && !res.error, error: res.error, kind: res.kind, needsStringContent };
}

interface CallResult {
  status?: number;
  json?: unknown;
  error?: string;
  kind?: string;
}

async function call(state: RelayState, p: ResolvedProvider, method: 'GET' | 'POST', path: string, body?: unknown): Promise<CallResult> {
  try {
    const res = await state.pools.forProvider(p).request({
      method,
      path: p.basePath + path,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...p.headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(Math.min(PROBE_TIMEOUT_MS, p.timeouts.totalMs)),
    });
    const text = (await res.body.text()).slice(0, 65536);
    if (res.statusCode >= 400) {
      return { status: res.statusCode, error: `HTTP ${res.statusCode}: ${upstreamErrorMessage(text, res.statusCode)}`, kind: res.statusCode >= 500 ? 'http_5xx' : 'http_4xx' };
    }
    try {
      return { status: res.statusCode, json: JSON.parse(text) };
    } catch {
      return { status: res.statusCode, error: 'answered something that is not JSON', kind: 'bad_response' };
    }
  } catch (err) {
    const e = (err as Error)?.name === 'TimeoutError' ? { message: `no answer in ${PROBE_TIMEOUT_MS / 1000}s`, failureKind: 'total_timeout' } : classifyError(err, p.id);
    return { error: e.message, kind: e.failureKind };
  }
}

function fixFor(error: string, kind?: string): string {
  if (kind === 'policy') return 'needs allowPrivateNetwork: set request.allowPrivateNetwork: true for a LAN/tailnet server';
  if (kind === 'connect_refused') return 'is the server running, on this port? (start it, or fix baseUrl)';
  if (kind === 'dns') return 'the host name does not resolve: fix baseUrl';
  if (kind?.endsWith('timeout')) return 'model loading? cold start can take minutes: raise timeoutSeconds / firstTokenTimeoutSeconds';
  if (/401|403/.test(error)) return 'check apiKey';
  return 'see the error above';
}

export function formatDoctorReport(report: DoctorReport): string {
  const rows = [['provider', 'reachable', 'latency', 'models (server/config)', 'api that works', 'context', 'status']];
  for (const d of report.providers) {
    rows.push([
      d.provider,
      d.reachable ? 'yes' : 'no',
      d.latencyMs !== undefined ? `${d.latencyMs} ms` : '-',
      `${d.reported.length}/${d.configured.length}`,
      d.apiWorks ?? '-',
      d.contextWindow ? String(d.contextWindow) : '-',
      d.chatOk ? 'ok' : d.refused ? 'REFUSED' : 'FAIL',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  for (const d of report.providers) {
    for (const problem of d.problems) lines.push(`${d.provider}: ${problem}`);
    for (const fix of [...new Set(d.fixes)]) lines.push(`${d.provider}: fix: ${fix}`);
  }
  lines.push(report.primary ? `primary ${report.primary}: ${report.primaryUsable ? 'usable' : 'UNUSABLE'}` : `no primary configured: ${report.primaryUsable ? 'some provider works' : 'no provider works'}`);
  return lines.join('\n');
}
