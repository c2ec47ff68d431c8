import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface Clock {
  now(): number;
  stop(): void;
}

export const systemClock: Clock = { now: () => Date.now(), stop: () => undefined };

/** Redis key holding a clock offset in milliseconds, for tests and demos that move time forward. */
export const CLOCK_OFFSET_KEY = 'notify:clock:offset-ms';

/**
 * A clock shifted by an offset read from Redis (refreshed every 250 ms), so an end-to-end test can move
 * every service's time forward at once, e.g. past the end of quiet hours. Only used when
 * CLOCK_OFFSET_REDIS_URL is set; production leaves it unset and runs on the system clock.
 */
export async function redisOffsetClock(url: string, logger: Logger): Promise<Clock> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  let offset = 0;
  const read = async () => {
    try {
      offset = Number((await redis.get(CLOCK_OFFSET_KEY)) ?? 0) || 0;
    } catch (err) {
      logger.debug({ err }, 'clock offset read failed');
    }
  };
  await redis.connect();
  await read();
  const timer = setInterval(() => void read(), 250);
  timer.unref();
  logger.warn('clock offset control is on (CLOCK_OFFSET_REDIS_URL): for tests and demos only');
  return {
    now: () => Date.now() + offset,
    stop: () => {
      clearInterval(timer);
      redis.disconnect();
    },
  };
}
