/**
 * Picks the deployment of a model with deployments for one request: the one with the fewest
 * outstanding requests per unit of weight (ties go by smooth weighted round robin, so that a
 * quiet server still gets its share), skipping the ones cooling down; the others follow in the
 * same order as the request's first fallbacks. A conversation sticks to the deployment that
 * answered it (by `x-lmrelay-session`, or the provider that answered its previous response)
 * while that deployment is not cooling down; when it fails, the one that answers instead takes
 * the conversation. Outstanding counts are this process's own.
 */
import { createHash } from 'node:crypto';
import type { ModelTarget } from '../catalog.js';
import type { CooldownStore } from '../upstream/cooldown.js';
import { StickyMap } from './sticky-map.js';

export const SESSION_HEADER = 'x-lmrelay-session';
/** Sticky conversations kept per process (least recently used go first), and how long an idle one is kept. */
export const STICKY_MAX_ENTRIES = 50_000;
export const STICKY_TTL_MS = 60 * 60_000;
/** Longer session keys are kept as their SHA-256, so that the map's memory stays bounded. */
const SESSION_KEY_MAX = 128;

export interface Affinity {
  /** The client's `x-lmrelay-session`. */
  session?: string;
  /** The provider that answered the conversation's previous response (stored responses). */
  provider?: string;
  /** The inbound key's owner: one key's sessions are not another's. */
  owner?: string;
}

export type PickReason = 'balanced' | 'sticky';

/** Requests in flight to one deployment ref, from this process. */
export interface Slot {
  outstanding: number;
}

export interface PickCount {
  group: string;
  deployment: string;
  balanced: number;
  sticky: number;
}

/** Per model with deployments (per config: a reload starts it anew). */
interface GroupState {
  slots: Slot[];
  weights: number[];
  /** Smooth weighted round robin's running scores. */
  current: number[];
  picks: PickCount[];
}

export class Balancer {
  private readonly slots = new Map<string, Slot>();
  private readonly pickCounts = new Map<string, PickCount>();
  private readonly groups = new WeakMap<ModelTarget, GroupState>();
  readonly sticky: StickyMap;

  constructor(options: { stickyMaxEntries?: number; stickyTtlMs?: number; now?: () => number } = {}) {
    this.sticky = new StickyMap(options.stickyMaxEntries ?? STICKY_MAX_ENTRIES, options.stickyTtlMs ?? STICKY_TTL_MS, options.now);
  }

  /** Outstanding requests per deployment ref (metrics). */
  outstanding(): IterableIterator<[string, Slot]> {
    return this.slots.entries();
  }

  picks(): IterableIterator<PickCount> {
    return this.pickCounts.values();
  }

  /**
   * The request's route over `group` (a target with deployments): `chain` is its chain from the
   * catalog, whose first entries are the deployments in config order.
   */
  route(group: ModelTarget, chain: readonly ModelTarget[], cooldowns: CooldownStore, affinity: Affinity): BalancedRequest {
    const deployments = group.deployments!;
    const state = this.stateOf(group);
    const n = deployments.length;
    // The chain holds the deployments first (alone under x-lmrelay-fallbacks: none), then the fallbacks.
    const rest = chain.slice(n);
    const ready: number[] = [];
    const cooling: number[] = [];
    for (let i = 0; i < n; i++) (cooldowns.remainingMs(deployments[i].target.provider.id) === 0 ? ready : cooling).push(i);
    const stickyKey = affinity.session ? stickyKeyOf(group.ref, affinity) : undefined;
    const stuck = this.stuckIndex(group, ready, stickyKey, affinity.provider);
    let first = stuck;
    if (first === undefined && ready.length) {
      let total = 0;
      for (const i of ready) {
        state.current[i] += state.weights[i];
        total += state.weights[i];
      }
      first = ready.reduce((best, i) => (this.before(state, i, best) ? i : best));
      state.current[first] -= total;
    }
    const others = ready.filter((i) => i !== first).sort((a, b) => (this.before(state, a, b) ? -1 : this.before(state, b, a) ? 1 : 0));
    const order = first === undefined ? cooling : [first, ...others, ...cooling];
    if (first !== undefined) state.picks[first][stuck === undefined ? 'balanced' : 'sticky']++;
    return new BalancedRequest([...order.map((i) => deployments[i].target), ...rest], group, this, stickyKey);
  }

