import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';
import { ControlsStore } from './runtime-controls.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:16379', { keyPrefix: `test-${Date.now()}-` });
afterAll(() => redis.disconnect());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('CircuitBreaker (Redis)', () => {
  it('opens after the threshold, half-opens when the open period ends, closes on success', async () => {
    const breaker = new CircuitBreaker(redis, { failureThreshold: 3, minimumCalls: 1, failureWindowMs: 10_000, openMs: 300 });
    expect(await breaker.state('sendgrid')).toBe('closed');
    expect(await breaker.recordFailure('sendgrid')).toBe(false);
    expect(await breaker.recordFailure('sendgrid')).toBe(false);
    expect(await breaker.recordFailure('sendgrid')).toBe(true);
    expect(await breaker.state('sendgrid')).toBe('open');
    expect([...(await breaker.openCircuits(['sendgrid', 'smtp']))]).toEqual(['sendgrid']);
    // Outcomes of calls that were in flight while it opened change nothing.
    expect(await breaker.recordFailure('sendgrid')).toBe(false);
    await sleep(400);
    expect(await breaker.state('sendgrid')).toBe('half-open');
    // A failed trial reopens at once.
    expect(await breaker.recordFailure('sendgrid')).toBe(true);
    await sleep(400);
    await breaker.recordSuccess('sendgrid');
    expect(await breaker.state('sendgrid')).toBe('closed');
    // Closed means counting afresh: one failure does not reopen.
    expect(await breaker.recordFailure('sendgrid')).toBe(false);
    expect(await breaker.state('sendgrid')).toBe('closed');
  });

  it('stays closed while failures are a small share of the calls, and opens when they are most of them', async () => {
    const breaker = new CircuitBreaker(redis, { failureThreshold: 5, failureRatio: 0.5, failureWindowMs: 10_000, openMs: 10_000 });
    // A busy provider failing 15 % of its calls, failures arriving in bursts.
    for (let round = 0; round < 10; round++) {
      await breaker.recordSuccess('twilio', 17);
      for (let i = 0; i < 3; i++) expect(await breaker.recordFailure('twilio')).toBe(false);
    }
    expect(await breaker.state('twilio')).toBe('closed');
    // Then it fails everything: once failures reach half the window's calls, the circuit opens.
    let more = 1;
    while (!(await breaker.recordFailure('twilio'))) more += 1;
    // 200 calls, 30 failed; then k failures: opens when 30 + k >= (200 + k) / 2, at k = 140.
    expect(more).toBe(140);
    expect(await breaker.state('twilio')).toBe('open');
  });

  it('does not open a window that has counted fewer than the minimum calls, however they went', async () => {
    const breaker = new CircuitBreaker(redis, { failureThreshold: 5, failureRatio: 0.5, minimumCalls: 20, failureWindowMs: 10_000, openMs: 10_000 });
    // A fresh window (or a restarted Redis): the first failures arrive before other slices' successes.
    for (let i = 0; i < 12; i++) expect(await breaker.recordFailure('push')).toBe(false);
    await breaker.recordSuccess('push', 7);
    expect(await breaker.state('push')).toBe('closed');
    // The 20th call: 13 failures of 20 is most of them.
    expect(await breaker.recordFailure('push')).toBe(true);
  });

  it('forgets the counts when the window ends', async () => {
    const breaker = new CircuitBreaker(redis, { failureThreshold: 3, minimumCalls: 1, failureWindowMs: 200, openMs: 10_000 });
    await breaker.recordFailure('smtp');
    await breaker.recordFailure('smtp');
    await sleep(300);
    expect(await breaker.recordFailure('smtp')).toBe(false);
    expect(await breaker.recordFailure('smtp')).toBe(false);
    expect(await breaker.recordFailure('smtp')).toBe(true);
  });

  it('is closed again, counts forgotten, after an operator reset', async () => {
    const breaker = new CircuitBreaker(redis, { failureThreshold: 2, minimumCalls: 1, openMs: 10_000 });
    await breaker.recordFailure('webhook');
    expect(await breaker.recordFailure('webhook')).toBe(true);
    await breaker.reset('webhook');
    expect(await breaker.state('webhook')).toBe('closed');
    expect(await breaker.recordFailure('webhook')).toBe(false);
  });
});

describe('ControlsStore (Redis)', () => {
  it('applies kill switches and rollout, and reads them back', async () => {
    const store = new ControlsStore(redis);
    const snap = await store.apply({ providers: { twilio: { enabled: false, rolloutPercent: 25 } }, channels: { PUSH: { enabled: false } } });
    expect([...snap.disabledProviders]).toEqual(['twilio']);
    expect([...snap.disabledChannels]).toEqual(['PUSH']);
    expect(snap.rollout.twilio).toBe(25);
    const back = await store.apply({ providers: { twilio: { enabled: true } }, channels: { PUSH: { enabled: true } } });
    expect(back.disabledProviders.size).toBe(0);
    expect(back.disabledChannels.size).toBe(0);
  });
});
