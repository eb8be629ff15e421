/** What every step of one client request holds: its id, its abort signal, and the app services. */
import type { FastifyBaseLogger } from 'fastify';
import type { RelayMetrics } from './metrics.js';
import type { CooldownStore } from './upstream/cooldown.js';
import type { UpstreamPools } from './upstream/pools.js';
import type { ClientAbort } from './upstream/client-abort.js';
import type { ModelTarget } from './catalog.js';
import type { SealScope } from './compaction/seal.js';
import type { ServedModel } from '../dialects/types.js';
import type { FailureKind } from '../core/errors.js';
import type { RequestTrace } from './telemetry/types.js';

export interface CallContext {
  /** Request id, also the run id in failure logs. */
  id: string;
  route: string;
  /** Aborted when the client disconnects. */
  signal: ClientAbort;
  log: FastifyBaseLogger;
  metrics: RelayMetrics;
  cooldowns: CooldownStore;
  pools: UpstreamPools;
  /** performance.now() at arrival. */
  startedAt: number;
  /** Removes configured secrets from messages that leave lmrelay. */
  scrub: (text: string) => string;
  /** How long an answer may sit unread by the client before its connection is closed. */
  readonly writeStallMs: number;
  /** Size of the client's body (content-length), a cheap bound for the context preflight. */
  bodyBytes?: number;
  /** Counts upstream usage: token metrics, the inbound key's token budget, and spend (`usd`, when priced). */
  countUsage: (providerId: string, ref: string, usage: unknown, usd?: number) => void;
  /** Why this model may not be tried under the spending budgets (the key's, its provider's); undefined when it may. */
  overBudget: (target: ModelTarget) => string | undefined;
  /**
   * The model's context window: configured, else what its server reports (discovered models are
   * guarded like configured ones). Sync unless the server was never asked.
   */
  contextWindowOf: (target: ModelTarget) => number | undefined | Promise<number | undefined>;
  /** The key and scope that seal this request's compaction items (read on first use: may throw). */
  compactionSeal: () => SealScope;
  /**
   * The model's window and, where its server describes its models (Ollama), what it can do.
   * Sync unless the server was never asked.
   */
  servedModelOf: (target: ModelTarget) => ServedModel | Promise<ServedModel>;
  /** A model call succeeded: readiness counts it as a probe. */
  onSuccess?: (providerId: string) => void;
  /** Upstream calls the chain has made so far (kept for the access line of a request that fails). */
  attempts: number;
  /** A model call failed (recorded once, by the chain): the status page's provider health. */
  onFailure?: (providerId: string, kind: FailureKind) => void;
  /** A stream's first event came from the upstream, `seconds` after the request arrived. */
  recordFirstToken(providerId: string, seconds: number): void;
  /** Set when tracing is on: this request's spans. */
  readonly trace?: RequestTrace;
}
