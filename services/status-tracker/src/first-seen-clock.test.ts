import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { FirstSeenClock } from './first-seen-clock.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:16379', { maxRetriesPerRequest: 1 });
const prefix = `test:first-seen:${randomUUID().slice(0, 8)}:`;

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe('FirstSeenClock (Redis)', () => {
  it('gives a repeated key the instant it was first seen', async () => {
    const clock = new FirstSeenClock(redis, () => {}, prefix);
    expect(await clock.occurredAt('SM1:delivered', 1_000)).toBe(1_000);
    expect(await clock.occurredAt('SM1:delivered', 2_000)).toBe(1_000);
    expect(await clock.occurredAt('SM1:failed', 3_000)).toBe(3_000);
    expect(await redis.pttl(`${prefix}SM1:delivered`)).toBeGreaterThan(0);
  });

  it('falls back to now when Redis fails', async () => {
    const down = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    const errors: unknown[] = [];
    const clock = new FirstSeenClock(down, (err) => errors.push(err), prefix);
    expect(await clock.occurredAt('SM2:delivered', 5_000)).toBe(5_000);
    expect(errors).toHaveLength(1);
    down.disconnect();
  });
});
