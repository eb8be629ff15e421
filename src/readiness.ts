/**
 * Readiness: is the primary (or some model of its chain) answering? A background probe asks
 * each provider of that chain for `GET /models` every few seconds; a real request that
 * succeeds counts as a probe too. /readyz?deep is 200 when one of them answered recently.
 */
import type { ResolvedProvider } from './catalog.js';
import type { RelayState } from './relay-state.js';
import type { CooldownStore } from './upstream/cooldown.js';

/** What readiness reads of the running app: the current state (it changes on reload) and the cooldowns. */
export interface ReadinessSources {
  readonly state: RelayState;
  readonly cooldowns: Pick<CooldownStore, 'remainingMs'>;
}

export interface ProviderReadiness {
  provider: string;
  up: boolean;
  lastOkAgoMs: number | null;
  coolingDownMs: number;
}

export class Readiness {
  private readonly lastOk = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private probing = false;

  /** `intervalMs`: server.readinessProbeSeconds. */
  constructor(
    private readonly services: ReadinessSources,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    void this.probe();
    this.timer = setInterval(() => void this.probe(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  markOk(providerId: string): void {
    this.lastOk.set(providerId, Date.now());
  }

  /** When the provider last answered a probe or a request (epoch ms). */
  lastOkAt(providerId: string): number | undefined {
    return this.lastOk.get(providerId);
  }

  /** The providers whose health decides readiness: the primary's chain, else all of them. */
  watched(): ResolvedProvider[] {
    const { catalog } = this.services.state;
    const primary = catalog.primary ? catalog.resolve(catalog.primary) : undefined;
    if (!primary) return [...catalog.providers.values()];
    return [...new Map(catalog.chainFor(primary).map((t) => [t.provider.id, t.provider])).values()];
  }

  async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      const state = this.services.state.hold();
      try {
        await Promise.all(
          this.watched().map(async (p) => {
            if (await state.discovery.reachable(p)) this.markOk(p.id);
          }),
        );
      } finally {
        state.release();
      }
    } finally {
      this.probing = false;
    }
  }

  report(): { ready: boolean; providers: ProviderReadiness[] } {
    const now = Date.now();
    const freshMs = this.intervalMs * 2 + 1000;
    const providers = this.watched().map((p) => {
      const at = this.lastOk.get(p.id);
      const cooling = this.services.cooldowns.remainingMs(p.id);
      return { provider: p.id, up: at !== undefined && now - at <= freshMs && cooling === 0, lastOkAgoMs: at === undefined ? null : now - at, coolingDownMs: cooling };
    });
    return { ready: providers.some((p) => p.up), providers };
  }
}
