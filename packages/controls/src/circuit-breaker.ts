import type { Provider } from '@notify/schemas';
import type { Redis } from 'ioredis';

export interface CircuitBreakerOptions {
  /** Consecutive transient failures that open the circuit. */
  failureThreshold: number;
  /** How long failures count towards the threshold. */
  failureWindowMs: number;
  /** How long the circuit stays open before one trial call is let through (half-open). */
  openMs: number;
}

export const DEFAULT_BREAKER: CircuitBreakerOptions = {
  failureThreshold: 5,
  failureWindowMs: 30_000, // 30 s
  openMs: 15_000, // 15 s
};

export type CircuitState = 'closed' | 'half-open' | 'open';

const failuresKey = (p: Provider) => `notify:circuit:${p}:failures`;
const openKey = (p: Provider) => `notify:circuit:${p}:open`;

/**
 * A circuit breaker per provider whose state lives in Redis, so all replicas of a sender (and the router
 * choosing providers) agree. Open = the open key exists; when it expires the next call is a trial: its
 * success resets the failures, its failure reopens at once (the count is still over the threshold).
 */
export class CircuitBreaker {
  constructor(
    private readonly redis: Redis,
    private readonly options: CircuitBreakerOptions = DEFAULT_BREAKER,
  ) {}

  async state(provider: Provider): Promise<CircuitState> {
    const [open, failures] = await this.redis.mget(openKey(provider), failuresKey(provider));
    if (open) return 'open';
    return Number(failures ?? 0) >= this.options.failureThreshold ? 'half-open' : 'closed';
  }

  /** Remaining open time, or 0 when calls may go through. */
  async openFor(provider: Provider): Promise<number> {
    const ttl = await this.redis.pttl(openKey(provider));
    return ttl > 0 ? ttl : 0;
  }

  async recordSuccess(provider: Provider): Promise<void> {
    await this.redis.del(failuresKey(provider));
  }

  /** Closes the circuit now and forgets the failures (an operator's override). */
  async reset(provider: Provider): Promise<void> {
    await this.redis.del(openKey(provider), failuresKey(provider));
  }

  /** Returns true when this failure opened the circuit. */
  async recordFailure(provider: Provider): Promise<boolean> {
    const [[, count]] = (await this.redis
      .multi()
      .incr(failuresKey(provider))
      .pexpire(failuresKey(provider), this.options.failureWindowMs)
      .exec()) as [[Error | null, number], unknown];
    if (count >= this.options.failureThreshold) {
      const opened = await this.redis.set(openKey(provider), String(Date.now()), 'PX', this.options.openMs, 'NX');
      return opened === 'OK';
    }
    return false;
  }

  async openCircuits(providers: readonly Provider[]): Promise<Set<Provider>> {
    const values = await this.redis.mget(...providers.map(openKey));
    return new Set(providers.filter((_, i) => values[i]));
  }
}
