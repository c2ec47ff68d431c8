import { describe, expect, it } from 'vitest';
import { ControlPatchError, EmulatorControl, MAX_LATENCY_MS, splitControlBody } from './control.js';

/** Cycles through fixed values so rate decisions are predictable. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] as number;
}

describe('EmulatorControl', () => {
  it('passes every call by default', () => {
    const control = new EmulatorControl();
    expect(control.next()).toEqual({ delayMs: 0 });
  });

  it('fails exactly the next N calls with the scripted status', () => {
    const control = new EmulatorControl().failNext(2, 503);
    expect(control.next().failure).toEqual({ status: 503 });
    expect(control.next().failure).toEqual({ status: 503 });
    expect(control.next().failure).toBeUndefined();
  });

  it('gives a scripted 429 a Retry-After, 1 s unless told otherwise', () => {
    const control = new EmulatorControl().failNext(1, 429);
    expect(control.next().failure).toEqual({ status: 429, retryAfterSeconds: 1 });
    control.failNext(1, 429, { retryAfterSeconds: 7 });
    expect(control.next().failure).toEqual({ status: 429, retryAfterSeconds: 7 });
    control.failNext(1, 429, { retryAfterSeconds: 0 });
    expect(control.next().failure).toEqual({ status: 429 });
  });

  it('applies failure rates from the random source', () => {
    const control = new EmulatorControl({ random: sequence(0.05, 0.25, 0.9) }).setFailureRate({
      rate429: 0.1,
      rate5xx: 0.2,
    });
    expect(control.next().failure?.status).toBe(429);
    expect(control.next().failure?.status).toBe(503);
    expect(control.next().failure).toBeUndefined();
  });

  it('adds latency spikes at the configured rate and clamps latency', () => {
    const control = new EmulatorControl({ random: sequence(0.1, 0.1, 0.9, 0.9) }).setLatency({
      fixedMs: 50,
      spikeMs: 500,
      spikeRate: 0.5,
    });
    expect(control.next().delayMs).toBe(550);
    expect(control.next().delayMs).toBe(50);
    control.setLatency({ fixedMs: 10 * MAX_LATENCY_MS });
    expect(control.next().delayMs).toBe(MAX_LATENCY_MS);
  });

  it('resets to passing everything', () => {
    const control = new EmulatorControl()
      .failNext(5, 500)
      .setLatency({ fixedMs: 100 })
      .setFailureRate({ rate5xx: 1 });
    control.reset();
    expect(control.next()).toEqual({ delayMs: 0 });
  });

  it('rejects invalid patches naming each field', () => {
    const control = new EmulatorControl();
    expect(() => control.apply({ failureRate5xx: 2, failNext: -1, status: 200 })).toThrow(ControlPatchError);
    try {
      control.apply({ failureRate5xx: 2, failNext: -1, status: 200 });
    } catch (err) {
      expect((err as ControlPatchError).problems).toEqual([
        'failureRate5xx must be a number in 0..1',
        'failNext must be a non-negative integer',
        'status must be an integer in 400..599',
        'failure rates add up to more than 1',
      ]);
    }
  });

  it('splits emulator-specific fields from the generic patch', () => {
    expect(splitControlBody({ failNext: 1, status: 503, unregisteredTokens: ['x'] })).toEqual({
      patch: { failNext: 1, status: 503 },
      extra: { unregisteredTokens: ['x'] },
    });
    expect(() => splitControlBody([1])).toThrow(ControlPatchError);
  });
});
