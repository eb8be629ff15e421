/**
 * Shared state for a fleet of replicas, in Redis: provider cooldowns (and Retry-After holds)
 * and per-key rate-limit counters. Reads never wait on Redis: cooldowns are cached in each
 * replica and kept current by pub/sub, so one replica's failure is skipped by all at once.
 * Redis being slow or gone is not an outage: every call has a short timeout and falls back to
 * the local store; it is logged once, shown as lmrelay_state_backend_up 0, and sharing resumes
 * when Redis is back.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { FailureKind } from '../../core/errors.js';
import { COOLDOWN_MAX_MS, type CooldownState, type CooldownStore, type Cooldowns } from '../upstream/cooldown.js';
import { LocalRateLimiter, WINDOW_MS } from './rate-limit.js';
import { SharedRateLimiter, type WindowCounters } from './shared-rate-limiter.js';

export interface RedisStateOptions {
  url: string;
  keyPrefix: string;
  commandTimeoutMs: number;
  logger: Logger;
  onBackendChange?: (up: boolean) => void;
}

/** Atomic failure record: bump the count, move `until`, keep a TTL, tell the other replicas. */
const RECORD_FAILURE = `
local key, channel = KEYS[1], ARGV[1]
local now, base, cap, hold, provider = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local failures = tonumber(redis.call('HGET', key, 'failures') or '0')
local hold_until = tonumber(redis.call('HGET', key, 'until') or '0')
if hold >= 0 then
  hold_until = math.max(hold_until, now + hold)
else
  failures = failures + 1
  hold_until = now + math.min(base * 2 ^ (failures - 1), cap)
end
local text = string.format('%d', math.floor(hold_until))
redis.call('HSET', key, 'failures', failures, 'until', text)
redis.call('PEXPIREAT', key, string.format('%d', math.floor(hold_until + cap)))
redis.call('PUBLISH', channel, provider .. ' ' .. failures .. ' ' .. text)
return {failures, text}
`;

export class RedisState implements WindowCounters {
  readonly redis: Redis;
  private readonly sub: Redis;
  private up = false;
  private warnedDown = false;
  private readonly channel: string;
  readonly cooldowns: SharedCooldowns;
  readonly limiter: SharedRateLimiter;

