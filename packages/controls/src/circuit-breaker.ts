import type { Provider } from '@notify/schemas';
import type { Redis } from 'ioredis';

export interface CircuitBreakerOptions {
  /** Transient failures within one window, at the least, before the circuit opens. */
  failureThreshold: number;
  /** Share of the window's calls that failed, at the least, before the circuit opens (0..1). */
  failureRatio: number;
  /**
   * Calls a window must have counted, at the least, before the circuit opens: a window that has just
   * begun (or a Redis that has just restarted) holds the first failures before the successes of slices
   * still sending, and a ratio over a handful of calls says little.
   */
  minimumCalls: number;
  /** How long calls count towards the threshold and the ratio. */
  failureWindowMs: number;
  /** How long the circuit stays open before trial calls are let through (half-open). */
  openMs: number;
}

export const DEFAULT_BREAKER: CircuitBreakerOptions = {
  failureThreshold: 5,
  failureRatio: 0.5,
  minimumCalls: 20,
  failureWindowMs: 30_000, // 30 s
  openMs: 15_000, // 15 s
};

export type CircuitState = 'closed' | 'half-open' | 'open';

const windowKey = (p: Provider) => `notify:circuit:${p}:window`;
const openKey = (p: Provider) => `notify:circuit:${p}:open`;
const trippedKey = (p: Provider) => `notify:circuit:${p}:tripped`;

/**
 * Counts outcomes and opens the circuit, atomically. KEYS: window hash (calls, failures), open, tripped.
 * ARGV: successes, failures, window ms, threshold, ratio, open ms, tripped ms, now, minimum calls. Returns 1 when these
 * outcomes opened the circuit. While tripped (opened once, not yet closed by a success), the first
 * outcome after the open period decides: a failure reopens, a success closes.
 */
const RECORD = `
if redis.call('exists', KEYS[2]) == 1 then return 0 end
local successes = tonumber(ARGV[1])
local failures = tonumber(ARGV[2])
if redis.call('exists', KEYS[3]) == 1 then
  if failures > 0 then
    redis.call('set', KEYS[2], ARGV[8], 'PX', ARGV[6])
    redis.call('pexpire', KEYS[3], ARGV[7])
    return 1
  end
  redis.call('del', KEYS[1], KEYS[3])
  return 0
end
local calls = redis.call('hincrby', KEYS[1], 'calls', successes + failures)
if calls == successes + failures then redis.call('pexpire', KEYS[1], ARGV[3]) end
local failed = redis.call('hincrby', KEYS[1], 'failures', failures)
if failures > 0 and calls >= tonumber(ARGV[9]) and failed >= tonumber(ARGV[4]) and failed >= tonumber(ARGV[5]) * calls then
  redis.call('set', KEYS[2], ARGV[8], 'PX', ARGV[6])
  redis.call('set', KEYS[3], '1', 'PX', ARGV[7])
  redis.call('del', KEYS[1])
  return 1
end
return 0
`;

/**
 * A circuit breaker per provider whose state lives in Redis, so all replicas of a sender (and the router
 * choosing providers) agree. It opens when, within one window of at least `minimumCalls` calls, at least
 * `failureThreshold` calls failed and they were at least `failureRatio` of the calls: a provider failing a few calls in a busy minute
 * keeps its circuit closed, one failing most of them does not. Open = the open key exists; when it
 * expires the circuit is half-open and the next outcome decides.
 */
export class CircuitBreaker {
  private readonly options: CircuitBreakerOptions;

  constructor(
    private readonly redis: Redis,
    options: Partial<CircuitBreakerOptions> = {},
  ) {
    this.options = { ...DEFAULT_BREAKER, ...options };
  }

  async state(provider: Provider): Promise<CircuitState> {
    const [open, tripped] = await this.redis.mget(openKey(provider), trippedKey(provider));
    if (open) return 'open';
    return tripped ? 'half-open' : 'closed';
  }

  /** Remaining open time, or 0 when calls may go through. */
  async openFor(provider: Provider): Promise<number> {
    const ttl = await this.redis.pttl(openKey(provider));
    return ttl > 0 ? ttl : 0;
  }

  /** Counts `count` successful calls. */
  async recordSuccess(provider: Provider, count = 1): Promise<void> {
    await this.record(provider, count, 0);
  }

  /** Counts one failed call; true when it opened the circuit. */
  async recordFailure(provider: Provider): Promise<boolean> {
    return (await this.record(provider, 0, 1)) === 1;
  }

  /** Closes the circuit now and forgets the counts (an operator's override). */
  async reset(provider: Provider): Promise<void> {
    await this.redis.del(openKey(provider), trippedKey(provider), windowKey(provider));
  }

  async openCircuits(providers: readonly Provider[]): Promise<Set<Provider>> {
    const values = await this.redis.mget(...providers.map(openKey));
    return new Set(providers.filter((_, i) => values[i]));
  }

  private async record(provider: Provider, successes: number, failures: number): Promise<number> {
    const { failureWindowMs, failureThreshold, failureRatio, minimumCalls, openMs } = this.options;
    // A tripped circuit nobody calls any more closes after a few open periods.
    const trippedMs = openMs * 4 + failureWindowMs;
    const opened = await this.redis.eval(
      RECORD,
      3,
      windowKey(provider),
      openKey(provider),
      trippedKey(provider),
      successes,
      failures,
      failureWindowMs,
      failureThreshold,
      failureRatio,
      openMs,
      trippedMs,
      Date.now(),
      minimumCalls,
    );
    return Number(opened);
  }
}
