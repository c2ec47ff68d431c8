import { describe, expect, it } from 'vitest';
import { ErrorCodes, PermanentError, ProviderError, TransientError } from './errors.js';
import { nextRetryStep } from './retry-policy.js';

const delays = [1000, 10_000, 60_000];
const transient = new TransientError(ErrorCodes.INTERNAL, 'boom');

describe('nextRetryStep', () => {
  it('walks the tiers in order with their delays', () => {
    expect(nextRetryStep(delays, 1, transient, 0)).toEqual({ kind: 'retry', tier: 1, dueAt: 1000 });
    expect(nextRetryStep(delays, 2, transient, 0)).toEqual({ kind: 'retry', tier: 2, dueAt: 10_000 });
    expect(nextRetryStep(delays, 3, transient, 0)).toEqual({ kind: 'retry', tier: 3, dueAt: 60_000 });
  });

  it('dead-letters after the last tier', () => {
    expect(nextRetryStep(delays, 4, transient, 0)).toEqual({ kind: 'dead-letter' });
  });

  it('dead-letters permanent failures at once', () => {
    expect(nextRetryStep(delays, 1, new PermanentError(ErrorCodes.VALIDATION, 'bad'), 0)).toEqual({ kind: 'dead-letter' });
  });

  it('honours a longer Retry-After', () => {
    const limited = ProviderError.fromStatus('sendgrid', 429, 'slow down', { retryAfterMs: 5000 });
    expect(nextRetryStep(delays, 1, limited, 100)).toEqual({ kind: 'retry', tier: 1, dueAt: 5100 });
  });

  it('retries a failure that spent no attempt on the first tier, even after the last attempt', () => {
    const elsewhere = new TransientError(ErrorCodes.INTERNAL, 'in flight elsewhere', { spendsAttempt: false, retryAfterMs: 5_000 });
    expect(nextRetryStep(delays, 4, elsewhere, 100)).toEqual({ kind: 'retry', tier: 1, dueAt: 5_100, keepsAttempt: true });
    expect(nextRetryStep(delays, 2, elsewhere, 0)).toEqual({ kind: 'retry', tier: 1, dueAt: 5_000, keepsAttempt: true });
    expect(nextRetryStep([], 1, elsewhere, 0)).toEqual({ kind: 'dead-letter' });
  });

  it('has no tiers when none are configured', () => {
    expect(nextRetryStep([], 1, transient, 0)).toEqual({ kind: 'dead-letter' });
  });
});