  constructor(private readonly opts: RedisStateOptions, local: { cooldowns: Cooldowns; limiter: LocalRateLimiter }) {
    const common = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 1000,
      commandTimeout: opts.commandTimeoutMs,
      retryStrategy: (times: number) => Math.min(200 * times, 2000),
    };
    this.redis = new Redis(opts.url, common);
    this.sub = new Redis(opts.url, { ...common, commandTimeout: undefined });
    this.channel = `${opts.keyPrefix}cooldowns`;
    this.cooldowns = new SharedCooldowns(local.cooldowns, this);
    this.limiter = new SharedRateLimiter(local.limiter, this);
    for (const client of [this.redis, this.sub]) client.on('error', () => this.markDown('connection error'));
    this.redis.on('ready', () => void this.onReady());
    this.redis.on('close', () => this.markDown('connection closed'));
    this.sub.on('message', (_channel: string, message: string) => this.onMessage(message));
    this.sub.on('ready', () => void this.sub.subscribe(this.channel).catch(() => {}));
  }

  async start(): Promise<void> {
    await Promise.allSettled([this.redis.connect(), this.sub.connect()]);
  }

  get isUp(): boolean {
    return this.up;
  }

  key(...parts: string[]): string {
    return this.opts.keyPrefix + parts.join(':');
  }

  /** Runs a Redis call; any failure (down, slow) answers undefined and marks the backend down. */
  async attempt<T>(call: (redis: Redis) => Promise<T>): Promise<T | undefined> {
    if (!this.up) return undefined;
    try {
      return await call(this.redis);
    } catch (err) {
      this.markDown((err as Error).message);
      return undefined;
    }
  }

  recordFailureScript(provider: string, now: number, baseMs: number, holdMs: number) {
    // EVAL, not EVALSHA: failures are rare, and a first EVALSHA's NOSCRIPT would add a round trip
    // before the other replicas hear of the failure.
    return this.attempt((r) => r.eval(RECORD_FAILURE, 1, this.key('cooldown', provider), this.channel, now, baseMs, COOLDOWN_MAX_MS, holdMs, provider) as Promise<[number, string]>);
  }

  /**
   * A key's counts for one window are two 64-bit integers in one string (requests, tokens):
   * BITFIELD adds to both and answers both in one command. No script: Redis would count (and
   * spend time on) the commands a script runs besides the script's own call.
   */
  countInWindow(key: string, window: number, requests: 0 | 1, tokens: number) {
    return this.attempt((r) => r.call('BITFIELD', this.windowKey(key, window), 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '#0', requests, 'INCRBY', 'i64', '#1', tokens) as Promise<[number, number]>);
  }

  expireWindow(key: string, window: number): void {
    void this.attempt((r) => r.pexpire(this.windowKey(key, window), WINDOW_MS * 2));
  }

  private windowKey(key: string, window: number): string {
    return this.key('rl', key, String(window));
  }

  async close(): Promise<void> {
    clearTimeout(this.probe);
    await this.limiter.flushAll();
    this.redis.disconnect();
    this.sub.disconnect();
  }

  private async onReady(): Promise<void> {
    this.up = true;
    this.opts.onBackendChange?.(true);
    if (this.warnedDown) this.opts.logger.info('shared state: Redis is back; sharing cooldowns and rate limits again');
    this.warnedDown = false;
    await this.loadCooldowns();
  }

  private markDown(why: string): void {
    if (!this.warnedDown) this.opts.logger.warn({ why }, 'shared state: Redis unreachable; using local state until it is back');
    this.warnedDown = true;
    if (this.up) this.opts.onBackendChange?.(false);
    this.up = false;
    // A slow command with the connection still open gets no new 'ready' event: probe for it.
    if (this.redis.status === 'ready' && !this.probe) {
      this.probe = setTimeout(() => {
        this.probe = undefined;
        this.redis.ping().then(
          () => void this.onReady(),
          () => this.markDown('ping failed'),
        );
      }, 1000);
      this.probe.unref();
    }
  }

  private probe?: NodeJS.Timeout;

  private onMessage(message: string): void {
    const [provider, failures, until] = message.split(' ');
    if (failures === 'clear') this.cooldowns.local.recordSuccess(provider);
    else this.cooldowns.local.apply(provider, Number(failures), Number(until));
  }

  /** What other replicas decided while this one was away. */
  private async loadCooldowns(): Promise<void> {
    const keys = await this.attempt((r) => r.keys(this.key('cooldown', '*')));
    for (const key of keys ?? []) {
      const entry = await this.attempt((r) => r.hgetall(key));
      if (entry?.until) this.cooldowns.local.apply(key.slice(this.key('cooldown', '').length), Number(entry.failures ?? 0), Number(entry.until));
    }
  }

  publishClear(provider: string): void {
    void this.attempt(async (r) => {
      await r.del(this.key('cooldown', provider));
      await r.publish(this.channel, `${provider} clear 0`);
    });
  }
}

/** Cooldowns read from the local cache, written through to Redis. */
export class SharedCooldowns implements CooldownStore {
  constructor(readonly local: Cooldowns, private readonly state: RedisState) {}

  remainingMs(provider: string): number {
    return this.local.remainingMs(provider);
  }

  recordFailure(provider: string, kind: FailureKind, retryAfterSeconds?: number): void {
    const before = this.local.entry(provider);
    this.local.recordFailure(provider, kind, retryAfterSeconds);
    const after = this.local.entry(provider);
    if (!after || (before && before.until === after.until && before.failures === after.failures)) return;
    const hold = kind === 'http_429' && retryAfterSeconds !== undefined ? Math.min(retryAfterSeconds * 1000, COOLDOWN_MAX_MS) : -1;
    void this.state.recordFailureScript(provider, Date.now(), this.local.baseMs, hold).then((shared) => {
      if (shared) this.local.apply(provider, Number(shared[0]), Number(shared[1]));
    });
  }

  recordSuccess(provider: string): void {
    if (!this.local.has(provider)) return;
    this.local.recordSuccess(provider);
    this.state.publishClear(provider);
  }

  snapshot(): CooldownState[] {
    return this.local.snapshot();
  }
}
