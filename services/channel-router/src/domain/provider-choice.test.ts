import type { Provider } from '@notify/schemas';
import { describe, expect, it } from 'vitest';
import { chooseProvider, isInRollout, rolloutBucket, type ProviderState } from './provider-choice.js';
import type { ChannelRoute } from './routing-config.js';

const EMAIL: ChannelRoute = { provider: 'sendgrid', fallbackProviders: ['smtp'] };
const ada = { tenantId: 'acme', userId: 'u-42' };

function state(disabled: Provider[] = [], openCircuits: Provider[] = []): ProviderState {
  return { disabled: new Set(disabled), openCircuits: new Set(openCircuits) };
}

function recipientsInBucket(predicate: (bucket: number) => boolean) {
  for (let i = 0; ; i++) {
    const r = { tenantId: 'acme', userId: `u-${i}` };
    if (predicate(rolloutBucket(r))) return r;
  }
}

describe('chooseProvider', () => {
  it('uses the configured provider with the configured fallbacks when all is well', () => {
    expect(chooseProvider(EMAIL, ada, {})).toEqual({
      provider: 'sendgrid',
      fallbackProviders: ['smtp'],
      skipped: [],
    });
  });

  it('skips a disabled provider and never offers it as a fallback', () => {
    expect(chooseProvider(EMAIL, ada, {}, state(['sendgrid']))).toEqual({
      provider: 'smtp',
      fallbackProviders: [],
      skipped: [{ provider: 'sendgrid', reason: 'disabled' }],
    });
    expect(chooseProvider(EMAIL, ada, {}, state(['smtp']))).toEqual({
      provider: 'sendgrid',
      fallbackProviders: [],
      skipped: [],
    });
  });

  it('skips a provider with an open circuit but keeps it as a later fallback', () => {
    expect(chooseProvider(EMAIL, ada, {}, state([], ['sendgrid']))).toEqual({
      provider: 'smtp',
      fallbackProviders: ['sendgrid'],
      skipped: [{ provider: 'sendgrid', reason: 'circuit_open' }],
    });
  });

  it('uses the first enabled provider when every circuit is open', () => {
    expect(chooseProvider(EMAIL, ada, {}, state([], ['sendgrid', 'smtp']))?.provider).toBe('sendgrid');
    expect(chooseProvider(EMAIL, ada, {}, state(['sendgrid'], ['smtp']))?.provider).toBe('smtp');
  });

  it('returns null when every provider is disabled', () => {
    expect(chooseProvider(EMAIL, ada, {}, state(['sendgrid', 'smtp']))).toBeNull();
  });

  it('passes over a provider whose rollout excludes the recipient, and drops it from the fallbacks', () => {
    const outside = recipientsInBucket((b) => b >= 30);
    const inside = recipientsInBucket((b) => b < 30);
    const route: ChannelRoute = { provider: 'smtp', fallbackProviders: ['sendgrid'] };
    expect(chooseProvider(route, outside, { smtp: 30 })).toEqual({
      provider: 'sendgrid',
      fallbackProviders: [],
      skipped: [{ provider: 'smtp', reason: 'not_in_rollout' }],
    });
    expect(chooseProvider(route, inside, { smtp: 30 })).toEqual({
      provider: 'smtp',
      fallbackProviders: ['sendgrid'],
      skipped: [],
    });
    expect(chooseProvider(EMAIL, outside, { smtp: 30 })).toEqual({
      provider: 'sendgrid',
      fallbackProviders: [],
      skipped: [],
    });
  });

  it('uses a provider outside its rollout rather than none, and prefers one in rollout over an open circuit', () => {
    const outside = recipientsInBucket((b) => b >= 10);
    expect(
      chooseProvider({ provider: 'twilio', fallbackProviders: [] }, outside, { twilio: 10 })?.provider,
    ).toBe('twilio');
    expect(chooseProvider(EMAIL, outside, { sendgrid: 10 }, state(['smtp']))?.provider).toBe('sendgrid');
    expect(chooseProvider(EMAIL, outside, { smtp: 10 }, state([], ['sendgrid']))?.provider).toBe('smtp');
  });

  it('ignores a provider listed twice', () => {
    expect(
      chooseProvider({ provider: 'smtp', fallbackProviders: ['smtp', 'sendgrid'] }, ada, {})
        ?.fallbackProviders,
    ).toEqual(['sendgrid']);
  });
});

describe('rollout', () => {
  it('gives a recipient the same bucket every time', () => {
    const bucket = rolloutBucket(ada);
    for (let i = 0; i < 5; i++) expect(rolloutBucket({ tenantId: 'acme', userId: 'u-42' })).toBe(bucket);
    expect(bucket).toBeGreaterThanOrEqual(0);
    expect(bucket).toBeLessThan(100);
  });

  it('keys on tenant and user together', () => {
    const buckets = new Set(
      ['t1', 't2', 't3', 't4', 't5', 't6'].map((tenantId) =>
        rolloutBucket({ tenantId, userId: 'same-user' }),
      ),
    );
    expect(buckets.size).toBeGreaterThan(1);
  });

  it('treats an absent percentage as 100, 0 as nobody and 100 as everybody', () => {
    expect(isInRollout(undefined, ada)).toBe(true);
    expect(isInRollout(100, ada)).toBe(true);
    expect(isInRollout(0, ada)).toBe(false);
  });

  it.each([1, 10, 25, 50, 90])('includes about %i %% of 10k recipients', (percent) => {
    const recipients = Array.from({ length: 10_000 }, (_, i) => ({
      tenantId: `tenant-${i % 7}`,
      userId: `user-${i}`,
    }));
    const included = recipients.filter((r) => isInRollout(percent, r)).length;
    // Binomial standard deviation is at most 50 of 10k; 4 sigma keeps this deterministic test honest.
    expect(Math.abs(included - percent * 100)).toBeLessThan(200);
  });

  it('only adds recipients as the percentage grows', () => {
    const recipients = Array.from({ length: 1_000 }, (_, i) => ({ tenantId: 'acme', userId: `user-${i}` }));
    for (const r of recipients) {
      if (isInRollout(20, r)) expect(isInRollout(60, r)).toBe(true);
    }
  });
});
