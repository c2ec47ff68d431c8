import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

function fakeTime() {
  let now = 1_000;
  const sleeps: number[] = [];
  return {
    clock: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => (now += ms),
    sleeps,
  };
}

describe('RateLimiter', () => {
  it('lets the first batch go at once and paces the next ones to the rate', async () => {
    const t = fakeTime();
    const limiter = new RateLimiter(10, t.clock, t.sleep);
    await limiter.acquire(10);
    await limiter.acquire(10);
    await limiter.acquire(5);
    expect(t.sleeps).toEqual([1000, 1000]);
  });

  it('does not bank unused time beyond the present', async () => {
    const t = fakeTime();
    const limiter = new RateLimiter(2, t.clock, t.sleep);
    await limiter.acquire(1);
    t.advance(10_000);
    await limiter.acquire(1);
    await limiter.acquire(1);
    expect(t.sleeps).toEqual([500]);
  });

  it('never waits without a rate or for nothing', async () => {
    const t = fakeTime();
    await new RateLimiter(undefined, t.clock, t.sleep).acquire(1000);
    const limited = new RateLimiter(1, t.clock, t.sleep);
    await limited.acquire(0);
    await limited.acquire(0);
    expect(t.sleeps).toEqual([]);
  });

  it('rejects a rate that is not positive and sizes transactions to about a second', () => {
    expect(() => new RateLimiter(0)).toThrow(RangeError);
    expect(RateLimiter.sliceSize(undefined, 200)).toBe(200);
    expect(RateLimiter.sliceSize(10, 200)).toBe(10);
    expect(RateLimiter.sliceSize(0.5, 200)).toBe(1);
    expect(RateLimiter.sliceSize(1000, 200)).toBe(200);
  });
});
