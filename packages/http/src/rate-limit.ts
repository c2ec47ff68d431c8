import type { Redis } from 'ioredis';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { caller } from './api-key-auth.js';
import { HttpError } from './http-errors.js';

const WINDOW_MS = 60_000; // one minute

// Sliding window over the current and previous fixed minute, weighted: one round trip, no per-request set.
const SCRIPT = `
local cur = redis.call('INCR', KEYS[1])
if cur == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1] * 2) end
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
return {cur, prev}
`;

/**
 * Per-API-key rate limit kept in Redis so every replica shares it: 429 with Retry-After when over.
 * When Redis is unreachable requests are let through (availability over strictness) and logged.
 */
export function rateLimit(redis: Redis, onRedisError: (err: unknown) => void, now: () => number = Date.now): RequestHandler {
  return async (_req: Request, res: Response, next: NextFunction) => {
    const { keyId, rateLimitPerMinute } = caller(res);
    const t = now();
    const window = Math.floor(t / WINDOW_MS);
    const elapsed = (t % WINDOW_MS) / WINDOW_MS;
    try {
      const [cur, prev] = (await redis.eval(SCRIPT, 2, `notify:ratelimit:${keyId}:${window}`, `notify:ratelimit:${keyId}:${window - 1}`, WINDOW_MS)) as [number, number];
      const estimated = prev * (1 - elapsed) + cur;
      res.setHeader('ratelimit-limit', String(rateLimitPerMinute));
      res.setHeader('ratelimit-remaining', String(Math.max(0, Math.floor(rateLimitPerMinute - estimated))));
      if (estimated > rateLimitPerMinute) {
        const retryAfter = Math.max(1, Math.ceil((WINDOW_MS - (t % WINDOW_MS)) / 1000));
        return next(new HttpError(429, 'RATE_LIMITED', `rate limit of ${rateLimitPerMinute} requests per minute exceeded`, { 'retry-after': String(retryAfter) }));
      }
    } catch (err) {
      onRedisError(err);
    }
    next();
  };
}
