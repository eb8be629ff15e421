/**
 * Walks a fallback chain: the requested model, then its fallbacks. Cooling providers are
 * skipped (unless all are, then the one closest to recovery is tried); a retryable failure
 * moves on, anything else is answered at once. Once an attempt returned, the chain is
 * committed: for streams that means the first event arrived, before any byte went out.
 * Only upstream failures move the chain on and count against a provider: an exception from
 * lmrelay's own code (no RelayError) is answered at once as a 500 internal_error, and a refusal
 * lmrelay itself made (a RelayError with no failureKind, e.g. an adapter's 400) as it is.
 */
import { RelayError, internalError } from '../../core/errors.js';
import type { ModelTarget } from '../catalog.js';
import type { CallContext } from '../context.js';
import { CallDeadline } from '../upstream/deadline.js';
import { classifyError } from '../upstream/classify.js';

export interface ChainOutcome<T> {
  value: T;
  target: ModelTarget;
  attempts: number;
}

export type Attempt<T> = (target: ModelTarget, deadline: CallDeadline) => Promise<T>;

export async function runChain<T>(ctx: CallContext, chain: readonly ModelTarget[], attempt: Attempt<T>): Promise<ChainOutcome<T>> {
  const notes: string[] = [];
  let last: RelayError | undefined;
  let previous: ModelTarget | undefined;
  let attempts = 0;
  let preflight: RelayError | undefined;
  let allPreflight = true;
  const call = ctx.trace ? ctx.trace.attempts(attempt) : attempt;
  const targets = pickTargets(ctx, chain, notes);
  if (targets.length === 0 && notes.length) throw budgetExceeded(notes);
  for (const target of targets) {
    if (previous) ctx.metrics.countFallback(previous.ref, target.ref);
    previous = target;
    ctx.attempts = ++attempts;
    const label = target.ref;
    const deadline = new CallDeadline(label, target.timeouts, ctx.signal);
    let value: T;
    try {
      value = await call(target, deadline);
    } catch (err) {
      deadline.dispose();
      // Upstream failures reach here as RelayErrors (classified where they happen); anything else is ours.
      if (!(err instanceof RelayError) && !deadline.reason) throw internalFault(ctx, target, err);
      const failure = classifyError(err, label, deadline.reason);
      if (failure.preflight) {
        // Refused before sending (too large for this model): no upstream failure, try the next.
        notes.push(failure.message);
        ctx.attempts = --attempts;
        preflight = preflight ?? failure;
        last = failure;
        continue;
      }
      allPreflight = false;
      if (failure.failureKind === undefined) throw failure; // lmrelay's own refusal: no upstream failed
      recordFailure(ctx, target, failure, attempts);
      if (failure.failureKind === 'client_abort' || !failure.retryable) throw failure;
      notes.push(failure.message);
      last = failure;
      continue;
    }
    ctx.cooldowns.recordSuccess(target.provider.id);
    ctx.onSuccess?.(target.provider.id);
    return { value, target, attempts };
  }
  if (preflight && allPreflight) throw preflight;
  throw exhausted(notes, last);
}

/** Records a failure that happened after the chain committed (mid-stream). */
export function recordFailure(ctx: CallContext, target: ModelTarget, failure: RelayError, attempt: number): void {
  const kind = failure.failureKind ?? 'bad_response';
  ctx.metrics.upstreamFailures.inc({ provider: target.provider.id, failure_kind: kind });
  if (kind === 'client_abort') return;
  ctx.onFailure?.(target.provider.id, kind);
  ctx.cooldowns.recordFailure(target.provider.id, kind, failure.retryAfterSeconds);
  const mem = process.memoryUsage();
  ctx.log.warn(
    {
      runId: ctx.id,
      provider: target.provider.id,
      model: target.ref,
      attempt,
      failureKind: kind,
      status: failure.status,
      rssMB: Math.round(mem.rss / 1048576),
      heapUsedMB: Math.round(mem.heapUsed / 1048576),
    },
    `model call failed: ${ctx.scrub(failure.message)}`,
  );
}

/** Logs an exception from lmrelay's own code with the request id; the client gets a generic 500. */
export function internalFault(ctx: CallContext, target: ModelTarget, err: unknown): RelayError {
  ctx.log.error({ err, runId: ctx.id, provider: target.provider.id, model: target.ref }, 'internal error in lmrelay while serving a model call');
  return internalError(ctx.id, err);
}

function pickTargets(ctx: CallContext, chain: readonly ModelTarget[], notes: string[]): ModelTarget[] {
  const ready: ModelTarget[] = [];
  let closest: { target: ModelTarget; ms: number } | undefined;
  for (const target of chain) {
    if (skipOverBudget(ctx, target, notes)) continue;
    const ms = ctx.cooldowns.remainingMs(target.provider.id);
    if (ms === 0) ready.push(target);
    else {
      notes.push(`${target.ref}: skipped, cooling down (${(ms / 1000).toFixed(1)}s left)`);
      if (!closest || ms < closest.ms) closest = { target, ms };
    }
  }
  if (ready.length === 0 && closest) {
    notes.length = 0;
    return [closest.target];
  }
  return ready;
}

/** A model past a spending budget is never tried (unlike a cooling one, which may be, as the last resort). */
function skipOverBudget(ctx: CallContext, target: ModelTarget, notes: string[]): boolean {
  const why = ctx.overBudget(target);
  if (why) notes.push(`${target.ref}: skipped, ${why}`);
  return why !== undefined;
}

/** Only models past their budgets were left: 429, the chain's notes say whose. */
function budgetExceeded(notes: string[]): RelayError {
  return new RelayError(`spending budget exceeded: ${notes.join('; ')}`, { code: 'budget_exceeded' });
}

function exhausted(notes: string[], last: RelayError | undefined): RelayError {
  if (last && notes.length === 1) return last;
  const timeout = last?.failureKind?.endsWith('timeout') ?? false;
  return new RelayError(notes.length ? notes.join('; ') : 'no model of the chain could be tried', {
    code: timeout ? 'upstream_timeout' : 'upstream_unavailable',
    failureKind: last?.failureKind,
  });
}
