import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';
import { ControlsStore, parseControlsChange } from './runtime-controls.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:16379', { keyPrefix: `test-${Date.now()}-` });
afterAll(() => redis.disconnect());

describe('CircuitBreaker (Redis)', () => {
  it('opens after the threshold, half-opens when the open period ends, closes on success', async () => {
    const breaker = new CircuitBreaker(redis, { failureThreshold: 3, failureWindowMs: 10_000, openMs: 300 });
    expect(await breaker.state('sendgrid')).toBe('closed');
    expect(await breaker.recordFailure('sendgrid')).toBe(false);
    expect(await breaker.recordFailure('sendgrid')).toBe(false);
    expect(await breaker.recordFailure('sendgrid')).toBe(true);
    expect(await breaker.state('sendgrid')).toBe('open');
    expect([...(await breaker.openCircuits(['sendgrid', 'smtp']))]).toEqual(['sendgrid']);
    await new Promise((r) => setTimeout(r, 400));
    expect(await breaker.state('sendgrid')).toBe('half-open');
    // A failed trial reopens at once.
    expect(await breaker.recordFailure('sendgrid')).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    await breaker.recordSuccess('sendgrid');
    expect(await breaker.state('sendgrid')).toBe('closed');
  });
});

describe('ControlsStore (Redis)', () => {
  it('applies kill switches and rollout, and reads them back', async () => {
    const store = new ControlsStore(redis);
    const snap = await store.apply(parseControlsChange({ providers: { twilio: { enabled: false, rolloutPercent: 25 } }, channels: { PUSH: { enabled: false } } }));
    expect([...snap.disabledProviders]).toEqual(['twilio']);
    expect([...snap.disabledChannels]).toEqual(['PUSH']);
    expect(snap.rollout.twilio).toBe(25);
    const back = await store.apply(parseControlsChange({ providers: { twilio: { enabled: true } }, channels: { PUSH: { enabled: true } } }));
    expect(back.disabledProviders.size).toBe(0);
    expect(back.disabledChannels.size).toBe(0);
  });

  it('names every bad field of a change', () => {
    expect(() => parseControlsChange({ providers: { nope: {}, twilio: { rolloutPercent: 140 } }, channels: { FAX: { enabled: true } }, extra: 1 })).toThrowError(
      /providers\.nope.*providers\.twilio\.rolloutPercent.*channels\.FAX.*extra|extra/,
    );
  });
});
