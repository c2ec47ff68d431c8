import type { Redis } from 'ioredis';

const TTL_MS = 7 * 24 * 60 * 60 * 1000; // a week: far beyond any provider's callback retries

/**
 * The instant a callback was first seen, for providers whose callbacks carry no time of their own
 * (Twilio). A retried callback gets the same instant, so its status event is the same event and the
 * timeline records it once. When Redis is unreachable the current time is used (and said so): the
 * callback is still recorded, at worst twice.
 */
export class FirstSeenClock {
  constructor(
    private readonly redis: Redis,
    private readonly onRedisError: (err: unknown) => void,
    private readonly prefix = 'notify:callback-seen:',
  ) {}

  async occurredAt(key: string, now: number): Promise<number> {
    const redisKey = `${this.prefix}${key}`;
    try {
      const set = await this.redis.set(redisKey, String(now), 'PX', TTL_MS, 'NX');
      if (set === 'OK') return now;
      const first = Number(await this.redis.get(redisKey));
      return Number.isFinite(first) && first > 0 ? first : now;
    } catch (err) {
      this.onRedisError(err);
      return now;
    }
  }
}