  /** The outstanding count of a deployment ref (made on first use). */
  slotOf(ref: string): Slot {
    let slot = this.slots.get(ref);
    if (!slot) this.slots.set(ref, (slot = { outstanding: 0 }));
    return slot;
  }

  /** Whether deployment i goes before j: fewer outstanding per weight, then the round robin's turn. */
  private before(state: GroupState, i: number, j: number): boolean {
    const a = state.slots[i].outstanding * state.weights[j];
    const b = state.slots[j].outstanding * state.weights[i];
    return a < b || (a === b && state.current[i] > state.current[j]);
  }

  private stuckIndex(group: ModelTarget, ready: number[], stickyKey: string | undefined, provider: string | undefined): number | undefined {
    const deployments = group.deployments!;
    const ref = stickyKey ? this.sticky.get(stickyKey) : undefined;
    if (ref !== undefined) {
      const i = ready.find((r) => deployments[r].target.ref === ref);
      if (i !== undefined) return i;
    }
    if (provider !== undefined) return ready.find((r) => deployments[r].target.provider.id === provider);
    return undefined;
  }

  private stateOf(group: ModelTarget): GroupState {
    let state = this.groups.get(group);
    if (!state) {
      const deployments = group.deployments!;
      state = {
        slots: deployments.map((d) => this.slotOf(d.target.ref)),
        weights: deployments.map((d) => d.weight),
        current: deployments.map(() => 0),
        picks: deployments.map((d) => this.pickCountOf(group.ref, d.target.ref)),
      };
      this.groups.set(group, state);
    }
    return state;
  }

  private pickCountOf(group: string, deployment: string): PickCount {
    const key = `${group}\n${deployment}`;
    let count = this.pickCounts.get(key);
    if (!count) this.pickCounts.set(key, (count = { group, deployment, balanced: 0, sticky: 0 }));
    return count;
  }
}

/**
 * One request's walk over a model's deployments: holds a slot of the deployment being tried
 * (released when that attempt fails, or when the reply ends), and moves the conversation to
 * the deployment that answered.
 */
export class BalancedRequest {
  private held?: Slot;

  constructor(
    readonly chain: readonly ModelTarget[],
    private readonly group: ModelTarget,
    private readonly balancer: Balancer,
    private readonly stickyKey: string | undefined,
  ) {}

  private ended = false;

  /** Counts `answer` as outstanding on `target` (a deployment) until it fails or the reply ends. */
  track<T>(target: ModelTarget, answer: Promise<T>): Promise<T> {
    if (this.ended || !this.group.deployments!.some((d) => d.target === target)) return answer;
    this.release();
    const slot = (this.held = this.balancer.slotOf(target.ref));
    slot.outstanding++;
    return answer.catch((err: unknown) => {
      if (this.held === slot) this.release();
      throw err;
    });
  }

  /** The chain answered with `target`: a deployment of the model keeps the conversation. */
  answered(target: ModelTarget): void {
    if (this.stickyKey === undefined || !this.group.deployments!.some((d) => d.target === target)) return;
    this.balancer.sticky.set(this.stickyKey, target.ref);
  }

  /** The reply ended: nothing is outstanding any more, nor will be. */
  closed(): void {
    this.ended = true;
    this.release();
  }

  private release(): void {
    if (this.held) this.held.outstanding--;
    this.held = undefined;
  }
}

function stickyKeyOf(group: string, affinity: Affinity): string {
  const session = affinity.session!.length > SESSION_KEY_MAX ? createHash('sha256').update(affinity.session!).digest('base64') : affinity.session!;
  return `${group}\n${affinity.owner ?? ''}\n${session}`;
}
